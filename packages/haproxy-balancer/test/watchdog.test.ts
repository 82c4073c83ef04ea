import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempDir } from '@lighthouse/testing';
import { probeHAProxy, Watchdog } from '../src/process/watchdog.js';
import type { RestartRequest, Verdict } from '../src/process/watchdog.js';
import { recordingLogger } from '@lighthouse/testing';

/** The watchdog's decisions, with a fake probe, a fake clock and a fixed back-off. */

const alive: Verdict = { state: 'alive', pid: 10 };
const dead: Verdict = { state: 'dead', reason: 'PID 10 is gone' };
const wedged: Verdict = { state: 'unresponsive', pid: 10, reason: 'no answer' };

function setup(options: { restartFails?: boolean; busy?: () => boolean } = {}) {
  let now = 0;
  let verdict: Verdict = alive;
  const restarts: RestartRequest[] = [];
  const delays = [1_000, 2_000, 4_000];
  let resets = 0;
  let step = 0;
  const log = recordingLogger();
  const watchdog = new Watchdog({
    probe: async () => verdict,
    restart: async (request) => {
      restarts.push(request);
      if (options.restartFails === true) throw new Error('port taken');
    },
    log,
    busy: options.busy,
    graceMs: 10_000,
    stableMs: 30_000,
    now: () => now,
    backoff: {
      next: () => delays[Math.min(step++, delays.length - 1)] ?? 0,
      reset: () => {
        step = 0;
        resets++;
      },
    },
  });
  return {
    watchdog,
    restarts,
    log,
    resets: () => resets,
    set: (v: Verdict) => (verdict = v),
    at: async (ms: number) => {
      now = ms;
      await watchdog.check();
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Watchdog', () => {
  it('does nothing while HAProxy is alive', async () => {
    const t = setup();
    await t.at(0);
    await t.at(500);
    expect(t.restarts).toEqual([]);
    expect(t.log.lines).toEqual([]);
  });

  it('restarts a dead HAProxy at once, logs the attempt (warn) and the recovery (info)', async () => {
    const t = setup();
    t.set(dead);
    await t.at(0);
    expect(t.restarts).toEqual([{ reason: 'PID 10 is gone' }]);
    expect(t.log.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'HAProxy is down; restarting it',
        fields: expect.objectContaining({ reason: 'PID 10 is gone', attempt: 1 }),
      }),
    ]);
    t.set(alive);
    await t.at(600);
    expect(t.log.lines[1]).toEqual(
      expect.objectContaining({
        level: 'info',
        message: 'HAProxy recovered',
        fields: { pid: 10, downMs: 600, attempts: 1 },
      }),
    );
  });

  it('backs off between failing restarts and logs each attempt once with the last error', async () => {
    const t = setup({ restartFails: true });
    t.set(dead);
    await t.at(0); // attempt 1, next not before 1 000
    await t.at(500);
    expect(t.restarts).toHaveLength(1);
    await t.at(1_000); // attempt 2, next not before 3 000
    await t.at(2_500);
    expect(t.restarts).toHaveLength(2);
    await t.at(3_000); // attempt 3, next not before 7 000
    await t.at(6_500);
    expect(t.restarts).toHaveLength(3);
    await t.at(7_000);
    expect(t.restarts).toHaveLength(4);
    const warns = t.log.lines.filter((line) => line.level === 'warn');
    expect(warns.map((line) => line.fields.attempt)).toEqual([1, 2, 3, 4]);
    expect(warns[0]?.fields.previousError).toBeUndefined();
    expect(warns[1]?.fields.previousError).toMatch(/port taken/);
  });

  it('rate-limits an HAProxy that dies again soon after each restart', async () => {
    const t = setup();
    t.set(dead);
    await t.at(0);
    t.set(alive);
    await t.at(500);
    t.set(dead);
    await t.at(700); // within the 1 s back-off: waits
    expect(t.restarts).toHaveLength(1);
    await t.at(1_000);
    expect(t.restarts).toHaveLength(2);
  });

  it('resets the back-off once HAProxy stayed up long enough', async () => {
    const t = setup();
    t.set(dead);
    await t.at(0);
    t.set(alive);
    await t.at(500);
    expect(t.resets()).toBe(0);
    await t.at(30_000);
    expect(t.resets()).toBe(1);
    t.set(dead);
    await t.at(30_100);
    expect(t.restarts).toHaveLength(2);
    expect(t.log.lines.filter((line) => line.level === 'warn').at(-1)?.fields.attempt).toBe(1);
  });

  it('gives an unresponsive master a grace period, then asks to replace it', async () => {
    const t = setup();
    t.set(wedged);
    await t.at(0);
    await t.at(9_999);
    expect(t.restarts).toEqual([]);
    await t.at(10_000);
    expect(t.restarts).toEqual([{ reason: 'no answer, for 10 s', replacePid: 10 }]);
    expect(t.log.lines[0]?.message).toBe('HAProxy master is unresponsive; replacing it');
  });

  it('restarts the grace period when the master answers in between', async () => {
    const t = setup();
    t.set(wedged);
    await t.at(0);
    t.set(alive);
    await t.at(5_000);
    t.set(wedged);
    await t.at(6_000);
    await t.at(15_000);
    expect(t.restarts).toEqual([]);
    await t.at(16_000);
    expect(t.restarts).toHaveLength(1);
    expect(t.log.lines.some((line) => line.message === 'HAProxy recovered')).toBe(false);
  });

  it('does not check while the balancer is busy (a reload in progress)', async () => {
    let busy = true;
    const t = setup({ busy: () => busy });
    t.set(wedged);
    await t.at(0);
    await t.at(20_000);
    t.set(dead);
    await t.at(20_500);
    expect(t.restarts).toEqual([]);
    busy = false;
    t.set(wedged);
    await t.at(21_000);
    expect(t.restarts).toEqual([]); // the grace period starts now, not at 0
    t.set(dead);
    await t.at(21_500);
    expect(t.restarts).toHaveLength(1);
  });

  it('ignores a probe that throws (no evidence either way)', async () => {
    const log = recordingLogger();
    const restart = vi.fn(async () => undefined);
    const watchdog = new Watchdog({
      probe: () => Promise.reject(new Error('EMFILE')),
      restart,
      log,
    });
    await watchdog.check();
    expect(restart).not.toHaveBeenCalled();
    expect(log.lines.map((line) => line.level)).toEqual(['debug']);
  });

  it('checks every interval on unref-ed timers, and stop() ends it', async () => {
    vi.useFakeTimers();
    const probe = vi.fn(async (): Promise<Verdict> => alive);
    const watchdog = new Watchdog({
      probe,
      restart: async () => undefined,
      log: recordingLogger(),
      intervalMs: 500,
    });
    watchdog.start();
    watchdog.start();
    await vi.advanceTimersByTimeAsync(499);
    expect(probe).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(probe).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(probe).toHaveBeenCalledTimes(3);
    await watchdog.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probe).toHaveBeenCalledTimes(3);
  });

  it('does not restart after stop() even with a check in flight', async () => {
    let release: (v: Verdict) => void = () => undefined;
    const restart = vi.fn(async () => undefined);
    const watchdog = new Watchdog({
      probe: () => new Promise<Verdict>((resolve) => (release = resolve)),
      restart,
      log: recordingLogger(),
    });
    const check = watchdog.check();
    const stopped = watchdog.stop();
    release(dead);
    await check;
    await stopped;
    expect(restart).not.toHaveBeenCalled();
  });
});

