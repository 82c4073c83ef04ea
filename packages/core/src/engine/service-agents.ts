import { isDeepStrictEqual } from 'node:util';
import type { ServiceConfig } from '../config/types.js';
import type { Agent, AgentPortState } from '../contracts/agent.js';
import type { Metrics } from '../contracts/metrics.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { noopMetrics } from '../metrics/noop.js';
import type { Metadata } from '../model/node.js';
import { instantiate } from './instantiate.js';

interface Running {
  /** The `agent:` section it was created from, to tell an edit from a touch. */
  config: NonNullable<ServiceConfig['agent']>;
  /** Undefined while `create` runs, or when it failed. */
  instance?: Agent;
  /** The latest port states, replayed to an instance that finishes creating. */
  ports: readonly AgentPortState[];
}

/**
 * The agents of the reporter's services, one per service file with an `agent:` section. Each is
 * told its service's port states on every change, and its metadata (how to reach it) goes into
 * the service's registrations. An agent that cannot start (its port taken) is logged; the
 * service is still registered, just without agent metadata, so writers do not point HAProxy at
 * an agent that is not there.
 */
export class ServiceAgents {
  private readonly agents = new Map<string, Running>();

  constructor(
    private readonly logger: Logger,
    /** The agent of `service` changed what it advertises: registrations must be redone. */
    private readonly advertised: (service: string) => void,
    /** The daemon's metrics, for every agent's context. */
    private readonly metrics: Metrics = noopMetrics,
  ) {}

  /** Creates, replaces or closes the agent of a service for its (new) config. */
  async set(service: ServiceConfig): Promise<void> {
    const running = this.agents.get(service.name);
    const wanted = service.agent;
    if (running !== undefined && isDeepStrictEqual(running.config, wanted)) return;
    if (running !== undefined) await this.remove(service.name);
    if (wanted === undefined) {
      if (running !== undefined) this.advertised(service.name); // its agent_port must go
      return;
    }
    const entry: Running = { config: wanted, ports: [] };
    this.agents.set(service.name, entry);
    const created = await instantiate({
      kind: 'agents',
      name: wanted.plugin.name,
      logger: this.logger,
      metrics: this.metrics,
      create: (context) =>
        wanted.plugin.create(wanted.config, {
          ...context,
          service: service.name,
          host: service.host,
        }),
      release: (late) => late.close(),
      failureMessage: `the agent of service ${service.name} could not start; its nodes are registered without it`,
    });
    if (!created.ok) return;
    if (this.agents.get(service.name) !== entry) {
      await created.value.close(); // removed or replaced while it was starting
      return;
    }
    entry.instance = created.value;
    this.tell(service.name, entry);
    this.advertised(service.name);
  }

  /** What the service's agent advertises (empty without a running agent). */
  metadata(service: string): Metadata {
    return this.agents.get(service)?.instance?.metadata ?? {};
  }

  /** The service's port states changed. */
  update(service: string, ports: readonly AgentPortState[]): void {
    const entry = this.agents.get(service);
    if (entry === undefined || isDeepStrictEqual(entry.ports, ports)) return;
    entry.ports = ports;
    this.tell(service, entry);
  }

  async remove(service: string): Promise<void> {
    const entry = this.agents.get(service);
    this.agents.delete(service);
    await this.close(service, entry?.instance);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.agents.keys()].map((service) => this.remove(service)));
  }

  private tell(service: string, entry: Running): void {
    try {
      entry.instance?.update(entry.ports);
    } catch (error) {
      this.logger.warn('the agent failed to take the new state', {
        service,
        error: describeError(error),
      });
    }
  }

  private async close(service: string, agent: Agent | undefined): Promise<void> {
    try {
      await agent?.close();
    } catch (error) {
      this.logger.warn('closing an agent failed', { service, error: describeError(error) });
    }
  }
}
