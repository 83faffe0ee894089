// The built CLI in a real pseudo-terminal (tmux): every question answered by
// keystrokes, as a person would, then the files and the saved description checked.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { generate } from '../src/index.js';
import { SYSTEM_PATH } from '../src/wizard/machine.js';
import { BIN } from './support/cli.js';
import { describeWithTools } from './support/tools.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-pty-'));
/** A server of our own, its socket in our temporary directory: parallel runs and a developer's tmux never meet. */
const SOCKET = join(dir, 'tmux.sock');

const tmux = (...args: string[]) => execFileSync('tmux', ['-S', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server left: every session already ended
  }
  rmSync(dir, { recursive: true, force: true });
});

class Terminal {
  constructor(readonly session: string) {}

  static start(session: string, cwd: string, args: string[] = []): Terminal {
    // The pane stays open after the CLI exits, so its last words and exit status can be read.
    const command = `${[process.execPath, BIN, ...args].map(quote).join(' ')}; echo "[exit $?]"; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', '-c', cwd, command);
    return new Terminal(session);
  }

  /** Everything shown so far, scrollback included, wrapped lines joined. */
  screen(): string {
    return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.session);
  }

  /** Waits until `pattern` is on the screen; fails with the screen when it does not come. */
  async waitFor(pattern: string | RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; the terminal shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.session, ...keys);
  }

  type(text: string): void {
    tmux('send-keys', '-t', this.session, '-l', '--', text);
  }

  /** Waits for the open question (`? <question>`), types `text` literally, presses Enter. */
  async answer(question: string, text?: string, keys: string[] = []): Promise<void> {
    await this.waitFor(`? ${question}`);
    if (text !== undefined) this.type(text);
    if (keys.length > 0) this.keys(...keys);
    this.keys('Enter');
    // The next question replaces this one; wait until it is answered on screen.
    await this.waitFor(`✔ ${question}`);
  }

  async exitStatus(): Promise<number> {
    const screen = await this.waitFor(/\[exit (\d+)\]/);
    return Number(/\[exit (\d+)\]/.exec(screen)![1]);
  }
}

describeWithTools(['tmux'])('npx init-service in a real terminal (tmux)', () => {
  test('every question answered by keystrokes: files written, description saved, next steps shown', async () => {
    const cwd = mkdtempSync(join(dir, 'run-'));
    const t = Terminal.start('happy', cwd);
    await t.answer('Generate files for');
    await t.answer('Program to run', 'sh');
    await t.answer('Service name', 'websvc');
    await t.answer('Main configuration file', '');
    await t.answer('Arguments', `-c 'exec sleep 1000' "two words"`);
    await t.answer('One-line description', 'End-to-end service');
    await t.answer('Run as user', 'initsvc-e2e-nobody');
    await t.waitFor('warning: user "initsvc-e2e-nobody" does not exist on this machine; create it with:');
    await t.answer('Working directory', '/srv/websvc');
    await t.answer('Directories it writes', 'runtime=websvc');
    await t.answer('Does the program fork', 'y');
    await t.answer('Pidfile the program writes', '/run/websvc.pid');
    await t.answer('Restart the program', undefined, ['Down']);
    await t.answer('Signal that makes it reload', undefined, ['Down']);
    // Refused inline by the FreeBSD target, for a forking program run as another user:
    await t.waitFor('? Environment variables');
    t.type(`MODE=prod GREETING='a b'`);
    t.keys('Enter');
    await t.waitFor(/environment\.GREETING: \(rcd\) "a b" cannot be carried/);
    t.keys('C-u');
    await t.answer('Environment variables', 'MODE=prod GREETING=hello');
    await t.answer('Needs these up first', 'network');
    await t.answer('Starts after these', 'syslog');
    await t.answer('Advanced settings?', 'y');
    await t.answer('Group', 'nogroup');
    await t.answer('Family:', 'websites');
    await t.answer('Account the program switches to', '');
    await t.answer('Mode of those directories', '');
    await t.answer("The origin launcher's extra commands", '');
    await t.answer('Interpreter of a script command', '');
    await t.answer('File of NAME=value lines', '/etc/default/websvc');
    await t.answer('Command that checks the configuration', '/bin/true --check');
    await t.answer('File standard output', '/var/log/websvc.log');
    await t.answer('File standard error', '/var/log/websvc.err');
    await t.answer('Signal that stops it', undefined, ['Up']);
    await t.answer('Seconds to wait', '20');
    await t.answer('File mode creation mask', '0027');
    await t.answer('Nice level', '-5');
    await t.answer('Limit on open files', '65536');
    await t.answer('Limit on processes', 'unlimited');
    await t.answer('Limit on core file size', '0');
    await t.answer('systemd sandboxing', undefined, ['Up']);
    await t.answer('systemd MemoryDenyWriteExecute=');
    await t.answer('May it bind ports below 1024', 'y');
    await t.answer('FreeBSD: the program as the port installs it', '');
    await t.answer('FreeBSD: arguments instead', '');
    await t.answer('FreeBSD: configuration file', '');
    await t.answer('FreeBSD: pidfile', '');
    await t.answer('FreeBSD pkg-plist style', undefined, ['Down']);
    // The whole description is checked again: arguments typed before "forks" and
    // "user" were answered cannot be carried by rc.subr now; only they are asked again.
    await t.waitFor('please answer again:\n  args[1]: (rcd) "exec sleep 1000" cannot be carried');
    await t.answer('Arguments', '--serve 8080');
    await t.answer('Write the files to');
    const summary = await t.waitFor(/\? Write \d+ files to websvc-init\/\?/);
    expect(summary).toMatch(/new +websvc\.service\.json/);
    t.keys('Enter');
    expect(await t.exitStatus()).toBe(0);

    const screen = t.screen();
    expect(screen).toMatch(/(\d+) of \1 files written to websvc-init\/\./);
    expect(screen).toContain('Regenerate without questions: init-service generate --spec websvc-init/websvc.service.json --out websvc-init');
    expect(screen).toContain('rc-update add websites.websvc default && rc-service websites.websvc start');
    expect(screen).toContain('sysrc websites_enable=YES websites_profiles+=websvc && service websites start websvc');
    expect(screen).toContain('systemctl daemon-reload && systemctl enable --now websites@websvc.service');
    expect(screen).not.toMatch(/\n\s+at /);

    const out = join(cwd, 'websvc-init');
    const saved = JSON.parse(readFileSync(join(out, 'websvc.service.json'), 'utf8')) as Record<string, unknown>;
    // A bare name is looked up where a service's init system looks first (issue 17).
    const sh = SYSTEM_PATH.map((d) => `${d}/sh`).find((p) => existsSync(p)) ?? execFileSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).trim();
    expect(saved).toEqual({
      name: 'websvc',
      family: 'websites',
      description: 'End-to-end service',
      command: sh,
      args: ['--serve', '8080'],
      user: 'initsvc-e2e-nobody',
      group: 'nogroup',
      workingDirectory: '/srv/websvc',
      directories: { runtime: ['websvc'] },
      environment: { MODE: 'prod', GREETING: 'hello' },
      environmentFile: '/etc/default/websvc',
      daemonizes: true,
      pidfile: '/run/websvc.pid',
      restart: 'always',
      reloadSignal: 'HUP',
      stopSignal: 'ALRM',
      stopTimeout: 20,
      umask: '0027',
      nice: -5,
      limits: { nofile: 65536, nproc: 'unlimited', core: 0 },
      requires: ['network'],
      after: ['syslog'],
      stdoutLog: '/var/log/websvc.log',
      stderrLog: '/var/log/websvc.err',
      configCheck: ['/bin/true', '--check'],
      freebsd: { plist: 'legacy' },
      systemd: { hardening: 'strict', bindPrivilegedPorts: true },
    });
    // What was written is exactly what the saved description generates.
    for (const file of generate(saved).files) {
      const path = join(out, file.path);
      if (file.linkTarget !== undefined) expect(readlinkSync(path), file.path).toBe(file.linkTarget);
      else expect(readFileSync(path, 'utf8'), file.path).toBe(file.content);
      expect(lstatSync(path).mode & 0o777, file.path).toBe(file.linkTarget !== undefined ? 0o777 : file.mode);
    }
  });

  test('Ctrl+C: exit 130, one line, no stack trace, nothing written', async () => {
    const cwd = mkdtempSync(join(dir, 'run-'));
    const t = Terminal.start('cancel', cwd);
    await t.answer('Generate files for');
    await t.waitFor('? Program to run');
    t.type('sle');
    t.keys('C-c');
    expect(await t.exitStatus()).toBe(130);
    const screen = t.screen();
    expect(screen).toContain('Cancelled, nothing written.');
    expect(screen).not.toMatch(/Error|\n\s+at /);
    expect(execFileSync('ls', ['-A', cwd], { encoding: 'utf8' })).toBe('');
  });

  test('--spec FILE on a terminal opens the edit flow with the file\'s values', async () => {
    const cwd = mkdtempSync(join(dir, 'run-'));
    const spec = fileURLToPath(new URL('../examples/homesite.json', import.meta.url));
    const t = Terminal.start('edit', cwd, ['--spec', spec, '--target', 'systemd']);
    // Named as given (outside the current directory: its full path).
    await t.waitFor(`Editing ${spec}:`);
    await t.answer('Generate files for');
    await t.waitFor('? Program to run (absolute path, or a command on PATH) (/usr/bin/sbcl)');
    t.keys('C-c');
    expect(await t.exitStatus()).toBe(130);
    expect(existsSync(join(cwd, 'homesite-init'))).toBe(false);
  });
});
