import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What `haproxy -c` said about a config text. */
export interface HAProxyCheck {
  /** Exit status 0: the configuration is valid (warnings allowed). */
  valid: boolean;
  /** stdout and stderr, for assertion messages. */
  output: string;
}

const MISSING = 'haproxy not found: apt-get install haproxy';

/**
 * Runs the real `haproxy -c -f` on `text`, written to a fresh temp directory that is also the
 * working directory (so relative paths cannot touch the repository). Throws one clear line when
 * HAProxy is not installed: these tests prove validity, they cannot be skipped silently.
 */
export function checkWithHAProxy(text: string, args: readonly string[] = []): HAProxyCheck {
  const dir = mkdtempSync(join(tmpdir(), 'lighthouse-haproxy-'));
  try {
    writeFileSync(join(dir, 'haproxy.cfg'), text);
    const run = spawnSync('haproxy', ['-c', ...args, '-f', 'haproxy.cfg'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      throw new Error(MISSING);
    if (run.error !== undefined) throw run.error;
    return { valid: run.status === 0, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
