import type { Node } from '../model/node.js';

/** One (service, node) this machine provides and wants registered. */
export interface Registration {
  service: string;
  node: Node;
}

/**
 * Receives a cluster's complete, validated node set each time it changes. A delivered node is
 * never modified afterwards (a changed node is a new object): the writer checks each node once.
 * A node that did not change should be handed on as the same object as before, so the work of a
 * change follows the changed nodes (balancers remember per node object), not the cluster's size.
 */
export type NodesListener = (nodes: readonly Node[]) => void;

/**
 * A discovery backend (ZooKeeper…): the reporter side publishes this machine's registrations,
 * the writer side watches clusters. Both sides are level-triggered: the plugin holds the latest
 * desired state and converges its backend to it again after any reconnect or session loss.
 */
export interface Discovery {
  connect(): Promise<void>;
  /** Ends the session without deleting anything explicitly (ephemeral registrations vanish). */
  close(): Promise<void>;
  /** Starts watching `cluster`; `onNodes` gets the full node set now and after every change. */
  watch(cluster: string, onNodes: NodesListener): Promise<void>;
  unwatch(cluster: string): Promise<void>;
  /**
   * Makes the backend hold exactly `registrations` for this instance: registers what is new or
   * changed, removes what is no longer listed. Idempotent; the latest call wins. Resolves once the
   * backend holds exactly this set; rejects when it cannot now — and either way keeps converging
   * to the latest set on its own (after a reconnect, a session loss, someone deleting a
   * registration) until the next `publish`, `release` or `close`. An empty set deregisters all.
   */
  publish(registrations: readonly Registration[]): Promise<void>;
  /**
   * Optional. Another instance of the same discovery is taking the registrations over: stop
   * maintaining them (no re-creating, no reclaiming) but keep them in place until `close()`, so
   * there is no gap while the successor publishes them. Without it, the successor and this
   * instance may take the registrations from each other until this one closes.
   */
  release?(): void | Promise<void>;
  /**
   * Optional. The backend connection as `lighthouse status` shows it, e.g.
   * `{ state: 'CONNECTED', facts: { session: '0x…', reconnects: 2 } }`.
   */
  describe?(): DiscoveryReport;
}

/** A discovery's connection state, for `lighthouse status` (JSON-serialisable). */
export interface DiscoveryReport {
  /** e.g. `CONNECTED`, `SUSPENDED`, `LOST`. */
  state: string;
  facts?: Readonly<Record<string, string | number>>;
}
