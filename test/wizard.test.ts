// Prompt-flow tests: the real questions, answered through @inquirer/testing's
// screen (it replaces the prompts' terminal with an in-memory one).
import { screen } from '@inquirer/testing/vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UserError } from '../src/errors.js';
import { generate, normalize, SpecError } from '../src/index.js';
import { runInterview, type InterviewOptions } from '../src/wizard/interview.js';
import type { Machine } from '../src/wizard/machine.js';
import { fixtureSpec } from './support/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'init-service-wizard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** A machine with sbcl on PATH, the account "andrey" and nothing else. */
function fakeMachine(cwd: string): Machine {
  return {
    which: (name) => ({ sbcl: '/usr/bin/sbcl', sh: '/bin/sh' })[name],
    exists: (path) => ['/usr/bin/sbcl', '/bin/sh', '/var/cache/homesite'].includes(path),
    userExists: (name) => name === 'andrey',
    groupExists: () => false,
    platform: 'linux',
    cwd,
  };
}

function session(options: InterviewOptions = {}) {
  const cwd = join(root, `run-${++counter}`);
  mkdirSync(cwd);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { stdout: (t: string) => void stdout.push(t), stderr: (t: string) => void stderr.push(t), cwd, interactive: true };
  const status = runInterview(options, io, fakeMachine(cwd));
  // Settled or not, never left rejected without a handler while the test still answers questions.
  status.catch(() => undefined);
  return { cwd, status, out: () => stdout.join(''), err: () => stderr.join('') };
}

/** Checks the open question (and the default it offers), then answers it: `text` typed (if any), then Enter. */
async function answer(question: string, text?: string, offers?: string) {
  reply(question, text, offers);
  await screen.next();
}

/** The same for the last question: nothing follows it to wait for. */
function reply(question: string, text?: string, offers?: string) {
  expect(screen.getScreen()).toContain(question);
  if (offers !== undefined) expect(screen.getScreen()).toContain(`(${offers})`);
  if (text !== undefined) screen.type(text);
  screen.keypress('enter');
}

async function choose(question: string, downs: number) {
  expect(screen.getScreen()).toContain(question);
  for (let i = 0; i < downs; i++) screen.keypress('down');
  screen.keypress('enter');
  await screen.next();
}

/** Enter on every question until `last` is asked (edit flow: every current value kept). */
async function acceptUntil(last: string, limit = 60) {
  for (let i = 0; i < limit && !screen.getScreen().includes(last); i++) {
    screen.keypress('enter');
    await screen.next();
  }
  expect(screen.getScreen()).toContain(last);
}

const problemOf = (spec: unknown) => {
  try {
    normalize(spec);
  } catch (error) {
    return (error as SpecError).problems[0]!.message;
  }
  throw new Error('expected a problem');
};

