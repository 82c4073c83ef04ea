import type { AgentPlugin, BalancerPlugin, CheckPlugin, DiscoveryPlugin } from '../define.js';
import type { LogFormat, LogLevel } from '../log.js';
import type { Metadata } from '../model/node.js';

/**
 * The config directory after parsing, validation and defaulting: what the engines consume.
 * (The raw YAML shapes and their JSON Schemas live in `schemas.ts`.)
 */

/**
 * The kinds of file in a config directory: `logging.yaml`, `reporter.yaml` and `writer.yaml` at
 * its root, the others one file per entry in a subdirectory of the kind's name.
 */
export const ConfigKinds = [
  'logging',
  'reporter',
  'writer',
  'balancers',
  'discovery',
  'clusters',
  'services',
] as const;
export type ConfigKind = (typeof ConfigKinds)[number];

/** The kinds whose one file sits at the root of the config directory (`<kind>.yaml`). */
export const RootConfigKinds = [
  'logging',
  'reporter',
  'writer',
] as const satisfies readonly ConfigKind[];
export type RootConfigKind = (typeof RootConfigKinds)[number];

/** `logging.yaml`. lighthouse 1.0's dictConfig keys are accepted; `root.level` maps to `level`. */
export interface LoggingConfig {
  level?: LogLevel;
  format?: LogFormat;
}

/** What both daemons' settings files (`reporter.yaml`, `writer.yaml`) have. */
export interface DaemonConfig {
  /** Absolute, normalised path of the daemon's state: its control socket (and maintenance). */
  stateDir: string;
  /** Where the Prometheus exporter (`GET /metrics`) listens; absent = no listener. */
  metrics?: { host: string; port: number };
}

/** `writer.yaml`: the writer's own settings (all optional). */
export type WriterConfig = DaemonConfig;

/** `reporter.yaml`: the reporter's own settings (all optional). */
export interface ReporterConfig extends DaemonConfig {
  /** Where the hacheck-style health proxy listens; absent = no listener. */
  healthProxy?: { host: string; port: number };
  /** The HAProxy peer advertised on every node; absent = none. Name and ip default per node. */
  peer?: { name?: string; ip?: string; port: number };
}

/** `balancers/<name>.yaml`: the plugin of that name and its validated, defaulted config. */
export interface BalancerConfig {
  name: string;
  plugin: BalancerPlugin;
  config: unknown;
}

/** `discovery/<name>.yaml`. */
export interface DiscoveryConfig {
  name: string;
  plugin: DiscoveryPlugin;
  config: unknown;
}

/** `clusters/<name>.yaml`: a service this machine consumes. */
export interface ClusterConfig {
  /** The `name:` key, else the file name: the discovery path segment and the HAProxy proxy name. */
  name: string;
  discovery: string;
  metaCluster?: string;
  /** One validated section per balancer key in the file (e.g. `haproxy`), by balancer name. */
  balancers: Record<string, unknown>;
}

/** One check of a service, with the engine-owned keys split from the plugin's own. */
export interface ServiceCheckConfig {
  name: string;
  plugin: CheckPlugin;
  /** Consecutive passes to become healthy. */
  rise: number;
  /** Consecutive failures to become unhealthy. */
  fall: number;
  /** Seconds one run may take before it counts as failed. */
  timeout: number;
  /** The plugin's own keys, validated against its schema, defaults applied. */
  config: unknown;
}

/** `services/<name>.yaml`: a service this machine provides. */
export interface ServiceConfig {
  name: string;
  discovery: string;
  /** Where the checks connect (not what is advertised). Default `127.0.0.1`. */
  host: string;
  /** From `ports`, else `[port]`; deduplicated, in file order. */
  ports: number[];
  metadata: Metadata;
  /** What to register instead of the reporter-wide advertised host and address. */
  advertise?: { host?: string; ip?: string };
  /** Seconds between check rounds. */
  interval: number;
  checks: ServiceCheckConfig[];
  /** The agent load balancers ask about the service (`agent:`), if any. */
  agent?: { plugin: AgentPlugin; config: unknown };
}

/** A validated file of any kind, as the loader and the watcher report it. */
export type ConfigEntry =
  | { kind: 'logging'; name: 'logging'; file: string; value: LoggingConfig }
  | { kind: 'reporter'; name: 'reporter'; file: string; value: ReporterConfig }
  | { kind: 'writer'; name: 'writer'; file: string; value: WriterConfig }
  | { kind: 'balancers'; name: string; file: string; value: BalancerConfig }
  | { kind: 'discovery'; name: string; file: string; value: DiscoveryConfig }
  | { kind: 'clusters'; name: string; file: string; value: ClusterConfig }
  | { kind: 'services'; name: string; file: string; value: ServiceConfig };
