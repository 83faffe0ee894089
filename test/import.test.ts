import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BIN } from './support/cli.js';
import { ImportError, importUnit, UnitSyntaxError } from '../src/import/index.js';
import { parseExecLine } from '../src/import/exec-line.js';
import { parseUnitFile } from '../src/import/unit-file.js';
import { normalize } from '../src/index.js';

// init-service import: systemd's own grammar (systemd.syntax(7),
// systemd.service(5) COMMAND LINES, systemd.unit(5) SPECIFIERS), a mapping
// that says what became of every directive line, and refusals that name the
// line: never a description that runs something other than systemd would.

function imported(text: string, options: { name?: string; dropIns?: Array<[string, string]>; instance?: string } = {}) {
  const name = options.name ?? 'web.service';
  return importUnit(name, { name, text }, (options.dropIns ?? []).map(([n, t]) => ({ name: n, text: t })), options.instance);
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ImportError || error instanceof UnitSyntaxError) return error.message;
    throw error;
  }
  throw new Error('not refused');
}

describe('the unit file grammar', () => {
  test('continuations join with a space, comment lines inside them are skipped, comments and X- sections are ignored', () => {
    const entries = parseUnitFile('# head\n[Unit]\nDescription=a \\\n# skipped\n  b\n; also a comment\n[X-Vendor]\nAnything=at all\n[Service]\nExecStart=/bin/x\n', 'u.service');
    expect(entries).toEqual([
      { section: 'Unit', key: 'Description', value: 'a    b', at: 'u.service:3' },
      { section: 'Service', key: 'ExecStart', value: '/bin/x', at: 'u.service:10' },
    ]);
  });

  test('command lines: prefixes, quotes anywhere in a word, C escapes, $$ and %%, variables and specifiers as pieces', () => {
    expect(parseExecLine(`-/usr/bin/x --opt="a b" 'it''s' \\x41\\t $$HOME 50%% \${VAR} $WORD %i`)).toEqual({
      prefixes: '-',
      words: [
        [{ text: '/usr/bin/x' }],
        [{ text: '--opt=a b' }],
        [{ text: 'its' }],
        [{ text: 'A\t' }],
        [{ text: '$HOME' }],
        [{ text: '50%' }],
        [{ variable: 'VAR', braced: true }],
        [{ variable: 'WORD' }],
        [{ specifier: 'i' }],
      ],
    });
  });
});

