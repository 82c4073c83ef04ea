import { describeError, ErrorCode, isLighthouseError, LighthouseError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import type { RuntimeApi } from '../runtime/runtime-api.js';
import type { HAProxyConfig } from '../schema.js';
import type { BalancerTelemetry, Why } from '../telemetry.js';
import { checkConfig } from './check.js';
import { readTextIfExists, writeFileAtomic } from './files.js';
import { ReloadFailedError } from './haproxy-process.js';
import type { HAProxyProcess } from './haproxy-process.js';
import type { ProcState } from '../runtime/master-cli.js';

/**
 * Installing a configuration and starting or reloading HAProxy with it: the candidate checked
 * with `haproxy -c` and renamed over the file, the server state dumped first, at most one reload
 * per `restart_interval`, a reload HAProxy refuses undone on disk, every outcome logged and
 * counted. What HAProxy then runs is the balancer's to record.
 */

/** What {@link HAProxyLifecycle} works with. */
export interface LifecycleOptions {
  config: HAProxyConfig;
  paths: { configFile: string; masterSocket: string };
  process: HAProxyProcess;
  runtime: RuntimeApi;
  log: Logger;
  telemetry: BalancerTelemetry;
}

export class HAProxyLifecycle {
  private readonly config: HAProxyConfig;
  private readonly paths: LifecycleOptions['paths'];
  private readonly process: HAProxyProcess;
  private readonly runtime: RuntimeApi;
  private readonly log: Logger;
  private readonly telemetry: BalancerTelemetry;
  private readonly intervalMs: number;
  private lastReloadAt = 0;

  constructor(options: LifecycleOptions) {
    ({
      config: this.config,
      paths: this.paths,
      process: this.process,
      runtime: this.runtime,
      log: this.log,
      telemetry: this.telemetry,
    } = options);
    this.intervalMs = (options.config.restart_interval ?? 2) * 1000;
  }

  /** Installs a candidate: written next to haproxy.cfg, `haproxy -c`, then renamed over it. */
  private async install(text: string): Promise<void> {
    const binary = this.config.haproxy_binary ?? 'haproxy';
    await writeFileAtomic(this.paths.configFile, text, async (candidate) => {
      const check = await checkConfig(binary, candidate);
      if (check.valid) return;
      this.log.error('HAProxy refused the candidate configuration; keeping the running one', {
        file: this.paths.configFile,
        output: check.output,
      });
      throw new LighthouseError(
        ErrorCode.ConfigInvalid,
        `haproxy -c refused the candidate configuration: ${check.output}`,
      );
    });
  }

  /**
   * Waits until a reload is allowed: at most one per restart_interval. sync is serial, so the
   * changes that arrive meanwhile queue up in the writer, which coalesces them into the next
   * sync: one reload covers all of them.
   */
  private async rateLimit(): Promise<void> {
    const wait = this.lastReloadAt + this.intervalMs - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /**
   * Installs `text` and reloads HAProxy (`pid`), verified by `show proc`; the state file is
   * dumped first. An HAProxy without a master CLI (not started by lighthouse) is taken over
   * instead: the only way it can ever load a new config without dropping a connection. A reload
   * HAProxy refuses (it passed `haproxy -c`, but e.g. a port is taken) puts the previous file
   * back: the file on disk stays the one the running HAProxy loaded.
   */
  async reload(text: string, why: Why, pid: number, replace: boolean): Promise<void> {
    await this.rateLimit();
    const previous = await readTextIfExists(this.paths.configFile);
    await this.install(text);
    await this.saveServerState();
    const started = performance.now();
    this.lastReloadAt = Date.now();
    const takeOver = replace || !(await this.process.hasMaster());
    const kind = takeOver ? 'takeover' : 'reload';
    try {
      if (takeOver) {
        this.log.warn(
          replace
            ? 'replacing an HAProxy whose master does not answer'
            : 'taking over an HAProxy not started by lighthouse',
          {
            pid,
            reason: replace
              ? why.text
              : `its master CLI ${this.paths.masterSocket} does not answer`,
            how: 'a master-worker HAProxy takes its listeners over (-x) and lets it finish (-sf)',
          },
        );
      }
      const state = takeOver ? await this.process.takeOver(pid) : await this.process.reload();
      const seconds = (performance.now() - started) / 1000;
      this.telemetry.reloaded(kind, why, { seconds });
      this.log.info(takeOver ? 'took over HAProxy' : 'reloaded HAProxy', {
        reason: why.text,
        durationMs: Math.round(seconds * 1000),
        ...(takeOver ? { pid: state.masterPid, previousPid: pid } : { reloads: state.reloads }),
      });
      await this.reachNewWorker(state);
    } catch (error) {
      this.telemetry.reloaded(kind, why, {});
      this.log.error('HAProxy reload failed', { reason: why.text, error: describeError(error) });
      if (error instanceof ReloadFailedError) await this.restore(previous);
      throw error;
    } finally {
      this.runtime.reset();
    }
  }

  /**
   * Right after a reload the old worker may still accept on the shared admin socket for a moment
   * (until it handles the master's stop signal: longer on a loaded machine), and what it is told
   * is lost with it — the drains `settle` re-applies, the next sync's reads and commands. Waits,
   * up to 2 s, until a new connection reaches the newest worker (`show info` names its PID).
   */
  private async reachNewWorker(state: ProcState): Promise<void> {
    const newest = state.workers.find((worker) => worker.reloads === 0)?.pid;
    if (newest === undefined) return;
    const answersFromNewest = new RegExp(`^Pid: ${newest}$`, 'm');
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      this.runtime.reset();
      if (answersFromNewest.test(await this.runtime.raw('show info').catch(() => ''))) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.log.debug('the admin socket still answers from an older worker', { worker: newest });
  }

  /** Puts back the file a refused reload replaced (HAProxy still runs it). */
  private async restore(previous: string | undefined): Promise<void> {
    if (previous === undefined) return;
    try {
      await writeFileAtomic(this.paths.configFile, previous);
      this.log.warn('restored the previous configuration file: HAProxy still runs it', {
        file: this.paths.configFile,
      });
    } catch (error) {
      this.log.error('could not restore the previous configuration file', {
        file: this.paths.configFile,
        error: describeError(error),
      });
    }
  }

  /**
   * Starts HAProxy: it is not running (or its PID file names another process). If `haproxy -c`
   * refuses the candidate, HAProxy still starts, with the last installed file (the last good
   * state), and the refusal is returned.
   */
  async start(text: string, why: Why): Promise<LighthouseError | undefined> {
    await this.rateLimit();
    const refused = await this.install(text).then(
      () => undefined,
      async (error: unknown) => {
        const fallback = await readTextIfExists(this.paths.configFile);
        const invalid = isLighthouseError(error) && error.code === ErrorCode.ConfigInvalid;
        if (!invalid || fallback === undefined) throw error;
        return error as LighthouseError;
      },
    );
    const started = performance.now();
    this.lastReloadAt = Date.now();
    this.runtime.reset();
    let state;
    try {
      state = await this.process.start();
    } catch (error) {
      this.telemetry.reloaded('start', why, {});
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    this.telemetry.reloaded('start', why, { seconds });
    this.log.info('started HAProxy', {
      reason: why.text,
      config: refused === undefined ? 'new' : 'last installed (the new one was refused)',
      durationMs: Math.round(seconds * 1000),
      pid: state.masterPid,
    });
    return refused;
  }

  /**
   * Dumps `show servers state` for the next process to load (`load-server-state-from-file`):
   * admin state (drain, maint), weights, and a stopped agent survive a reload.
   */
  async saveServerState(): Promise<void> {
    const file = this.config.server_state_file;
    if (file === undefined) return;
    try {
      await writeFileAtomic(file, await this.runtime.raw('show servers state'));
    } catch (error) {
      this.log.warn('could not save the server state', {
        file,
        error: describeError(error),
      });
    }
  }
}
