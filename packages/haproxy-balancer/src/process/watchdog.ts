import { Backoff, describeError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { RuntimeConnectionError } from '../runtime/errors.js';
import { MasterCli } from '../runtime/master-cli.js';
import { isOurHAProxy, readPidFile } from './pid.js';

/**
 * The HAProxy watchdog: notices that HAProxy died (SIGKILL of master and workers, OOM killer) and
 * asks the balancer to start it again from its last applied config, instead of waiting for the
 * next sync (up to the writer's 60 s safety net, every request failing meanwhile). HAProxy runs
 * as a daemon (`-W -D`), so it is not our child: there is no exit event to wait for, it is polled.
 *
 * What counts as alive, per check:
 * - the master CLI answers `show proc` within {@link PROBE_TIMEOUT_MS} with at least one worker:
 *   alive, whatever the PID file says (it may have been deleted);
 * - the PID file names a live HAProxy of ours (`kill(pid, 0)` and /proc's command line) and no
 *   master CLI listens at all (socket missing or refused): an HAProxy not started in
 *   master-worker mode (lighthouse 1.0's, before its takeover): alive, watched by PID only;
 * - the PID lives but its master CLI does not answer (timeout, no worker listed): *unresponsive*.
 *   A reload in progress, a busy machine, a SIGSTOPped or wedged master. Its workers usually
 *   still serve, so it counts as dead only after {@link WEDGED_GRACE_MS} of unresponsiveness in a
 *   row; it is then replaced (takeover: `-x` + `-sf`), not started next to itself;
 * - no live PID and no CLI answer: dead, restarted at once.
 *
 * A restart that fails, or an HAProxy that dies again soon after one, is retried with capped
 * exponential back-off ({@link RESTART_BACKOFF_MS}); the back-off is reset once HAProxy stayed up
 * {@link STABLE_MS}. Checks never overlap (each is scheduled when the previous one ended) and are
 * skipped while the balancer is busy (a sync or a reload: the master re-executes and is briefly
 * silent then). Restarts go through the balancer's serial queue, which checks again before
 * starting anything.
 */

/** How often HAProxy is checked: a death is noticed within this (plus one probe) — < 1 s. */
export const CHECK_INTERVAL_MS = 500;
/** How long the master CLI may take to answer `show proc` (healthy: ~1 ms). */
export const PROBE_TIMEOUT_MS = 300;
/**
 * How long a master whose process lives but whose CLI does not answer is given before it counts
 * as dead: long enough for any reload (1.5 s at 100 k servers) and a loaded machine, short
 * enough that a wedged master does not stay in charge for long. Its workers usually still serve.
 */
export const WEDGED_GRACE_MS = 10_000;
/** Restart back-off: first retry after ~1 s, doubling, capped at 30 s (±20 % jitter). */
export const RESTART_BACKOFF_MS = { initialMs: 1_000, maxMs: 30_000 } as const;
/** HAProxy up this long after a restart resets the back-off: the next death restarts at once. */
export const STABLE_MS = 30_000;

/** The outcome of one check. */
export type Verdict =
  | { state: 'alive'; pid?: number }
  | { state: 'dead'; reason: string }
  | { state: 'unresponsive'; pid: number; reason: string };

/** What the watchdog asks the balancer for. */
export interface RestartRequest {
  reason: string;
  /** A live but unresponsive master to replace (takeover), rather than start next to. */
  replacePid?: number;
}

/** Settings of a {@link Watchdog}; everything but `probe`, `restart` and `log` is for tests. */
export interface WatchdogOptions {
  probe: () => Promise<Verdict>;
  /** Restarts HAProxy (through the balancer's serial queue); rejects when that failed. */
  restart: (request: RestartRequest) => Promise<void>;
  log: Logger;
  /** True while the balancer is syncing or reloading: the check is skipped. */
  busy?: () => boolean;
  intervalMs?: number;
  graceMs?: number;
  stableMs?: number;
  backoff?: { next(): number; reset(): void };
  now?: () => number;
}

/** Polls HAProxy and restarts it when it died. Start it with {@link start}, end with {@link stop}. */
export class Watchdog {
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly stableMs: number;
  private readonly backoff: { next(): number; reset(): void };
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private started = false;
  /** Since when the master has been unresponsive without a break. */
  private suspectSince: number | undefined;
  /** Since when HAProxy has been down (first dead verdict), until it is alive again. */
  private downSince: number | undefined;
  private attempts = 0;
  private lastError: string | undefined;
  /** No restart attempt before this (back-off). */
  private nextAttemptAt = 0;
  /** When the last restart attempt started; the back-off resets after STABLE_MS alive. */
  private lastAttemptAt: number | undefined;

  constructor(private readonly options: WatchdogOptions) {
    this.intervalMs = options.intervalMs ?? CHECK_INTERVAL_MS;
    this.graceMs = options.graceMs ?? WEDGED_GRACE_MS;
    this.stableMs = options.stableMs ?? STABLE_MS;
    this.backoff =
      options.backoff ?? new Backoff(RESTART_BACKOFF_MS.initialMs, RESTART_BACKOFF_MS.maxMs);
    this.now = options.now ?? Date.now;
  }

  /** Starts checking (idempotent). The timer does not keep the process alive. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.schedule();
  }

  /** Stops checking; waits for a check (and a restart it asked for) in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check, and a restart if it is due. Exposed for tests; the timer calls it. */
  async check(): Promise<void> {
    if (this.stopped) return;
    if (this.options.busy?.() === true) {
      this.suspectSince = undefined;
      return;
    }
    let verdict: Verdict;
    try {
      verdict = await this.options.probe();
    } catch (error) {
      // The probe itself failed (not HAProxy's answer): no evidence either way.
      this.options.log.debug('HAProxy watchdog check failed', { error: describeError(error) });
      return;
    }
    if (this.stopped) return;
    const now = this.now();
    if (verdict.state === 'alive') {
      this.alive(now, verdict.pid);
      return;
    }
    let request: RestartRequest = { reason: verdict.reason };
    if (verdict.state === 'unresponsive') {
      this.suspectSince ??= now;
      const silentMs = now - this.suspectSince;
      if (silentMs < this.graceMs) return;
      request = {
        reason: `${verdict.reason}, for ${Math.round(silentMs / 1000)} s`,
        replacePid: verdict.pid,
      };
    } else {
      this.suspectSince = undefined;
    }
    this.downSince ??= now;
    if (now < this.nextAttemptAt) return;
    await this.attempt(now, request);
  }

  private alive(now: number, pid: number | undefined): void {
    this.suspectSince = undefined;
    if (this.downSince !== undefined) {
      this.options.log.info('HAProxy recovered', {
        pid,
        downMs: now - this.downSince,
        attempts: this.attempts,
      });
      this.downSince = undefined;
      this.attempts = 0;
      this.lastError = undefined;
    }
    if (this.lastAttemptAt !== undefined && now - this.lastAttemptAt >= this.stableMs) {
      this.backoff.reset();
      this.nextAttemptAt = 0;
      this.lastAttemptAt = undefined;
    }
  }

  private async attempt(now: number, request: RestartRequest): Promise<void> {
    this.attempts++;
    this.lastAttemptAt = now;
    const retryMs = this.backoff.next();
    this.nextAttemptAt = now + retryMs;
    this.options.log.warn(
      request.replacePid === undefined
        ? 'HAProxy is down; restarting it'
        : 'HAProxy master is unresponsive; replacing it',
      {
        reason: request.reason,
        attempt: this.attempts,
        ...(request.replacePid === undefined ? {} : { pid: request.replacePid }),
        ...(this.lastError === undefined ? {} : { previousError: this.lastError }),
        nextAttemptNotBeforeMs: retryMs,
      },
    );
    try {
      await this.options.restart(request);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = describeError(error);
    }
    this.suspectSince = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.check().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.intervalMs);
    this.timer.unref();
  }
}

