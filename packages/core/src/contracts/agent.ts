import type { Metadata } from '../model/node.js';
import type { PluginContext } from './context.js';

/**
 * What an agent knows about one port of its service: the reporter's live state, pushed on every
 * change. An agent answers the load balancer's questions about the service from it — never by
 * checking the service itself.
 */
export interface AgentPortState {
  port: number;
  /** The port's check verdict (rise/fall applied). */
  healthy: boolean;
  /** Why it is not healthy: the failing check's last reason. */
  reason?: string;
  /** The maintenance entry in force (`lighthouse down`), if any. */
  maintenance?: { mode: 'down' | 'drain'; reason: string };
}

/**
 * A per-service responder that load balancers ask about the service (HAProxy's agent-check is
 * one). Created once per service file with an agent section, and closed when the section goes.
 */
export interface Agent {
  /**
   * Metadata added to every registration of the service, so consumers know how to reach the
   * agent (e.g. `{agent_port: 5555, agent_inter: 2}`). Read after `create` and after each
   * `reconfigure`; keep it small and JSON.
   */
  readonly metadata: Metadata;
  /** The service's ports and their state, now and after every change. */
  update(ports: readonly AgentPortState[]): void;
  /** Stops answering and releases what the agent holds (a listening socket). */
  close(): Promise<void>;
}

/** Context for `AgentPlugin.create`: which service, and where its checks connect. */
export interface AgentContext extends PluginContext {
  service: string;
  /** Where the service's checks connect (its `host:`, default 127.0.0.1). */
  host: string;
}