describe('what a unit becomes', () => {
  test('values are carried exactly; a literal "{" is written "{{" so that it stays text', () => {
    const { spec } = imported('[Service]\nExecStart=/usr/bin/web "--json={\\"a\\": 1}" {config} \'$(id)\' $$x 100%%\nUser=web\n');
    expect(spec.args).toEqual(['--json={{"a": 1}', '{{config}', '$(id)', '$x', '100%']);
    expect(normalize(spec).args).toEqual(['--json={"a": 1}', '{config}', '$(id)', '$x', '100%']);
  });

  test('a later assignment overrides, an empty one resets a list, drop-ins apply after the unit in order', () => {
    const { spec, report } = imported('[Unit]\nAfter=network.target\nAfter=\nAfter=syslog.target\n[Service]\nExecStart=/usr/bin/web\nUser=one\n', {
      dropIns: [
        ['web.service.d/10-user.conf', '[Service]\nUser=two\n'],
        ['web.service.d/20-start.conf', '[Service]\nExecStart=\nExecStart=/usr/bin/web --fast\n'],
      ],
    });
    expect([spec.user, spec.args, spec.after]).toEqual(['two', ['--fast'], ['syslog']]);
    expect(report.filter((r) => r.directive === 'Unit.After').map((r) => `${r.at} ${r.outcome}`)).toEqual(['web.service:2 not carried', 'web.service:3 not carried', 'web.service:4 mapped']);
    expect(report.find((r) => r.at === 'web.service:7')).toMatchObject({ directive: 'Service.User', outcome: 'not carried', detail: 'overridden by a later assignment' });
  });

  test('Type, reload signal, config check, environment, directories, limits and dependencies map as documented', () => {
    const { spec } = imported(
      [
        '[Unit]',
        'Description=Web %n',
        'Wants=network-online.target',
        'After=network-online.target time-sync.target db.service',
        'Requires=local-fs.target',
        '[Service]',
        'Type=notify',
        'Environment="GREETING=hello world" MODE=prod',
        'ExecStartPre=/usr/bin/web -t',
        'ExecStart=/usr/bin/web --mode ${MODE} $GREETING',
        'ExecReload=/bin/kill -HUP $MAINPID',
        'StateDirectory=web web/extra',
        'LogsDirectory=web',
        'LimitNOFILE=1024:65536',
        'KillSignal=SIGQUIT',
        'TimeoutStopSec=1min 30s',
        'Restart=on-abnormal',
        'StandardOutput=append:/var/log/web/out.log',
        'AmbientCapabilities=CAP_NET_BIND_SERVICE',
      ].join('\n'),
    );
    expect(spec).toMatchObject({
      description: 'Web web.service',
      ready: 'notify',
      command: '/usr/bin/web',
      args: ['--mode', 'prod', 'hello', 'world'],
      configCheck: ['/usr/bin/web', '-t'],
      reloadSignal: 'HUP',
      environment: { GREETING: 'hello world', MODE: 'prod' },
      directories: { state: ['web', 'web/extra'], logs: ['web'] },
      limits: { nofile: 65536 },
      stopSignal: 'QUIT',
      stopTimeout: 90,
      restart: 'on-failure',
      stdoutLog: '/var/log/web/out.log',
      systemd: { bindPrivilegedPorts: true },
      requires: ['localfs'],
      after: ['network', 'time', 'db'],
    });
  });

  test('a template unit with --instance: %i becomes {instance}, and the description is a member of the family', () => {
    const { spec } = imported('[Unit]\nDescription=Site %I\n[Service]\nExecStart=/usr/bin/site --config /etc/site/%i.conf\n', { name: 'site@.service', instance: 'alpha' });
    expect([spec.name, spec.family, spec.description, spec.args]).toEqual(['alpha', 'site', 'Site {instance}', ['--config', '/etc/site/{instance}.conf']]);
    expect(normalize(spec).args).toEqual(['--config', '/etc/site/alpha.conf']);
    expect(refusal(() => imported('[Service]\nExecStart=/bin/x\n', { name: 'site@.service' }))).toMatch(/a template unit: name the instance with --instance NAME/);
  });

  test('ReadWritePaths= under /var/lib, /var/cache, /var/log, /run become declared directories (approximated)', () => {
    const { spec, report } = imported('[Service]\nExecStart=/usr/bin/web\nReadWritePaths=-/var/lib/web\nReadWritePaths=/var/log/web /srv/data\nRuntimeDirectory=web\n');
    expect(spec.directories).toEqual({ runtime: ['web'], state: ['web'], logs: ['web'] });
    expect(report.filter((r) => r.directive === 'Service.ReadWritePaths').map((r) => `${r.outcome}: ${r.detail}`)).toEqual([
      'approximated: directories.state web: created and owned by the account, where systemd only made it writable',
      'approximated: directories.logs web: created and owned by the account, where systemd only made them writable; the other paths are not carried',
    ]);
  });

  test('sandboxing is kept as the systemd profile: none in the unit, hardening "off"; some, the default profile', () => {
    expect(imported('[Service]\nExecStart=/usr/bin/web\n').spec.systemd).toEqual({ hardening: 'off' });
    expect(imported('[Service]\nExecStart=/usr/bin/web\nProtectSystem=full\n').spec.systemd).toBeUndefined();
  });

  test('a unit without User= runs as root, and so does its description', () => {
    expect(imported('[Service]\nExecStart=/usr/bin/web\n').spec.user).toBe('root');
    expect(normalize(imported('[Service]\nExecStart=/usr/bin/web\n').spec).user).toBeUndefined();
    expect(imported('[Service]\nExecStart=/usr/bin/web\nDynamicUser=yes\n').spec.user).toBe('web');
  });

  test('--set gives a variable the unit reads from outside (Debian\'s $DAEMON_OPTS), reported as approximated', () => {
    const text = '[Service]\nEnvironmentFile=-/etc/default/web\nExecStart=/usr/bin/web $DAEMON_OPTS --name ${NAME}\n';
    expect(refusal(() => imported(text))).toMatch(/\$DAEMON_OPTS is set outside the unit .* give it with --set DAEMON_OPTS=VALUE/);
    const name = 'web.service';
    const { spec, report } = importUnit(name, { name, text }, [], undefined, new Map([['DAEMON_OPTS', '-v --port 80'], ['NAME', 'a {b}']]));
    expect(spec.args).toEqual(['-v', '--port', '80', '--name', 'a {{b}']);
    expect(report.find((r) => r.directive === 'Service.ExecStart')).toMatchObject({ outcome: 'approximated', detail: 'command and args; $DAEMON_OPTS $NAME as given with --set, where the unit reads them from outside' });
  });

  test('every directive line appears in the report exactly once', () => {
    const text = '[Unit]\nDescription=x\nDocumentation=man:x(1)\nAfter=a.target\n[Service]\nExecStart=/bin/x\nPrivateTmp=yes\nReadWritePaths=/a\nReadWritePaths=/b\nExecStop=/bin/kill $MAINPID\nFooBar=1\n[Install]\nWantedBy=multi-user.target\n';
    const { report } = imported(text);
    const lines = text.split('\n').flatMap((l, i) => (/^\w+=/.test(l) ? [`web.service:${i + 1}`] : []));
    expect(report.map((r) => r.at).sort()).toEqual(lines.sort());
  });
});

