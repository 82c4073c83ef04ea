import { execFile } from 'node:child_process';

/** `haproxy -c`: the gate every candidate config passes before it is installed. */

/** What `haproxy -c -q -f <file>` said. */
export interface ConfigCheck {
  valid: boolean;
  /** stdout and stderr: the reasons for a refusal, warnings otherwise. */
  output: string;
}

/** Runs `<binary> -c -q -f <file>` (it parses and validates, it binds nothing). */
export function checkConfig(binary: string, file: string): Promise<ConfigCheck> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ['-c', '-q', '-f', file],
      { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error === null) resolve({ valid: true, output });
        else if (typeof error.code === 'number') resolve({ valid: false, output });
        else reject(error);
      },
    );
  });
}
