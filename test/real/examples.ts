import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ask, httpGet, memcached, redis } from './ask.js';
import type { PrivateRoot } from '../support/private-root.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A fixture file's text. */
export function fixture(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

/** Undefined when the program answered as expected, else what it answered. */
type Probe = (root: PrivateRoot, port: number, member: string) => Promise<string | undefined>;

/**
 * One example of examples/ that the matrix runs with the real program: the
 * files a package would have installed beside it (configuration, the app),
 * the accounts the package would have created, how to ask it something, and
 * what it must have written.
 */
export interface RealExample {
  /** examples/NAME.json, or the directory examples/NAME/ of a family; for a round trip, a name of its own. */
  name: string;
  /** A round trip: this systemd unit of a Debian package, imported (init-service import), is what gets installed. */
  unit?: string;
  /**
   * What a packager must add by hand to the imported description, because
   * the unit does not say it: each one is in the closing note of the
   * import issue. Nothing else of the description is touched.
   */
  handEdit?: (spec: Record<string, unknown>) => void;
  /**
   * rc.d: what an admin sets in /etc/rc.conf, and how the program shows it
   * took effect (the knobs a port's script documents must reach it).
   */
  rcConf?: { lines: string[]; nice?: number; probe: Probe };
  /** The members started, each with its own port (one for a single service). */
  members: Array<{ name: string; port: number }>;
  /** Path inside the private root → fixture file (test/real/fixtures/). */
  fixtures: Record<string, string>;
  /** System accounts the package's install step would create, if Debian has none. */
  accounts: string[];
  /** The program's executable, whose processes the matrix checks. */
  program: string;
  /** The accounts its processes run as. */
  runsAs: string[];
  probe: Probe;
  /** Files the program must have written by the end of the probe. */
  writes(member: string): string[];
  /** A configuration change the program shows once reloaded; `at` gives a description's path as the cell's platform has it (configFile under %%PREFIX%%/etc on FreeBSD). */
  reload?: { edit(root: PrivateRoot, at: (path: string) => string): void; probe: Probe };
}

const expectBody = (body: string, path = '/'): Probe => async (root, port) => {
  const r = await httpGet(root, port, path);
  return r?.status === 200 && r.body === body ? undefined : `GET ${path}: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`;
};

function expectReplies(replies: Array<[asked: Promise<string | undefined>, wanted: RegExp]>): Promise<string | undefined> {
  return Promise.all(replies.map(([a]) => a)).then((got) => {
    const wrong = got.findIndex((g, i) => !replies[i]![1].test(g ?? ''));
    return wrong < 0 ? undefined : `reply ${JSON.stringify(got[wrong])}, wanted ${replies[wrong]![1]}`;
  });
}

/** PING, SET, then SAVE, which makes redis write its data file now rather than at its first save point. */
const redisAnswers: Probe = async (root, port) => {
  const ping = await redis(root, port, 'PING');
  if (ping !== '+PONG') return `PING: ${ping}`;
  return expectReplies([[redis(root, port, 'SET', 'matrix', 'ok'), /^\+OK$/]]).then(async (wrong) => wrong ?? expectReplies([[redis(root, port, 'SAVE'), /^\+OK$/]]));
};

const memcachedAnswers: Probe = (root, port) =>
  expectReplies([
    [memcached(root, port, 'version'), /^VERSION \d/],
    [memcached(root, port, 'set matrix 0 0 2\r\nok'), /^STORED$/],
  ]).then(async (wrong) => wrong ?? expectReplies([[memcached(root, port, 'get matrix', 'END\r\n'), /^VALUE matrix 0 2\r\nok\r\nEND$/]]));

export const REAL_EXAMPLES: RealExample[] = [
  {
    name: 'redis',
    members: [{ name: 'redis', port: 46379 }],
    fixtures: { '/etc/redis/redis.conf': 'redis.conf' },
    accounts: [],
    program: '/usr/bin/redis-server',
    runsAs: ['redis'],
      probe: redisAnswers,
    writes: () => ['/var/lib/redis/dump.rdb'],
    rcConf: {
      lines: ['redis_flags="--maxmemory 10mb"', 'redis_nice="5"'],
      nice: 5,
      probe: async (root, port) => {
        const reply = await ask(root, port, '*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$9\r\nmaxmemory\r\n', '\r\n10485760\r\n');
        return reply?.includes('10485760') ? undefined : `CONFIG GET maxmemory: ${JSON.stringify(reply)}`;
      },
    },
  },
  {
    name: 'nginx',
    members: [{ name: 'nginx', port: 48080 }],
    fixtures: { '/etc/nginx/nginx.conf': 'nginx.conf', '/var/www/init-service/static.txt': 'static.txt' },
    accounts: [],
    program: '/usr/sbin/nginx',
    runsAs: ['root', 'www-data'],
    probe: async (root, port) => (await expectBody('nginx config-1\n')(root, port, '')) ?? expectBody('static file served by nginx\n', '/static.txt')(root, port, ''),
    writes: () => ['/var/log/nginx/access.log', '/var/log/nginx/error.log'],
    reload: {
      edit: (root, at) => root.write(at('/etc/nginx/nginx.conf'), root.read(at('/etc/nginx/nginx.conf')).replace('config-1', 'config-2')),
      probe: expectBody('nginx config-2\n'),
    },
  },
  {
    name: 'memcached',
    members: [{ name: 'memcached', port: 41211 }],
    fixtures: {},
    accounts: [],
    program: '/usr/bin/memcached',
    runsAs: ['memcache'],
    probe: memcachedAnswers,
    writes: () => [],
  },
  {
    name: 'node-app',
    members: [{ name: 'node-app', port: 43080 }],
    fixtures: { '/opt/node-app/server.js': 'node-app/server.js', '/etc/node-app/config.json': 'node-app/config.json' },
    accounts: ['node-app'],
    program: '/usr/bin/node',
    runsAs: ['node-app'],
    probe: expectBody('hello from node-app\n'),
    writes: () => [],
    reload: {
      edit: (root, at) => root.write(at('/etc/node-app/config.json'), root.read(at('/etc/node-app/config.json')).replace('hello from node-app', 'reloaded node-app')),
      probe: expectBody('reloaded node-app\n'),
    },
  },
  {
    name: 'lisp-site',
    members: [
      { name: 'alpha', port: 44081 },
      { name: 'beta', port: 44082 },
    ],
    fixtures: {
      '/usr/share/lisp-site/site-daemon.lisp': 'lisp-site/site-daemon.lisp',
      '/usr/share/lisp-site/site.lisp': 'lisp-site/site.lisp',
      '/etc/lisp-site/alpha.lisp': 'lisp-site/alpha.lisp',
      '/etc/lisp-site/beta.lisp': 'lisp-site/beta.lisp',
    },
    accounts: ['lisp-site'],
    program: '/usr/bin/sbcl',
    runsAs: ['lisp-site'],
    probe: async (root, port, member) => {
      const r = await httpGet(root, port);
      return r?.status === 200 && r.body.startsWith(`${member}: `) ? undefined : `GET /: ${r ? `${r.status} ${JSON.stringify(r.body)}` : 'no answer'}`;
    },
    writes: (member) => [`/var/cache/lisp-site/${member}/site.fasl`],
  },
  // The round trip: Debian's own units, imported, then generated for every
  // target, running with Debian's own configuration files (default ports:
  // each cell has a network of its own).
  {
    name: 'redis (Debian unit)',
    unit: '/lib/systemd/system/redis-server.service',
    members: [{ name: 'redis-server', port: 6379 }],
    fixtures: {},
    accounts: [],
    program: '/usr/bin/redis-server',
    runsAs: ['redis'],
    probe: redisAnswers,
    writes: () => ['/var/lib/redis/dump.rdb', '/var/log/redis/redis-server.log'],
  },
  {
    name: 'nginx (Debian unit)',
    unit: '/lib/systemd/system/nginx.service',
    members: [{ name: 'nginx', port: 80 }],
    fixtures: {},
    accounts: [],
    program: '/usr/sbin/nginx',
    runsAs: ['root', 'www-data'],
    probe: async (root, port) => {
      const r = await httpGet(root, port);
      return r?.status === 200 && r.body.includes('Welcome to nginx') ? undefined : `GET /: ${r ? `${r.status} ${JSON.stringify(r.body.slice(0, 80))}` : 'no answer'}`;
    },
    writes: () => ['/var/log/nginx/access.log'],
  },
  {
    name: 'memcached (Debian unit)',
    unit: '/lib/systemd/system/memcached.service',
    members: [{ name: 'memcached', port: 11211 }],
    fixtures: {},
    accounts: [],
    program: '/usr/bin/memcached',
    runsAs: ['memcache'],
    probe: memcachedAnswers,
    writes: () => [],
    // Debian's wrapper reads "-u memcache" from /etc/memcached.conf and
    // switches to it as root; the unit only hints at it (CAP_SETUID in its
    // bounding set), so the description must say it. The wrapper itself is
    // Debian's: a FreeBSD port runs memcached with those options directly.
    handEdit: (spec) => {
      spec.switchesUser = { user: 'memcache' };
      spec.freebsd = { command: '/usr/local/bin/memcached', args: ['-m', '64', '-p', '11211', '-u', 'memcache', '-l', '127.0.0.1'] };
    },
  },
];
