import type { Metrics } from '@lighthouse/core';
import type { ReloadCause } from './plan-server.js';
import type { CommandOutcome } from './runtime/runtime-api.js';

/**
 * What the balancer tells operators about itself: Prometheus metrics (through core's facade) and
 * a short history of reloads and starts for `lighthouse status`.
 */

/** Why HAProxy was reloaded or started: the planner's causes plus the balancer's own. */
export type BalancerCause =
  | ReloadCause
  /** The runtime API refused a planned command: a reload finishes the job. */
  | 'runtime-refused'
  /** The master runs but the admin socket does not answer. */
  | 'admin-socket'
  /** HAProxy was not running at a sync. */
  | 'not-running'
  /** The watchdog found HAProxy dead or its master wedged. */
  | 'watchdog'
  /** The peers of a cluster changed (a delayed reload, see balancer.ts). */
  | 'peers';

/** Why, as a bounded cause (a metric label) and a sentence (the log and status). */
export interface Why {
  cause: BalancerCause;
  text: string;
}

/** One entry of the history `lighthouse status` shows. */
export interface ReloadRecord {
  at: string;
  reason: string;
  ok: boolean;
}

const HISTORY = 20;

export class BalancerTelemetry {
  private readonly history: ReloadRecord[] = [];
  private readonly commands;
  private readonly reloads;
  private readonly reloadSeconds;
  private readonly pendingRemovals;
  private readonly operatorHeld;

  constructor(metrics: Metrics) {
    this.commands = metrics.counter({
      name: 'lighthouse_haproxy_runtime_commands_total',
      help: 'Runtime API commands sent to HAProxy, by command and result (ok, tolerated, refused).',
      labelNames: ['command', 'result'],
    });
    this.reloads = metrics.counter({
      name: 'lighthouse_haproxy_reloads_total',
      help: 'HAProxy reloads, starts and takeovers, by kind, cause and result (ok, failed).',
      labelNames: ['kind', 'cause', 'result'],
    });
    this.reloadSeconds = metrics.histogram({
      name: 'lighthouse_haproxy_reload_duration_seconds',
      help: 'How long a successful HAProxy reload, start or takeover took.',
      labelNames: ['kind'],
    });
    this.pendingRemovals = metrics.gauge({
      name: 'lighthouse_haproxy_pending_removals',
      help: 'Removed servers waiting for their connections to finish before deletion.',
    });
    this.operatorHeld = metrics.gauge({
      name: 'lighthouse_haproxy_operator_held_servers',
      help: 'Servers left in a maintenance or drain state an operator set.',
    });
  }

  /** Counts a batch's commands; `tolerated` tells refusals that are not failures apart. */
  commandsRan(
    outcomes: readonly CommandOutcome[],
    tolerated: (outcome: CommandOutcome) => boolean,
  ): void {
    for (const outcome of outcomes) {
      const result =
        outcome.error === undefined ? 'ok' : tolerated(outcome) ? 'tolerated' : 'refused';
      this.commands.inc({ command: outcome.command.op, result });
    }
  }

  /** Records a reload, start or takeover: its metric and its line in the history. */
  reloaded(kind: 'reload' | 'start' | 'takeover', why: Why, outcome: { seconds?: number }): void {
    const ok = outcome.seconds !== undefined;
    this.reloads.inc({ kind, cause: why.cause, result: ok ? 'ok' : 'failed' });
    if (outcome.seconds !== undefined) this.reloadSeconds.observe(outcome.seconds, { kind });
    this.history.push({ at: new Date().toISOString(), reason: `${kind}: ${why.text}`, ok });
    if (this.history.length > HISTORY) this.history.shift();
  }

  gauges(pendingRemovals: number, operatorHeld: number): void {
    this.pendingRemovals.set(pendingRemovals);
    this.operatorHeld.set(operatorHeld);
  }

  /** The last reloads and starts, oldest first. */
  get reloadHistory(): readonly ReloadRecord[] {
    return this.history;
  }
}