describe('the one-step path', () => {
  test('init-service import UNIT | init-service generate --spec - gives the files of the imported description', () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-service-import-'));
    try {
      const unit = join(dir, 'web.service');
      writeFileSync(unit, '[Unit]\nDescription=Web\n[Service]\nExecStart=/usr/bin/web --port 8080\nUser=web\n');
      const r = spawnSync('sh', ['-c', 'node "$1" import "$2" | node "$1" generate --spec - --out "$3/out" --target systemd', 'sh', BIN, unit, dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(dir, 'out/systemd/web.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/bin\/web --port 8080$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile units: a clear error naming line and directive', () => {
  test.each([
    ['a NUL byte', '[Service]\nExecStart=/bin/x\0y\n', /web\.service:2: a NUL byte/],
    ['an overlong line', `[Service]\nExecStart=/bin/x ${'a'.repeat(1024 * 1024)}\n`, /web\.service:2: a line of \d+ characters/],
    ['an unknown section', '[Sevrice]\nExecStart=/bin/x\n', /web\.service:1: unknown section \[Sevrice\]/],
    ['a line before any section', 'ExecStart=/bin/x\n', /web\.service:1: .* comes before any \[Section\] header/],
    ['a variable from an EnvironmentFile', '[Service]\nEnvironmentFile=/etc/default/x\nExecStart=/bin/x $OPTS\n', /web\.service:3: Service\.ExecStart: \$OPTS is set outside the unit/],
    ['a machine-dependent specifier', '[Service]\nExecStart=/bin/x --home %h\n', /web\.service:2: Service\.ExecStart: the specifier %h depends on the machine/],
    ['an unclosed quote', '[Service]\nExecStart=/bin/x "open\n', /web\.service:2: Service\.ExecStart: a " quote is not closed/],
    ['a half UTF-8 byte escape', '[Service]\nExecStart=/bin/x \\xc3\n', /web\.service:2: Service\.ExecStart: the byte escape/],
    ['a full-privilege prefix', '[Service]\nUser=web\nExecStart=+/bin/x\n', /web\.service:3: Service\.ExecStart: the "\+" prefix runs it with full privileges/],
    ['a relative program', '[Service]\nExecStart=x --y\n', /web\.service:2: Service\.ExecStart: "x" has no absolute path/],
    ['a oneshot task', '[Service]\nType=oneshot\nExecStart=/bin/x\n', /web\.service:2: Service\.Type: oneshot/],
    ['a forking program without PIDFile', '[Service]\nType=forking\nExecStart=/bin/x\n', /web\.service:2: Service\.Type: forking without PIDFile=/],
  ])('%s', (_, text, message) => {
    expect(refusal(() => imported(text))).toMatch(message);
  });
});
