import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { connect } from 'node:net';
import { PrivateRoot } from './support/private-root.js';
import { sleep, waitFor } from './support/probe.js';
import { ask } from './real/ask.js';
import { describeWithTools } from './support/tools.js';

// The real-program matrix runs daemons as root inside a PrivateRoot; these
// tests hold it to its promise: nothing written inside reaches the host, and
// closing it leaves no process behind.

const describeRoot = describeWithTools(['unshare', 'nsenter', 'gcc'], { ok: process.getuid?.() === 0, why: 'root (namespaces, overlays)' });

describeRoot('a private root', () => {
  test('files written under /etc, /usr, /var, /run and /tmp inside stay inside', async () => {
    const root = await PrivateRoot.open('plain');
    const name = `init-service-private-${process.pid}`;
    try {
      for (const dir of ['/etc', '/usr/local', '/var/lib', '/run', '/tmp']) {
        const r = await root.sh('echo inside > "$1/$2" && cat "$1/$2"', dir, name);
        expect(r.output).toBe('inside\n');
        expect(root.read(`${dir}/${name}`)).toBe('inside\n');
        expect(existsSync(`${dir}/${name}`)).toBe(false);
      }
      expect((await root.run(['hostname'])).stdout).toBe('private-root\n');
    } finally {
      await root.close();
    }
  });

  test('a path through an absolute symbolic link (/var/run -> /run) is resolved inside, never on the host', async () => {
    const root = await PrivateRoot.open('plain');
    const name = `init-service-private-${process.pid}`;
    try {
      await root.sh('ln -s /run/"$1" /etc/"$1"-link && mkdir /run/"$1"', name);
      root.write(`/etc/${name}-link/file`, 'inside\n');
      expect((await root.run(['cat', `/run/${name}/file`])).stdout).toBe('inside\n');
      expect(existsSync(`/run/${name}`)).toBe(false);
    } finally {
      await root.close();
    }
  });

  test('its network is its own: a port bound inside is free on the host, and reachable only inside', async () => {
    const root = await PrivateRoot.open('plain');
    try {
      const listen = `require('node:net').createServer((c) => c.end('inside')).listen(47999, '127.0.0.1', () => console.log('listening'))`;
      const server = root.run([process.execPath, '-e', listen], { timeoutMs: 20_000 });
      await waitFor('the server inside', () => root.processes().some((p) => p.argv.includes(listen)), 5_000);
      await sleep(300);
      expect(await ask(root, 47999, 'hello')).toBe('inside');
      expect(await hostConnects(47999)).toBe(false);
      void server;
    } finally {
      await root.close();
    }
  });

  test('closing it ends every process started inside, orphans included', async () => {
    const root = await PrivateRoot.open('plain');
    let pids: number[] = [];
    try {
      const r = await root.sh('sleep 300 >/dev/null 2>&1 & sleep 301 >/dev/null 2>&1 & echo started');
      expect(r.output).toBe('started\n');
      pids = root.processes().filter((p) => p.argv[0] === 'sleep').map((p) => p.pid);
      expect(pids).toHaveLength(2);
    } finally {
      await root.close();
    }
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});

function hostConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('connect', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}