const SHOW_PROC = (workers: string) =>
  `#<PID>          <type>          <reloads>       <uptime>        <version>\n` +
  `4242            master          0 [failed: 0]   0d00h00m01s     2.6.12\n# workers\n${workers}` +
  `# programs\n\n`;

/** A fake master CLI on a unix socket: answers `reply`, or never (null). */
async function fakeMaster(path: string, reply: string | null): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    socket.on('data', () => {
      if (reply !== null) socket.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

describe('probeHAProxy', () => {
  it('dead: no PID file and nothing listens on the master socket', async () => {
    const dir = await createTempDir({}, 'lh-watchdog-');
    try {
      const verdict = await probeHAProxy({
        pidFile: join(dir.dir, 'haproxy.pid'),
        configFile: join(dir.dir, 'haproxy.cfg'),
        masterSocket: join(dir.dir, 'master.sock'),
      });
      expect(verdict.state).toBe('dead');
      expect(verdict.state === 'dead' && verdict.reason).toMatch(/no PID in .*does not answer/);
    } finally {
      await dir.cleanup();
    }
  });

  it('alive: the master CLI lists a worker (whatever the PID file says)', async () => {
    const dir = await createTempDir({ 'haproxy.pid': `${process.pid}\n` }, 'lh-watchdog-');
    const server = await fakeMaster(
      join(dir.dir, 'master.sock'),
      SHOW_PROC('4243            worker          0               0d00h00m01s     2.6.12\n'),
    );
    try {
      const verdict = await probeHAProxy({
        pidFile: join(dir.dir, 'haproxy.pid'),
        configFile: join(dir.dir, 'haproxy.cfg'),
        masterSocket: join(dir.dir, 'master.sock'),
      });
      expect(verdict).toEqual({ state: 'alive', pid: 4242 });
    } finally {
      server.close();
      await dir.cleanup();
    }
  });

  it('unresponsive: a master that answers without a worker', async () => {
    const dir = await createTempDir({}, 'lh-watchdog-');
    const server = await fakeMaster(join(dir.dir, 'master.sock'), SHOW_PROC(''));
    try {
      const verdict = await probeHAProxy({
        pidFile: join(dir.dir, 'haproxy.pid'),
        configFile: join(dir.dir, 'haproxy.cfg'),
        masterSocket: join(dir.dir, 'master.sock'),
      });
      expect(verdict).toEqual({
        state: 'unresponsive',
        pid: 4242,
        reason: 'its master CLI lists no worker',
      });
    } finally {
      server.close();
      await dir.cleanup();
    }
  });

  it('dead: a silent master socket and a PID file naming no HAProxy of ours', async () => {
    // process.pid is alive but is node, not an haproxy on this config: a stale PID file.
    const dir = await createTempDir({ 'haproxy.pid': `${process.pid}\n` }, 'lh-watchdog-');
    const server = await fakeMaster(join(dir.dir, 'master.sock'), null);
    try {
      const verdict = await probeHAProxy({
        pidFile: join(dir.dir, 'haproxy.pid'),
        configFile: join(dir.dir, 'haproxy.cfg'),
        masterSocket: join(dir.dir, 'master.sock'),
        timeoutMs: 50,
      });
      expect(verdict.state).toBe('dead');
      expect(verdict.state === 'dead' && verdict.reason).toMatch(
        /is not a running HAProxy of ours and its master CLI does not answer .*50 ms/,
      );
    } finally {
      server.close();
      await dir.cleanup();
    }
  });
});
