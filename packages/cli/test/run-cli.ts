import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What one CLI run produced. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const bins = {
  lighthouse: fileURLToPath(new URL('../bin/lighthouse.js', import.meta.url)),
  'lighthouse-writer': fileURLToPath(new URL('../bin/lighthouse-writer.js', import.meta.url)),
  'lighthouse-reporter': fileURLToPath(new URL('../bin/lighthouse-reporter.js', import.meta.url)),
};

/** Runs a bin of the built CLI as a real process (the way users and our black-box tests do). */
export function runCli(
  args: readonly string[],
  options: { bin?: keyof typeof bins; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bins[options.bin ?? 'lighthouse'], ...args],
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
