import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { readSpecFile } from '../spec/load.js';
import { realMachine } from '../wizard/machine.js';
import { parseTargets } from './inputs.js';
import { shownPath, type Command, type Io } from './io.js';
import { parseCommandArgs } from './args.js';

export const WIZARD_HELP = `Usage: init-service [wizard] [--spec FILE] [options]   (on a terminal)

  Asks one question per field of the service description, checks each answer
  as a spec file is checked, shows the files, writes them after you confirm,
  saves the answers as <out>/<name>.service.json and prints the next steps.

  --spec FILE        edit this description: every question offers its value
  --yes              ask nothing: take the description (--spec) as it is, or
                     the defaults; needs no terminal
  --out DIR          output directory (default: ./<name>-init)
  --target LIST      preselect targets: openrc,rcd,systemd (default: all three)
  --force            with --yes: overwrite files that differ from the generated ones`;

function parse(args: readonly string[]) {
  return parseCommandArgs('init-service', args, {
    spec: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    out: { type: 'string' },
    target: { type: 'string' },
    force: { type: 'boolean' },
  }, false).values;
}

/**
 * The wizard: `init-service` with no command word. This module stays small;
 * the questions and the prompt library load with `await import()` only when
 * the wizard really runs, so `generate` never pays for them.
 */
export const wizardCommand: Command = {
  name: 'wizard',
  summary: 'answer questions, get the files (what init-service alone runs on a terminal)',
  async run(args: readonly string[], io: Io): Promise<number> {
    const options = parse(args);
    if (!options.yes && !io.interactive) {
      throw new UserError(
        'the wizard needs a terminal; without one, use init-service generate --spec FILE (or add --yes to take every default)',
        2,
      );
    }
    if (options.force && !options.yes) throw new UserError('--force goes with --yes; the wizard asks before overwriting', 2);
    const targets = options.target === undefined ? undefined : parseTargets(options.target);
    const initial = options.spec === undefined ? undefined : await readSpecFile(resolve(io.cwd, options.spec));
    const source = options.spec === undefined ? undefined : shownPath(resolve(io.cwd, options.spec), io.cwd);
    const machine = realMachine(io.cwd);
    if (options.yes) {
      const { runWithoutQuestions } = await import('../wizard/defaults.js');
      return runWithoutQuestions({ initial, source, targets, out: options.out, force: options.force ?? false }, io, machine);
    }
    const { runInterview } = await import('../wizard/interview.js');
    return runInterview({ initial, source, targets, out: options.out }, io, machine);
  },
};
