import type { Node } from '../model/node.js';

/** One (service, node) this machine provides and wants registered. */
export interface Registration {
  service: string;
  node: Node;
}

/** Receives a cluster's complete, validated node set each time it changes. */
export type NodesListener = (nodes: readonly Node[]) => void;

/**
 * A discovery backend (ZooKeeper…). Implementations must be level-triggered and idempotent:
 * `register` twice is one registration; after a session loss the implementation re-creates every
 * registration it was asked for and re-reads every watched cluster on its own.
 */
export interface Discovery {
  connect(): Promise<void>;
  /** Deregisters nothing explicitly, but ends the session (ephemeral nodes vanish). */
  close(): Promise<void>;
  /** Starts watching `cluster`; `onNodes` gets the full node set now and after every change. */
  watch(cluster: string, onNodes: NodesListener): Promise<void>;
  unwatch(cluster: string): Promise<void>;
  register(registration: Registration): Promise<void>;
  deregister(registration: Registration): Promise<void>;
  /**
   * Optional. Another instance of the same discovery is taking the registrations over: stop
   * maintaining them (no re-creating, no reclaiming) but keep the session, so they stay in place
   * until the successor holds them; `close()` follows.
   */
  release?(): void | Promise<void>;
}