/** Where {@link probeHAProxy} looks. */
export interface ProbeTarget {
  pidFile: string;
  configFile: string;
  masterSocket: string;
  timeoutMs?: number;
}

/** True when process `pid` exists (`kill(pid, 0)`; EPERM: it exists, owned by someone else). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One check of the real HAProxy (see the rules at the top of this file). */
export async function probeHAProxy(target: ProbeTarget): Promise<Verdict> {
  const pid = readPidFile(target.pidFile);
  const pidAlive = pid !== undefined && exists(pid) && isOurHAProxy(pid, target.configFile);
  const cli = new MasterCli(target.masterSocket, target.timeoutMs ?? PROBE_TIMEOUT_MS);
  let why: string;
  let nothingListens = false;
  let masterPid: number | undefined;
  try {
    const proc = await cli.showProc();
    if (proc.workers.length > 0) return { state: 'alive', pid: proc.masterPid };
    masterPid = proc.masterPid;
    why = 'its master CLI lists no worker';
  } catch (error) {
    nothingListens = error instanceof RuntimeConnectionError && error.nothingListens;
    why = `its master CLI does not answer (${describeError(error)})`;
  }
  if (pidAlive) {
    return nothingListens ? { state: 'alive', pid } : { state: 'unresponsive', pid, reason: why };
  }
  if (masterPid !== undefined) return { state: 'unresponsive', pid: masterPid, reason: why };
  const gone =
    pid === undefined
      ? `no PID in ${target.pidFile}`
      : `PID ${pid} from ${target.pidFile} is not a running HAProxy of ours`;
  return { state: 'dead', reason: `${gone} and ${why}` };
}
