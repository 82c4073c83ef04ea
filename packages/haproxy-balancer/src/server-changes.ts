import { Backoff, describeError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { AdminLedger } from './admin-ledger.js';
import type { BackendServer } from './render-servers.js';
import type { Plan } from './plan.js';
import { PendingRemovals } from './removals.js';
import { runCommands, tolerated } from './runtime-sync.js';
import type { RuntimeApi } from './runtime/runtime-api.js';
import type { CommandOutcome } from './runtime/runtime-api.js';
import type { ServerAdminState } from './runtime/commands.js';
import type { BalancerTelemetry } from './telemetry.js';

/**
 * Everything a batch of runtime commands leaves behind: the ledger of admin states the writer
 * set (to tell an operator's apart), the removals HAProxy refused while connections remain
 * (retried on their own timer), the servers held in an operator's state, and the metrics.
 */

/** What {@link ServerChanges} needs from the balancer. */
export interface ServerChangesOptions {
  runtime: RuntimeApi;
  log: Logger;
  telemetry: BalancerTelemetry;
  removalTimeoutMs: number;
  /**
   * Runs a task on the balancer's serial queue (a removal retry never races a sync), without
   * counting it as a sync: the watchdog must keep checking HAProxy meanwhile.
   */
  serially: (task: () => Promise<void>) => Promise<void>;
}

export class ServerChanges {
  private readonly ledger = new AdminLedger();
  private readonly removals: PendingRemovals;
  /** Servers held in an operator's state as last planned, by `<backend>/<server>`. */
  private heldNow = new Map<string, ServerAdminState>();
  private timer: NodeJS.Timeout | undefined;
  /** Removal retries failed in a row (the admin socket did not answer), and their back-off. */
  private failures = 0;
  private readonly retryBackoff = new Backoff(1_000, 30_000);
  private closed = false;

  constructor(private readonly options: ServerChangesOptions) {
    const { log } = options;
    this.removals = new PendingRemovals(options.removalTimeoutMs, {
      waiting: (backend, server, timeoutMs) =>
        log.info('removed server still has connections; deleting it once they finish', {
          server: `${backend}/${server}`,
          shutdown_in_ms: timeoutMs,
        }),
      forced: (backend, server, waitedMs) =>
        log.warn('removed server still has connections; shutting its sessions down', {
          server: `${backend}/${server}`,
          waited_ms: waitedMs,
        }),
    });
  }

  /** The admin state the writer last set on a server (the planner's `writerState`). */
  readonly writerState = (backend: string, server: string): ServerAdminState | undefined =>
    this.ledger.get(backend, server);

  get held(): ReadonlyMap<string, ServerAdminState> {
    return this.heldNow;
  }

  get pendingRemovals(): number {
    return this.removals.size;
  }

  /** Seeds the ledger before the first batch (from the outage cache's topology), once. */
  seed(backends: () => ReadonlyMap<string, readonly BackendServer[]>): void {
    if (this.ledger.empty) this.ledger.retain(backends());
  }

  /**
   * After a reload or a start: only the servers of `backends` exist (see AdminLedger.retain), and
   * no removal is pending — the new process has none of the removed servers, and a server of the
   * same name it does have is one discovery wants.
   */
  reloaded(backends: ReadonlyMap<string, readonly BackendServer[]>): void {
    this.ledger.retain(backends);
    this.removals.update([]);
    this.options.telemetry.gauges(this.removals.size, this.heldNow.size);
  }

  /**
   * Runs a plan's commands and takes in what they did. Returns why a reload must finish the job
   * (a command HAProxy refused), if any.
   */
  async run(plan: Plan): Promise<string | undefined> {
    this.noteHeld(plan);
    this.ledger.intend(plan.commands);
    const { outcomes, refused } = await runCommands(
      this.options.runtime,
      this.options.log,
      plan.commands,
    );
    this.taken(outcomes, plan.scope);
    return refused;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /** Takes in a batch of the backends in `scope` (undefined: all of them). */
  private taken(outcomes: readonly CommandOutcome[], scope?: ReadonlySet<string>): void {
    this.ledger.record(outcomes);
    this.options.telemetry.commandsRan(outcomes, tolerated);
    this.removals.update(outcomes, scope);
    this.options.telemetry.gauges(this.removals.size, this.heldNow.size);
    this.scheduleRemovals();
  }

  /**
   * Arms the retry of pending removals (one timer; re-armed after each retry). While the admin
   * socket fails (HAProxy down or wedged), retries back off (1 s doubling to 30 s) and the
   * failure is logged once per streak, not at every retry.
   */
  private scheduleRemovals(): void {
    if (this.closed || this.removals.size === 0 || this.timer !== undefined) return;
    const delay = this.failures === 0 ? this.removals.nextRetryMs() : this.retryBackoff.next();
    this.timer = setTimeout(() => {
      void this.options.serially(() => this.retryRemovals());
    }, delay);
    this.timer.unref();
  }

  private async retryRemovals(): Promise<void> {
    this.timer = undefined;
    if (this.closed || this.removals.size === 0) return;
    try {
      this.taken(await this.options.runtime.execute(this.removals.commands()));
      this.failures = 0;
      this.retryBackoff.reset();
    } catch (error) {
      this.failures++;
      if (this.failures === 1) {
        this.options.log.warn('retrying the deletion of removed servers failed; backing off', {
          error: describeError(error),
        });
      }
      this.scheduleRemovals();
    }
  }

  /**
   * Logs each server an operator holds in maint or drain when it starts being held, and when it
   * is no longer (of the backends the plan covers: the others' are as the last plan left them).
   */
  private noteHeld(plan: Plan): void {
    const { scope } = plan;
    const held = new Map(
      [...this.heldNow].filter(([server]) => scope !== undefined && !scope.has(backendOf(server))),
    );
    for (const { backend, server, state } of plan.held ?? []) {
      const id = `${backend}/${server}`;
      held.set(id, state);
      if (this.heldNow.get(id) === state) continue;
      this.options.log.warn('leaving a server in the state an operator set', {
        server: id,
        state,
        lift: `set server ${id} state ready (on the admin socket)`,
      });
    }
    for (const server of this.heldNow.keys()) {
      if (!held.has(server)) this.options.log.info('operator state lifted', { server });
    }
    this.heldNow = held;
  }
}

/** The backend of a `<backend>/<server>` id (backend names hold no "/"; server names may). */
function backendOf(id: string): string {
  return id.slice(0, id.indexOf('/'));
}
