import { execFile } from 'node:child_process';
import { cleanExec, ErrorCode, LighthouseError, NOT_EXECUTED } from '@lighthouse/core';
import { HAPROXY_MISSING } from './version.js';

/** `haproxy -c`: the gate every candidate config passes before it is installed. */

/** What `haproxy -c` said. */
export interface ConfigCheck {
  valid: boolean;
  /** stdout and stderr: the reasons for a refusal (empty when valid). */
  output: string;
}

function run(binary: string, args: readonly string[]): Promise<ConfigCheck> {
  const command = cleanExec(binary, args);
  return new Promise((resolve, reject) => {
    execFile(
      command.file,
      command.args,
      { timeout: 60_000, maxBuffer: 4 * 1024 * 1024, env: command.env },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error === null) resolve({ valid: true, output });
        else if (typeof error.code === 'number' && NOT_EXECUTED.has(error.code)) {
          // The wrapper could not run HAProxy at all: not a verdict on the config.
          reject(new LighthouseError(ErrorCode.Unavailable, `${HAPROXY_MISSING} (${output})`));
        } else if (typeof error.code === 'number') resolve({ valid: false, output });
        else reject(error);
      },
    );
  });
}

/**
 * Runs `<binary> -c -q -f <file>` (it parses and validates, it binds nothing). `-q` also hides
 * the alerts of a refusal, so a refused file is checked once more without it, for the reasons.
 */
export async function checkConfig(binary: string, file: string): Promise<ConfigCheck> {
  const quiet = await run(binary, ['-c', '-q', '-f', file]);
  if (quiet.valid) return quiet;
  const verbose = await run(binary, ['-c', '-f', file]);
  return { valid: false, output: verbose.output || quiet.output };
}
