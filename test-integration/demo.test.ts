import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const demo = fileURLToPath(new URL('../scripts/demo.mjs', import.meta.url));

// The README's first command runs this script; --once makes it stop by itself after showing
// balancing and a failover, so the suite keeps the quick start true.
describe('the quick-start demo', () => {
  it('balances across three apps, drops a failing one, and cleans up after itself', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(process.execPath, [demo, '--once'], { timeout: 120_000 }, (error, out, err) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          stdout: out,
          stderr: err,
        }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [balanced = '', afterFailure = ''] = stdout.split('Making app-2 fail');
    for (const app of ['app-1', 'app-2', 'app-3']) expect(balanced).toContain(`Hello from ${app}`);
    expect(afterFailure).toContain('Hello from app-1');
    expect(afterFailure).not.toContain('Hello from app-2');
    expect(stdout).toContain('Demo finished (--once).');
  }, 150_000);
});
