import type { Static, TSchema } from 'typebox';
import type { Balancer } from './contracts/balancer.js';
import type { Check, CheckContext } from './contracts/check.js';
import type { PluginContext } from './contracts/context.js';
import type { Discovery } from './contracts/discovery.js';
import type { Agent, AgentContext } from './contracts/agent.js';

/**
 * Plugins are plain objects built by `defineCheck` / `defineDiscovery` / `defineBalancer`.
 * The factories attach a brand (`Symbol.for`, so it survives a plugin bundling its own copy of
 * core) that the loader checks instead of `instanceof`.
 */

/** The brand every plugin definition carries. */
export const PLUGIN_BRAND: unique symbol = Symbol.for('lighthouse.plugin') as never;

/** The plugin API version this core implements; manifests declare the one they target. */
export const PLUGIN_API_VERSION = 2;

/** The kinds, named like lighthouse 1.0's entry-point groups (`agents` is new). */
export const PluginKinds = ['checks', 'discovery', 'balancers', 'agents'] as const;
export type PluginKind = (typeof PluginKinds)[number];

interface PluginBase<K extends PluginKind, S extends TSchema> {
  readonly kind: K;
  /** The name config files use (`checks.http`, `discovery/zookeeper.yaml`…). */
  readonly name: string;
  /** One line for `lighthouse plugins`. */
  readonly description?: string;
  /** TypeBox schema of the plugin's config section; every property should have a description. */
  readonly configSchema: S;
  /**
   * Rules a schema cannot express (e.g. HAProxy directive lines), run after the schema passed.
   * Pointers are relative to the plugin's section; core prefixes them and adds the file.
   */
  validateConfig?(config: Static<S>): readonly PluginConfigIssue[];
  /** Why the plugin cannot work on this machine (a missing binary…), or undefined when it can. */
  checkDependencies?(): Promise<string | undefined>;
  readonly [PLUGIN_BRAND]: true;
}

/** A problem a plugin's own rules found in its config section: where (JSON pointer) and what. */
export interface PluginConfigIssue {
  pointer: string;
  message: string;
}

/** A health check: `create` is called once per (service, port, check) with validated config. */
export interface CheckPlugin<S extends TSchema = TSchema> extends PluginBase<'checks', S> {
  create(config: Static<S>, context: CheckContext): Check | Promise<Check>;
}

/** A discovery method: one instance per `discovery/<name>.yaml`. */
export interface DiscoveryPlugin<S extends TSchema = TSchema> extends PluginBase<'discovery', S> {
  create(config: Static<S>, context: PluginContext): Discovery | Promise<Discovery>;
}

/** A load balancer: one instance per `balancers/<name>.yaml`; clusters carry a `<name>:` section. */
export interface BalancerPlugin<
  S extends TSchema = TSchema,
  C extends TSchema = TSchema,
> extends PluginBase<'balancers', S> {
  /** Schema of the `<name>:` section in cluster files (e.g. `haproxy: {port, backend…}`). */
  readonly clusterSchema: C;
  /** Rules beyond `clusterSchema` for a cluster's section, like {@link validateConfig}. */
  validateClusterConfig?(section: Static<C>): readonly PluginConfigIssue[];
  create(
    config: Static<S>,
    context: PluginContext,
  ): Balancer<Static<C>> | Promise<Balancer<Static<C>>>;
}

/**
 * A per-service agent load balancers ask about the service (HAProxy's agent-check): one instance
 * per service file whose `agent:` section names it (`agent: {type: <name>, …}`, default the only
 * agent plugin installed).
 */
export interface AgentPlugin<S extends TSchema = TSchema> extends PluginBase<'agents', S> {
  create(config: Static<S>, context: AgentContext): Agent | Promise<Agent>;
}

export type AnyPlugin = CheckPlugin | DiscoveryPlugin | BalancerPlugin | AgentPlugin;

type Definition<P> = Omit<P, 'kind' | typeof PLUGIN_BRAND>;

/** Defines a health-check plugin. Default-export the result from the file your manifest names. */
export function defineCheck<S extends TSchema>(
  definition: Definition<CheckPlugin<S>>,
): CheckPlugin<S> {
  return Object.freeze({ ...definition, kind: 'checks', [PLUGIN_BRAND]: true } as CheckPlugin<S>);
}

/** Defines a discovery plugin. */
export function defineDiscovery<S extends TSchema>(
  definition: Definition<DiscoveryPlugin<S>>,
): DiscoveryPlugin<S> {
  return Object.freeze({
    ...definition,
    kind: 'discovery',
    [PLUGIN_BRAND]: true,
  } as DiscoveryPlugin<S>);
}

/** Defines a balancer plugin. */
export function defineBalancer<S extends TSchema, C extends TSchema>(
  definition: Definition<BalancerPlugin<S, C>>,
): BalancerPlugin<S, C> {
  return Object.freeze({ ...definition, kind: 'balancers', [PLUGIN_BRAND]: true } as BalancerPlugin<
    S,
    C
  >);
}

/** Defines an agent plugin. */
export function defineAgent<S extends TSchema>(
  definition: Definition<AgentPlugin<S>>,
): AgentPlugin<S> {
  return Object.freeze({ ...definition, kind: 'agents', [PLUGIN_BRAND]: true } as AgentPlugin<S>);
}

/** The plugin type of each kind. */
export type PluginOf<K extends PluginKind> = K extends 'checks'
  ? CheckPlugin
  : K extends 'discovery'
    ? DiscoveryPlugin
    : K extends 'balancers'
      ? BalancerPlugin
      : AgentPlugin;