describe('the wizard (prompt flow)', () => {
  test('happy path: every question answered, files and the description written, next steps printed', async () => {
    const s = session();
    expect(screen.getScreen()).toMatch(/Generate files for[\s\S]*OpenRC[\s\S]*FreeBSD[\s\S]*systemd/);
    await answer('Generate files for');
    await answer('Program to run', 'sbcl');
    await answer('Service name', 'homesite', 'sbcl');
    await answer('Main configuration file', '/etc/restas/homesite.lisp');
    await answer('Arguments', `--noinform --load "/usr/share/restas/restas daemon.lisp" {config} nodaemon`);
    await answer('One-line description', 'RESTAS site');
    await answer('Run as user', 'www', 'homesite');
    expect(s.out()).toContain('useradd --system --user-group --no-create-home --shell /usr/sbin/nologin www');
    await answer('Working directory', '/var/lib/homesite');
    expect(s.out()).toContain('install -d -o www /var/lib/homesite');
    await answer('Directories it writes', 'state=homesite logs=homesite');
    await answer('Does the program fork');
    await choose('When is it ready?', 1); // started -> notify
    await choose('Restart the program', 1); // on-failure (the default) -> always
    await choose('Signal that makes it reload', 1); // none -> SIGHUP
    await answer('Environment variables', `LC_ALL=ru_RU.UTF-8 GREETING='hello world'`);
    await answer('Needs these up first', 'network');
    await answer('Starts after these', 'syslog, time');
    await answer('Advanced settings?', 'y');
    await answer('Group', 'www');
    expect(s.out()).toContain('groupadd --system www');
    await answer('Family:', 'restas');
    await answer('Account the program switches to', '');
    await answer('Mode of those directories', '0700', '0750');
    await answer("launcher's extra commands", 'kill zap');
    await answer('Interpreter of a script command', '');
    await answer('File of NAME=value lines', '/etc/default/homesite');
    await answer('checks the configuration', '/usr/bin/sbcl --check');
    await answer('standard output', '/var/log/homesite/out.log');
    await answer('standard error', '/var/log/homesite/err.log');
    await choose('Signal that stops it', 0); // TERM is preselected
    await answer('Seconds to wait', '45');
    await answer('File mode creation mask', '0027');
    await answer('Nice level', '5');
    await answer('open files', '4096');
    await answer('processes', 'unlimited');
    await answer('core file size', '0');
    await choose('systemd sandboxing', 1); // strict, default, off: default is preselected -> off
    await choose('MemoryDenyWriteExecute', 0); // automatic
    await answer('bind ports below 1024', 'y');
    await answer('FreeBSD: the program as the port installs it', '/usr/local/bin/sbcl');
    await answer('FreeBSD: arguments instead', '');
    await answer('FreeBSD: configuration file', '');
    await answer('FreeBSD: pidfile', '');
    await choose('FreeBSD pkg-plist style', 1); // modern -> legacy
    await answer('Write the files to', undefined, 'homesite-init');
    expect(s.out()).toMatch(/Files in homesite-init\/:\n(  new .*\n)*  new {7}homesite\.service\.json\n/);
    expect(s.out()).toContain('openrc/init.d/restas.homesite -> restas');
    const asked = /Write (\d+) files to homesite-init\/\?/.exec(screen.getScreen());
    reply('files to homesite-init/?');
    expect(await s.status).toBe(0);

    const out = join(s.cwd, 'homesite-init');
    const saved = JSON.parse(readFileSync(join(out, 'homesite.service.json'), 'utf8')) as Record<string, unknown>;
    // Every generated file and the saved description.
    expect(Number(asked?.[1])).toBe(generate(saved).files.length + 1);
    expect(saved).toEqual({
      name: 'homesite',
      family: 'restas',
      description: 'RESTAS site',
      command: '/usr/bin/sbcl',
      configFile: '/etc/restas/homesite.lisp',
      args: ['--noinform', '--load', '/usr/share/restas/restas daemon.lisp', '{config}', 'nodaemon'],
      user: 'www',
      group: 'www',
      workingDirectory: '/var/lib/homesite',
      directories: { state: ['homesite'], logs: ['homesite'] },
      directoriesMode: '0700',
      ready: 'notify',
      commands: ['kill', 'zap'],
      environment: { LC_ALL: 'ru_RU.UTF-8', GREETING: 'hello world' },
      environmentFile: '/etc/default/homesite',
      restart: 'always',
      reloadSignal: 'HUP',
      stopTimeout: 45,
      umask: '0027',
      nice: 5,
      limits: { nofile: 4096, nproc: 'unlimited', core: 0 },
      requires: ['network'],
      after: ['syslog', 'time'],
      stdoutLog: '/var/log/homesite/out.log',
      stderrLog: '/var/log/homesite/err.log',
      configCheck: ['/usr/bin/sbcl', '--check'],
      freebsd: { plist: 'legacy', command: '/usr/local/bin/sbcl' },
      systemd: { hardening: 'off', bindPrivilegedPorts: true },
    });
    // The saved description regenerates exactly what was written.
    for (const file of generate(saved).files) {
      if (file.linkTarget !== undefined) expect(readlinkSync(join(out, file.path))).toBe(file.linkTarget);
      else expect(readFileSync(join(out, file.path), 'utf8'), file.path).toBe(file.content);
    }
    expect(lstatSync(join(out, 'openrc/init.d/restas.homesite')).isSymbolicLink()).toBe(true);
    expect(s.out()).toContain('init-service generate --spec homesite-init/homesite.service.json --out homesite-init');
    expect(s.out()).toContain('rc-update add restas.homesite default');
    expect(s.out()).toContain('sysrc restas_enable=YES restas_profiles+=homesite && service restas start homesite');
    expect(s.out()).toContain('systemctl daemon-reload && systemctl enable --now restas@homesite.service');
    expect(s.out()).toContain('create the account first: useradd --system --gid www');
  });

  test('answers are checked by the same code as a spec file, the reason shown inline, and can be corrected', async () => {
    const s = session();
    await answer('Generate files for');
    await answer('Program to run', 'nosuchprogram');
    expect(screen.getScreen()).toContain('"nosuchprogram" is not on PATH; give the program\'s absolute path');
    screen.keypress({ name: 'u', ctrl: true });
    // A path a target cannot carry: the target's own refusal, with the target named.
    await answer('Program to run', '/opt/my app/bin/site');
    expect(screen.getScreen()).toMatch(/\(openrc\) "\/opt\/my app\/bin\/site" cannot be carried/);
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Program to run', '/bin/sh');
    await answer('Service name', 'Home Site', 'sh');
    // Exactly the message a spec file with this value gets.
    expect(screen.getScreen()).toContain(problemOf({ name: 'Home Site', command: '/bin/sh' }));
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Service name', 'homesite');
    await answer('Main configuration file');
    await answer('Arguments', `--load "unclosed`);
    expect(screen.getScreen()).toContain('a " quote is not closed');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Arguments', 'ok');
    await answer('One-line description');
    await answer('Run as user', 'root');
    await answer('Working directory', 'relative/dir');
    expect(screen.getScreen()).toContain(problemOf({ name: 'x', command: '/bin/sh', workingDirectory: 'relative/dir' }));
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Working directory');
    await answer('Directories it writes', 'state');
    expect(screen.getScreen()).toContain('"state" has no "="; write each directory as KIND=name');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Directories it writes', 'data=x');
    expect(screen.getScreen()).toContain(problemOf({ name: 'x', command: '/bin/sh', directories: { data: ['x'] } }));
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Directories it writes');
    await answer('Does the program fork', 'y');
    await answer('Pidfile the program writes');
    // Cross-field rule from normalize(): a forking program needs its pidfile.
    expect(screen.getScreen()).toContain('is required when daemonizes is true');
    await answer('Pidfile the program writes', '/run/homesite.pid');
    await answer('Restart the program');
    await answer('Signal that makes it reload');
    await answer('Environment variables', 'NOEQUALS');
    expect(screen.getScreen()).toContain('"NOEQUALS" has no "="; write each variable as NAME=value');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Environment variables', '1BAD=x');
    expect(screen.getScreen()).toContain(problemOf({ name: 'x', command: '/bin/sh', environment: { '1BAD': 'x' } }));
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Environment variables');
    await answer('Needs these up first', 'net work');
    await answer('Starts after these');
    await answer('Advanced settings?', 'y');
    await answer('Group');
    await answer('Family:');
    await answer('Account the program switches to');
    await answer("launcher's extra commands");
    await answer('Interpreter of a script command');
    await answer('File of NAME=value lines');
    await answer('checks the configuration', 'check-it');
    expect(screen.getScreen()).toContain('must be an absolute path to the checking program');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('checks the configuration');
    await answer('standard output');
    await answer('standard error');
    await answer('Signal that stops it');
    await answer('Seconds to wait', 'soon', '30');
    expect(screen.getScreen()).toContain(problemOf({ name: 'x', command: '/bin/sh', stopTimeout: 'soon' }));
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Seconds to wait', '0');
    expect(screen.getScreen()).toContain('0 is out of range; expected a whole number of seconds from 1 to 86400');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Seconds to wait');
    await answer('File mode creation mask', '999');
    expect(screen.getScreen()).toContain('expected three or four octal digits');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('File mode creation mask');
    await answer('Nice level', '20');
    expect(screen.getScreen()).toContain('20 is out of range; expected a whole number from -20 to 19');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Nice level');
    await answer('open files', 'lots');
    expect(screen.getScreen()).toContain('expected a whole number from 0 or "unlimited"');
    screen.keypress({ name: 'u', ctrl: true });
    await answer('open files');
    await answer('processes');
    await answer('core file size');
    await answer('systemd sandboxing');
    await answer('MemoryDenyWriteExecute');
    await answer('bind ports below 1024');
    await answer('FreeBSD: the program as the port installs it');
    await answer('FreeBSD: arguments instead');
    await answer('FreeBSD: configuration file');
    await answer('FreeBSD: pidfile');
    await answer('FreeBSD pkg-plist style');
    await answer('Write the files to');
    reply('Write 7 files');
    expect(await s.status).toBe(0);
    const saved = JSON.parse(readFileSync(join(s.cwd, 'homesite-init/homesite.service.json'), 'utf8')) as unknown;
    expect(saved).toEqual({
      name: 'homesite',
      command: '/bin/sh',
      args: ['ok'],
      user: 'root',
      daemonizes: true,
      pidfile: '/run/homesite.pid',
      requires: ['net', 'work'],
    });
  });

  test('edit flow: --spec pre-fills every question; keeping every value saves the same description', async () => {
    const spec = fixtureSpec('homesite');
    const s = session({ initial: spec, source: 'homesite.json' });
    expect(s.out()).toContain('Editing homesite.json');
    await answer('Generate files for');
    await answer('Program to run', undefined, '/usr/bin/sbcl');
    await answer('Service name', undefined, 'homesite');
    await answer('Main configuration file', undefined, '/etc/restas/{instance}.lisp');
    expect(screen.getScreen()).toContain(
      "--noinform --no-userinit --no-sysinit --load /usr/share/common-lisp/source/restas/contrib/restas-daemon.lisp '{config}' nodaemon",
    );
    await answer('Arguments');
    await answer('One-line description', undefined, 'RESTAS web site {instance} (restas-daemon.lisp, in the foreground)');
    await answer('Run as user', undefined, 'root');
    await answer('Working directory', undefined, '{cache}');
    await answer('Directories it writes', undefined, "cache='restas/{instance}'");
    await acceptUntil('Environment variables');
    expect(screen.getScreen()).toContain('(LC_ALL=ru_RU.UTF-8)');
    await acceptUntil('Advanced settings?');
    expect(screen.getScreen()).toContain('(Y/n)'); // the file sets advanced fields
    await acceptUntil('Write the files to');
    await answer('Write the files to', undefined, 'homesite-init');
    reply(`Write ${generate(spec).files.length + 1} files`);
    expect(await s.status).toBe(0);
    const saved = readFileSync(join(s.cwd, 'homesite-init/homesite.service.json'), 'utf8');
    expect(JSON.parse(saved)).toEqual(spec);
    const written = readFileSync(join(s.cwd, 'homesite-init/systemd/restas@.service'), 'utf8');
    expect(written).toBe(generate(spec).files.find((f) => f.path === 'systemd/restas@.service')!.content);
  });

  test('edit flow: an invalid value in the file is flagged at its question; changed answers are saved', async () => {
    const s = session({ initial: { name: 'Web Site', command: '/bin/sh', restart: 'sometimes' }, source: 'web.json' });
    await answer('Generate files for');
    await answer('Program to run', undefined, '/bin/sh');
    await answer('Service name', undefined, 'Web Site');
    expect(screen.getScreen()).toContain(problemOf({ name: 'Web Site', command: '/bin/sh' }));
    screen.keypress({ name: 'u', ctrl: true });
    await answer('Service name', 'web');
    await acceptUntil('Run as user');
    // Backspace on the empty line drops the offered value: the field is left unset.
    expect(screen.getScreen()).toContain('(web)');
    screen.keypress('backspace');
    await answer('Run as user');
    await acceptUntil('Restart the program');
    // Not a choice: said with the schema's reason, and the schema's default is preselected.
    expect(s.out()).toContain(`restart: ${problemOf({ name: 'web', command: '/bin/sh', restart: 'sometimes' })}; choose again`);
    expect(screen.getScreen()).toContain('❯ on-failure');
    await choose('Restart the program', 1); // -> always
    await acceptUntil('Advanced settings?');
    await answer('Advanced settings? (group', 'n');
    await answer('Write the files to', 'out', 'web-init');
    reply('Write 7 files to out/?');
    expect(await s.status).toBe(0);
    expect(JSON.parse(readFileSync(join(s.cwd, 'out/web.service.json'), 'utf8'))).toEqual({
      name: 'web',
      command: '/bin/sh',
      restart: 'always',
    });
  });

  test('a value nobody was asked about (advanced settings skipped) is asked again when the whole check refuses it', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root', nice: 99 }, source: 'web.json' });
    await acceptUntil('Advanced settings?');
    expect(screen.getScreen()).toContain('(Y/n)'); // the file sets an advanced field
    await answer('Advanced settings?', 'n');
    expect(s.out()).toContain(`please answer again:\n  nice: ${problemOf({ name: 'web', command: '/bin/sh', nice: 99 })}`);
    await answer('Nice level', '5', '99');
    await answer('Write the files to');
    reply('Write 7 files');
    expect(await s.status).toBe(0);
    expect(JSON.parse(readFileSync(join(s.cwd, 'web-init/web.service.json'), 'utf8'))).toEqual({ name: 'web', command: '/bin/sh', user: 'root', nice: 5 });
  });

  test('edit flow: a field the wizard cannot ask about is refused before any question', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', colour: 'blue' }, source: 'web.json' });
    await expect(s.status).rejects.toThrow(SpecError);
    await expect(s.status).rejects.toThrow(/web\.json: colour: unknown field/);
    const list = session({ initial: ['web'], source: 'list.json' });
    await expect(list.status).rejects.toThrow(/list\.json: \(top level\): must be an object/);
  });

  test('Ctrl+C at the first question: exit 130, one line, nothing written', async () => {
    const s = session();
    screen.keypress({ name: 'c', ctrl: true });
    expect(await s.status).toBe(130);
    expect(s.err()).toBe('\nCancelled, nothing written.\n');
    expect(existsSync(join(s.cwd, 'homesite-init'))).toBe(false);
  });

  test('Ctrl+C at the final confirmation: exit 130, nothing written', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    expect(screen.getScreen()).toContain('Write 7 files to web-init/?');
    screen.keypress({ name: 'c', ctrl: true });
    expect(await s.status).toBe(130);
    expect(existsSync(join(s.cwd, 'web-init'))).toBe(false);
  });

  test('declining the confirmation writes nothing (exit 1)', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    reply('Write 7 files to web-init/?', 'n');
    expect(await s.status).toBe(1);
    expect(s.err()).toContain('Nothing written.');
    expect(existsSync(join(s.cwd, 'web-init'))).toBe(false);
  });

  test('a changed file is not overwritten unless the user says so', async () => {
    const keep = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    const unit = join(keep.cwd, 'web-init/systemd/web.service');
    mkdirSync(join(keep.cwd, 'web-init/systemd'), { recursive: true });
    writeFileSync(unit, 'local edit\n');
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    expect(keep.out()).toMatch(/changed +systemd\/web\.service/);
    await answer('One file differs from what would be generated'); // default: No
    expect(screen.getScreen()).toContain('Leave web-init/ as it is, and');
    screen.keypress('down');
    screen.keypress('down');
    screen.keypress('enter'); // another directory, the answers only, quit
    await expect(keep.status).rejects.toThrow(UserError);
    await expect(keep.status).rejects.toThrow(/nothing was written:\n {2}systemd\/web\.service\nRun again and answer yes/);
    expect(readFileSync(unit, 'utf8')).toBe('local edit\n');
    expect(existsSync(join(keep.cwd, 'web-init/web.service.json'))).toBe(false);

    const overwrite = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    mkdirSync(join(overwrite.cwd, 'web-init/systemd'), { recursive: true });
    writeFileSync(join(overwrite.cwd, 'web-init/systemd/web.service'), 'local edit\n');
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    await answer('One file differs', 'y');
    reply('Write 7 files');
    expect(await overwrite.status).toBe(0);
    expect(readFileSync(join(overwrite.cwd, 'web-init/systemd/web.service'), 'utf8')).toMatch(/^\[Service\]/m);
  });

  test('a directory where a file goes is refused before any question, and nothing is written', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    mkdirSync(join(s.cwd, 'web-init/systemd/web.service'), { recursive: true });
    await acceptUntil('Write the files to');
    reply('Write the files to');
    await expect(s.status).rejects.toThrow(UserError);
    await expect(s.status).rejects.toThrow(/cannot write, even with --force; nothing was written:\n {2}\S*web-init\/systemd\/web\.service is a directory/);
    expect(s.out()).toMatch(/blocked +systemd\/web\.service/);
    expect(screen.getScreen()).not.toContain('Overwrite?');
    expect(existsSync(join(s.cwd, 'web-init/web.service.json'))).toBe(false);
  });

  test('only the chosen targets are generated, checked and asked about', async () => {
    const s = session();
    // Deselect OpenRC and FreeBSD (the Gentoo overlay, second, is not ticked by default):
    // the space key toggles the highlighted target.
    screen.keypress('space');
    screen.keypress('down');
    screen.keypress('down');
    screen.keypress('space');
    await answer('Generate files for');
    // systemd alone can quote a path with a space.
    await answer('Program to run', '/opt/my app/bin/site');
    await answer('Service name', 'site');
    await acceptUntil('Advanced settings?');
    await answer('Advanced settings?', 'y');
    await acceptUntil('Write the files to');
    const asked = await screen.getFullOutput();
    expect(asked).not.toContain('OpenRC family');
    expect(asked).not.toContain('✔ FreeBSD pkg-plist style');
    expect(asked).toContain('✔ systemd sandboxing');
    await answer('Write the files to');
    reply('Write 2 files');
    expect(await s.status).toBe(0);
    expect(s.out()).toContain('--target systemd');
    expect(s.out()).not.toContain('rc-update');
    expect(existsSync(join(s.cwd, 'site-init/systemd/site.service'))).toBe(true);
    expect(existsSync(join(s.cwd, 'site-init/openrc'))).toBe(false);
  });
});
