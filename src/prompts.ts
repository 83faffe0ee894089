/**
 * The only module that imports the prompt library (Inquirer), so a change of
 * library stays here and nothing else loads it: the wizard reaches this
 * module through `await import()`, the generate path never does.
 *
 * The four prompt packages are imported one by one: the @inquirer/prompts
 * barrel also brings the editor prompt, whose encoding tables (iconv-lite,
 * chardet) would add about 400 kB to the bundle for a prompt never shown.
 */
import checkbox from '@inquirer/checkbox';
import confirm from '@inquirer/confirm';
import input from '@inquirer/input';
import select from '@inquirer/select';

export type Validate = (text: string) => true | string;

export interface TextOptions {
  message: string;
  default?: string;
  validate?: Validate;
  /** How the accepted answer is shown once done (a resolved path, words as parsed). */
  shown?: (text: string) => string;
}

export function askText(options: TextOptions): Promise<string> {
  const { shown } = options;
  return input({
    message: options.message,
    default: options.default,
    validate: options.validate,
    ...(shown ? { transformer: (text: string, { isFinal }: { isFinal: boolean }) => (isFinal ? shown(text) : text) } : {}),
  });
}

export function askConfirm(options: { message: string; default?: boolean }): Promise<boolean> {
  return confirm({ message: options.message, default: options.default });
}

export interface Option<T> {
  value: T;
  name: string;
  description?: string;
}

export function askSelect<T>(options: { message: string; choices: readonly Option<T>[]; default?: T }): Promise<T> {
  // select() looks for `default` by key, so an absent default must not be passed as undefined.
  const preselect = options.default === undefined ? {} : { default: options.default };
  return select<T>({ message: options.message, choices: options.choices, pageSize: 12, loop: false, ...preselect });
}

export function askCheckbox<T>(options: { message: string; choices: readonly (Option<T> & { checked?: boolean })[] }): Promise<T[]> {
  return checkbox<T>({ message: options.message, choices: options.choices, required: true });
}

/** Ctrl+C (or the terminal going away) while a question was open. */
export function isCancel(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}
