import type { CounterMetric, GaugeMetric, Metrics } from '@lighthouse/core';
import { SESSION_OPERATIONS } from './session.js';
import type { ReconnectKind, SessionObserver, SessionOperation, SessionState } from './session.js';

/**
 * The discovery's Prometheus metrics, through core's facade (see the README's "Status and
 * metrics"). Created once per discovery instance, in its constructor.
 *
 * Session state is a gauge per state rather than one `connected` 0/1 gauge: SUSPENDED (the
 * connection dropped, the session and its ephemeral znodes probably live on), LOST (presumed
 * expired: this machine's registrations are likely gone fleet-wide) and CONNECTING (no session
 * yet) call for different alerts, and a 0/1 gauge cannot tell them apart. Its
 * `state="CONNECTED"` series is that 0/1 gauge anyway.
 *
 * The gauges are per daemon, not per instance: a changed `discovery/zookeeper.yaml` runs the old
 * and the new instance side by side until the handover (make-before-break), and a daemon may use
 * several ZooKeeper discoveries. Each open instance contributes its state and its registrations,
 * and the gauges export the sums: the number of sessions in each state (1 for the current state,
 * 0 for the others with a single instance) and the znodes held. A closed instance contributes
 * nothing. The counters simply add up.
 */

/** The label values of the state gauge: the states an open session can be in. */
export const GAUGED_STATES: readonly SessionState[] = [
  'IDLE',
  'CONNECTING',
  'CONNECTED',
  'SUSPENDED',
  'LOST',
];

const RECONNECT_KINDS: readonly ReconnectKind[] = ['resumed', 'new'];

/** One open instance's part of the daemon's gauges. */
interface Share {
  state: SessionState;
  registrations: number;
}

/** The gauges of one daemon (one {@link Metrics}), summed over its open instances. */
class DaemonGauges {
  readonly shares = new Set<Share>();
  private readonly state: GaugeMetric;
  private readonly registrations: GaugeMetric;

  constructor(metrics: Metrics) {
    this.state = metrics.gauge({
      name: 'lighthouse_zookeeper_session_state',
      help: 'ZooKeeper sessions in each state (1 for the current state with one discovery: IDLE, CONNECTING, CONNECTED, SUSPENDED, LOST).',
      labelNames: ['state'],
    });
    this.registrations = metrics.gauge({
      name: 'lighthouse_zookeeper_registrations',
      help: 'Ephemeral znodes (registrations) held by this daemon’s ZooKeeper sessions.',
    });
  }

  /** Exports the sums over the open instances. */
  update(): void {
    const shares = [...this.shares];
    for (const state of GAUGED_STATES) {
      this.state.set(shares.filter((share) => share.state === state).length, { state });
    }
    this.registrations.set(shares.reduce((sum, share) => sum + share.registrations, 0));
  }
}

/** The daemon gauges of each {@link Metrics} (one per daemon). */
const daemons = new WeakMap<Metrics, DaemonGauges>();

/** One discovery instance's metrics; it observes the instance's session. */
export class ZooKeeperTelemetry implements SessionObserver {
  private readonly gauges: DaemonGauges;
  private readonly share: Share = { state: 'IDLE', registrations: 0 };
  private readonly reconnects: CounterMetric;
  private readonly failures: CounterMetric;

  constructor(metrics: Metrics) {
    let gauges = daemons.get(metrics);
    if (gauges === undefined) {
      gauges = new DaemonGauges(metrics);
      daemons.set(metrics, gauges);
    }
    this.gauges = gauges;
    this.reconnects = metrics.counter({
      name: 'lighthouse_zookeeper_reconnects_total',
      help: 'ZooKeeper reconnections after the first session: resumed (the session and its znodes kept) or new (a fresh session).',
      labelNames: ['kind'],
    });
    this.failures = metrics.counter({
      name: 'lighthouse_zookeeper_operation_failures_total',
      help: 'ZooKeeper calls the server or the connection failed, by operation (expected answers such as NONODE and calls not sent while disconnected are not counted).',
      labelNames: ['operation'],
    });
    // Every series exists from the start, so rate() and increase() see the first event.
    for (const kind of RECONNECT_KINDS) this.reconnects.inc({ kind }, 0);
    for (const operation of SESSION_OPERATIONS) this.failures.inc({ operation }, 0);
    gauges.shares.add(this.share);
    gauges.update();
  }

  stateChanged(state: SessionState): void {
    if (state === 'CLOSED') this.gauges.shares.delete(this.share);
    else this.share.state = state;
    this.gauges.update();
  }

  reconnected(kind: ReconnectKind): void {
    this.reconnects.inc({ kind });
  }

  operationFailed(operation: SessionOperation): void {
    this.failures.inc({ operation });
  }

  /** The znodes this instance's session holds now. */
  registrationsHeld(count: number): void {
    this.share.registrations = count;
    this.gauges.update();
  }
}
