import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import {
  cleanExec,
  describeError,
  ErrorCode,
  LighthouseError,
  NOT_EXECUTED,
} from '@lighthouse/core';
import { RuntimeConnectionError } from '../runtime/errors.js';
import { MasterCli } from '../runtime/master-cli.js';
import type { ProcState } from '../runtime/master-cli.js';
import { HAPROXY_MISSING } from './version.js';
import { keepPreviousStderrLog } from './stderr-log.js';
import { isOurHAProxy, runningMaster } from './pid.js';

/**
 * Starting and reloading HAProxy in master-worker mode. HAProxy runs as a daemon (`-W -D`): the
 * launcher exits once the master and its worker are up (its exit status says whether startup
 * worked), and the master is re-parented to init, so it outlives the writer, which re-attaches to
 * it through the PID file on its next start. Reloads go through the master CLI and are verified
 * with `show proc`, because a failed reload is silent on 2.6.
 */

/** Options of {@link HAProxyProcess}. */
export interface HAProxyProcessOptions {
  binary: string;
  configFile: string;
  pidFile: string;
  masterSocket: string;
  /** The admin socket (`stats socket … expose-fd listeners`): listeners are taken over through it. */
  adminSocket: string;
  /** Where the daemon's stderr goes (alerts, notices); the previous run's is kept as `.1`. */
  stderrFile: string;
  /** How long a start or a reload may take before it counts as failed. Default 15 s. */
  timeoutMs?: number;
}

/** A reload HAProxy refused: the old worker keeps serving the old configuration. */
export class ReloadFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReloadFailedError';
  }
}

const POLL_MS = 5;

/** HAProxy's master process, as far as lighthouse controls it. */
export class HAProxyProcess {
  readonly master: MasterCli;
  private readonly timeoutMs: number;

  constructor(private readonly options: HAProxyProcessOptions) {
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.master = new MasterCli(options.masterSocket);
  }

  /**
   * The master's PID if our HAProxy runs, else undefined: the PID file checked against /proc;
   * if that names no HAProxy of ours (file deleted or overwritten), the master CLI is asked, so
   * a running HAProxy is never started a second time next to itself.
   */
  async runningPid(): Promise<number | undefined> {
    const { pidFile, configFile } = this.options;
    const pid = runningMaster(pidFile, configFile);
    if (pid !== undefined) return pid;
    const master = await this.master.showProc().catch(() => undefined);
    if (master === undefined) return undefined;
    return isOurHAProxy(master.masterPid, configFile) ? master.masterPid : undefined;
  }

  /** Starts HAProxy and waits until its master CLI reports a worker. */
  start(): Promise<ProcState> {
    return this.launch([]);
  }

  /**
   * False when no master CLI listens on the master socket (file missing, connection refused): the
   * running HAProxy was not started by lighthouse (lighthouse 1.0's `-sf` daemon, a distribution's
   * service) and cannot be reloaded through it. True when a master answers, or may (any other
   * failure is left to {@link reload} to wait out and report).
   */
  async hasMaster(): Promise<boolean> {
    try {
      await this.master.showProc();
      return true;
    } catch (error) {
      return !(error instanceof RuntimeConnectionError && error.nothingListens);
    }
  }

  /**
   * Replaces an HAProxy lighthouse cannot reload (see {@link hasMaster}) by a master-worker one,
   * seamlessly: the new process takes the listening sockets over from the old one through the
   * admin socket (`-x`, which needs `expose-fd listeners`: the rendered global has it; without it
   * HAProxy binds again, next to the old listeners), and `-sf` lets the old one finish its
   * connections and exit. Waits until the new master CLI reports a worker.
   */
  takeOver(oldPid: number): Promise<ProcState> {
    return this.launch(['-x', this.options.adminSocket, '-sf', String(oldPid)]);
  }

  /** Runs `haproxy -W -D …` (plus `extra`), checks its exit status, and waits until it is ready. */
  private async launch(extra: readonly string[]): Promise<ProcState> {
    const { binary, configFile, pidFile, masterSocket, stderrFile } = this.options;
    const args = [
      ...['-W', '-D', '-S', `${masterSocket},mode,600`, '-p', pidFile, '-f', configFile],
      ...extra,
    ];
    await keepPreviousStderrLog(stderrFile);
    const stderr = await open(stderrFile, 'a', 0o600);
    let status: number | null;
    try {
      status = await new Promise<number | null>((resolve, reject) => {
        const command = cleanExec(binary, args);
        const child = spawn(command.file, command.args, {
          env: command.env,
          detached: true,
          stdio: ['ignore', 'ignore', stderr.fd],
        });
        child.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            error.code === 'ENOENT'
              ? new LighthouseError(ErrorCode.Unavailable, HAPROXY_MISSING)
              : error,
          ),
        );
        child.once('exit', (code) => resolve(code));
      });
    } finally {
      await stderr.close();
    }
    if (status !== null && NOT_EXECUTED.has(status)) {
      throw new LighthouseError(ErrorCode.Unavailable, HAPROXY_MISSING);
    }
    if (status !== 0) {
      const output = (await readFile(stderrFile, 'utf8').catch(() => '')).trim();
      throw new Error(
        `HAProxy failed to start (exit status ${status}): ${alertsFirst(output) || '(no output)'}`,
      );
    }
    return this.waitReady();
  }

  /**
   * Waits until the master CLI answers `show proc` with a worker (after a failed reload, only
   * older ones). A reload requested before that point can be lost (measured on 2.6: a SIGUSR2
   * right after start was ignored).
   */
  waitReady(): Promise<ProcState> {
    return this.poll('HAProxy master CLI to report a worker', async () => {
      const state = await this.master.showProc();
      return state.workers.length > 0 ? state : undefined;
    });
  }

  /**
   * Reloads through the master CLI and verifies it: the reload counter must move with the failed
   * counter unchanged, and a new worker must be up. A request that did not register (counter
   * unchanged after a second) is sent once more.
   */
  async reload(): Promise<ProcState> {
    const before = await this.waitReady();
    await this.master.reload();
    const started = Date.now();
    let resent = false;
    const after = await this.poll('HAProxy to finish the reload', async () => {
      const state = await this.master.showProc().catch(() => undefined);
      if (state === undefined) return undefined;
      if (state.reloads > before.reloads) {
        const failed = state.failed > before.failed;
        return failed || state.workers.some((worker) => worker.reloads === 0) ? state : undefined;
      }
      if (!resent && Date.now() - started > 1_000) {
        resent = true;
        await this.master.reload();
      }
      return undefined;
    });
    if (after.failed > before.failed) {
      throw new ReloadFailedError(
        `HAProxy reload failed (show proc: failed ${before.failed} → ${after.failed}); the previous configuration keeps serving`,
      );
    }
    return after;
  }

  private async poll<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        const detail = last === undefined ? '' : ` (last error: ${describeError(last)})`;
        throw new Error(`timed out after ${this.timeoutMs} ms waiting for ${what}${detail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/**
 * HAProxy's start-up output with its [ALERT] lines first: it opens with [NOTICE] lines (the
 * version), and a log that shows an error's first line would otherwise hide the cause
 * ("cannot bind socket").
 */
export function alertsFirst(output: string): string {
  const lines = output.split('\n');
  const alerts = lines.filter((line) => line.includes('[ALERT]'));
  return [...alerts, ...lines.filter((line) => !line.includes('[ALERT]'))].join('\n');
}
