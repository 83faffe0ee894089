// What a new user trips over in the wizard (issue 17): the prompt flow through
// @inquirer/testing's in-memory screen, on a fake machine.
import { screen } from '@inquirer/testing/vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runInterview, type InterviewOptions } from '../src/wizard/interview.js';
import { resolveCommand, type Machine } from '../src/wizard/machine.js';

const root = mkdtempSync(join(tmpdir(), 'init-service-newcomer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** root's PATH starts with pyenv's shims, as on the machine of issue 17; /usr/bin has python3 too, unless `systemPython` is false. */
function machine(cwd: string, systemPython = true): Machine {
  const files = ['/root/.pyenv/shims/python3', '/bin/sh', ...(systemPython ? ['/usr/bin/python3'] : [])];
  return {
    which: (name) => ({ python3: '/root/.pyenv/shims/python3', sh: '/bin/sh' })[name],
    exists: (path) => files.includes(path),
    userExists: () => true,
    groupExists: () => true,
    platform: 'linux',
    cwd,
  };
}

function session(options: InterviewOptions = {}, systemPython = true) {
  const cwd = join(root, `run-${++counter}`);
  mkdirSync(cwd);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { stdout: (t: string) => void stdout.push(t), stderr: (t: string) => void stderr.push(t), cwd, interactive: true };
  const status = runInterview(options, io, machine(cwd, systemPython));
  status.catch(() => undefined);
  return { cwd, status, out: () => stdout.join(''), err: () => stderr.join('') };
}

async function answer(question: string, text?: string) {
  expect(screen.getScreen()).toContain(question);
  if (text !== undefined) screen.type(text);
  screen.keypress('enter');
  await screen.next();
}

async function acceptUntil(last: string, limit = 60) {
  for (let i = 0; i < limit && !screen.getScreen().includes(last); i++) {
    screen.keypress('enter');
    await screen.next();
  }
  expect(screen.getScreen()).toContain(last);
}

async function cancel(s: ReturnType<typeof session>) {
  screen.keypress({ name: 'c', ctrl: true });
  expect(await s.status).toBe(130);
}

describe('the wizard, as a new user meets it', () => {
  test('the reload signal is never offered as KILL or as the stop signal (point 3)', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    await acceptUntil('Signal that makes it reload');
    const shown = screen.getScreen();
    expect(shown).toContain('SIGHUP');
    expect(shown).toContain('SIGUSR1');
    expect(shown).not.toContain('SIGKILL');
    expect(shown).not.toContain('SIGTERM'); // the stop signal unless set
    await cancel(s);
  });

  test('an edited stop signal takes its turn out of the reload choices (point 3)', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root', stopSignal: 'QUIT' } });
    await acceptUntil('Signal that makes it reload');
    expect(screen.getScreen()).not.toContain('SIGQUIT');
    expect(screen.getScreen()).toContain('SIGTERM');
    await cancel(s);
  });

  test('a relative program path is refused with the message a spec file gets (point 4)', async () => {
    const s = session();
    await answer('Generate files for');
    screen.type('./run.sh');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toContain('Program to run');
    expect(screen.getScreen()).toMatch(/"\.\/run\.sh" is not accepted; expected an absolute path/);
    await cancel(s);
  });

  test('a relative working directory is refused with the same message (point 4)', async () => {
    const s = session({ initial: { name: 'web', command: '/bin/sh', user: 'root' } });
    await acceptUntil('Working directory');
    screen.type('srv/web');
    screen.keypress('enter');
    await screen.next();
    expect(screen.getScreen()).toMatch(/"srv\/web" is not accepted; expected an absolute path/);
    await cancel(s);
  });

  test('a bare name found only in a version manager\'s shims is taken with a loud warning (point 1)', async () => {
    const s = session({}, false);
    await answer('Generate files for');
    await answer('Program to run', 'python3');
    expect(s.out()).toContain("WARNING: command /root/.pyenv/shims/python3 is in a version manager's directory");
    await answer('Service name');
    await answer('Main configuration file', '/root/app.ini');
    expect(s.out()).toContain("WARNING: configFile /root/app.ini is in root's home directory");
    await cancel(s);
  });
});

describe('resolveCommand (point 1)', () => {
  test('a bare name is looked up in the system directories before the user\'s PATH', () => {
    expect(resolveCommand(machine('/tmp'), 'python3')).toBe('/usr/bin/python3');
    expect(resolveCommand(machine('/tmp', false), 'python3')).toBe('/root/.pyenv/shims/python3');
    expect(resolveCommand(machine('/tmp'), 'nothing-like-it')).toBeUndefined();
  });

  test('a path is kept as typed: a relative one is for the description\'s check to refuse, not made absolute', () => {
    expect(resolveCommand(machine('/srv/app'), './run.sh')).toBe('./run.sh');
    expect(resolveCommand(machine('/srv/app'), '/opt/app/run')).toBe('/opt/app/run');
  });
});


describe('declining to overwrite keeps the answers (point 5)', () => {
  const changedTree = (s: ReturnType<typeof session>) => {
    mkdirSync(join(s.cwd, 'web-init/systemd'), { recursive: true });
    writeFileSync(join(s.cwd, 'web-init/systemd/web.service'), 'local edit\n');
  };
  const initial = { name: 'web', command: '/bin/sh', user: 'root' };

  test('the diff is shown before the question', async () => {
    const s = session({ initial });
    changedTree(s);
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    expect(s.out()).toMatch(/diff --git a\/systemd\/web\.service b\/systemd\/web\.service\n[\s\S]*-local edit\n[\s\S]*\+\[Service\]/);
    expect(screen.getScreen()).toContain('One file differs');
    await cancel(s);
  });

  test('no, then another directory: everything is written there, the old tree untouched', async () => {
    const s = session({ initial });
    changedTree(s);
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    await answer('One file differs'); // No
    expect(screen.getScreen()).toContain('Leave web-init/ as it is, and');
    screen.keypress('enter'); // another directory
    await screen.next();
    await answer('Write the files to', 'web-new');
    expect(s.out()).toContain('Files in web-new/:');
    screen.keypress('enter'); // Write N files to web-new/?
    expect(await s.status).toBe(0);
    expect(readFileSync(join(s.cwd, 'web-new/systemd/web.service'), 'utf8')).toMatch(/^\[Service\]/m);
    expect(readFileSync(join(s.cwd, 'web-init/systemd/web.service'), 'utf8')).toBe('local edit\n');
  });

  test('no, then the answers only: the description is saved, nothing else is written (exit 1)', async () => {
    const s = session({ initial });
    changedTree(s);
    await acceptUntil('Write the files to');
    await answer('Write the files to');
    await answer('One file differs'); // No
    screen.keypress('down');
    screen.keypress('enter'); // save only the answers
    expect(await s.status).toBe(1);
    expect(JSON.parse(readFileSync(join(s.cwd, 'web-init/web.service.json'), 'utf8'))).toMatchObject(initial);
    expect(readFileSync(join(s.cwd, 'web-init/systemd/web.service'), 'utf8')).toBe('local edit\n');
    expect(existsSync(join(s.cwd, 'web-init/openrc'))).toBe(false);
    expect(s.out()).toContain('Answers saved to web-init/web.service.json; no other file written.');
    expect(s.out()).toContain('init-service generate --spec web-init/web.service.json --out DIR');
  });
});
