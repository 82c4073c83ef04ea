import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startHAProxy } from '../src/haproxy-server.js';

const BACKEND = 'backend be\n  server s1 127.0.0.1:9 weight 7';

/** True while a process with `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startHAProxy', () => {
  it('runs the config with an admin socket, and stop leaves nothing behind', async () => {
    const haproxy = await startHAProxy(BACKEND);
    try {
      expect(await haproxy.admin('show info')).toContain(`Pid: ${haproxy.pid}\n`);
      expect(await haproxy.stat('be', 's1')).toMatchObject({
        pxname: 'be',
        svname: 's1',
        weight: '7',
      });
      expect(await haproxy.stat('be', 'nope')).toBeUndefined();
      await haproxy.admin('set server be/s1 weight 3');
      expect((await haproxy.stat('be', 's1'))?.['weight']).toBe('3');
    } finally {
      await haproxy.stop();
    }
    expect(alive(haproxy.pid)).toBe(false);
    expect(existsSync(haproxy.dir)).toBe(false);
    await haproxy.stop(); // a second stop is harmless
  });

  it('rejects a config haproxy -c refuses, naming the problem and the line', async () => {
    await expect(startHAProxy(`${BACKEND}\n  balance nonsense`)).rejects.toThrow(
      /haproxy -c rejected the test config.*balance only supports.*\n *11 +balance nonsense/s,
    );
  });
});
