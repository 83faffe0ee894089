/** What running one platform tool gave; `missing` when it is not installed. */
export interface ToolRun {
  missing: boolean;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type RunTool = (command: string, args: readonly string[], options?: { cwd?: string; input?: string }) => Promise<ToolRun>;

/** Runs a tool through execa, which is loaded only here (never on the generate path). */
export const runTool: RunTool = async (command, args, options = {}) => {
  const { execa } = await import('execa');
  const result = await execa(command, [...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    reject: false,
    stripFinalNewline: false,
    env: { LC_ALL: 'C' },
    timeout: 120_000,
  });
  const missing = (result as { code?: string }).code === 'ENOENT';
  return {
    missing,
    exitCode: result.exitCode ?? -1,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : result.failed && !missing ? (result.message ?? '') : '',
  };
};
