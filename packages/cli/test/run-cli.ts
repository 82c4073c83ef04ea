import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

type BinName = 'lighthouse' | 'lighthouse-writer' | 'lighthouse-reporter';

/**
 * The bins tests run: by default @lighthouse/all's, which add every first-party plugin (the CLI
 * alone depends on core only); `bare: true` runs @lighthouse/cli's own.
 */
export function binPath(bin: BinName, bare: boolean): string {
  const dir = bare ? '../bin/' : '../../all/bin/';
  return fileURLToPath(new URL(`${dir}${bin}.js`, import.meta.url));
}

/** Runs a bin of the built CLI as a real process (the way users and our black-box tests do). */
export function runCli(
  args: readonly string[],
  options: { bin?: BinName; bare?: boolean; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [binPath(options.bin ?? 'lighthouse', options.bare === true), ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, NO_COLOR: '1', DEBUG: '', ...options.env },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
