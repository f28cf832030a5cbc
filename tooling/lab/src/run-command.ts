import { execFile } from 'node:child_process';

/** Output of a finished command. */
export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a program (no shell) and resolves with its output; rejects with the
 * command line, exit code and stderr so a failing lab step says what failed.
 */
export function run(
  file: string,
  args: readonly string[],
  options: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `[warp] [lab] \`${file} ${args.join(' ')}\` failed (${error.code ?? error.signal ?? error.message}): ${stderr.trim() || stdout.trim()}`,
            ),
          );
        else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs a program inside network namespace `ns`. */
export function runIn(
  ns: string,
  file: string,
  args: readonly string[],
  options: { input?: string | Buffer; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return run('ip', ['netns', 'exec', ns, file, ...args], options);
}
