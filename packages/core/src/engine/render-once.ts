import { loadConfigDir } from '../config/load-dir.js';
import type { ClusterConfig, DiscoveryConfig } from '../config/types.js';
import type { Discovery } from '../contracts/discovery.js';
import type { PluginResolver } from '../contracts/resolver.js';
import type { ConfigIssue } from '../errors.js';
import { describeError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Logger } from '../log.js';
import { nodeProblem, sortNodes } from '../model/node.js';
import type { Node } from '../model/node.js';
import { instantiate } from './instantiate.js';
import { topologyFor } from './topology.js';

/** Options of {@link renderOnce}. */
export interface RenderOnceOptions {
  configDir: string;
  resolver: PluginResolver;
  /** Ask discovery for the current members (default true); false renders from the cache. */
  discover?: boolean;
  /** How long to wait for each discovery to connect and report each cluster. Default 5 s. */
  discoveryWaitMs?: number;
  logger?: Logger;
  /** Told, in one line, about a discovery whose clusters are rendered from the cache instead. */
  onWarning?: (text: string) => void;
}

/** What one balancer would install: its text, or undefined when the plugin cannot render. */
export interface RenderedBalancer {
  balancer: string;
  text: string | undefined;
}

/** The config directory's problems, or what every balancer would install. */
export type RenderOnceResult =
  { ok: false; issues: ConfigIssue[] } | { ok: true; balancers: RenderedBalancer[] };

/**
 * What a writer starting now would hand its balancers, rendered once and installed nowhere
 * (`lighthouse render`). Clusters discovery cannot report in time are marked undiscovered, so the
 * balancer renders what it would keep — its outage cache — exactly as the writer would.
 */
export async function renderOnce(options: RenderOnceOptions): Promise<RenderOnceResult> {
  const logger = options.logger ?? silentLogger;
  const { entries, issues } = await loadConfigDir({
    dir: options.configDir,
    kinds: ['balancers', 'discovery', 'clusters'],
    resolver: options.resolver,
  });
  if (issues.length > 0) return { ok: false, issues };
  if (!entries.some((entry) => entry.kind === 'balancers')) return { ok: true, balancers: [] };
  const clusters = entries.flatMap((entry) => (entry.kind === 'clusters' ? [entry.value] : []));
  const members = new Map<string, readonly Node[]>();
  if (options.discover !== false) {
    const waitMs = options.discoveryWaitMs ?? 5_000;
    for (const entry of entries) {
      if (entry.kind !== 'discovery') continue;
      const wanted = clusters.filter((cluster) => cluster.discovery === entry.name);
      if (wanted.length === 0) continue;
      try {
        await readMembers(entry.value, wanted, members, waitMs, logger);
      } catch (error) {
        options.onWarning?.(
          `discovery ${entry.name} unavailable (${describeError(error)}); rendering its clusters from the balancer's cache`,
        );
      }
    }
  }
  const views = clusters.map((config) => ({
    config,
    nodes: members.get(config.name) ?? [],
    discovered: members.has(config.name),
  }));
  const balancers: RenderedBalancer[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'balancers') continue;
    const { name, plugin, config } = entry.value;
    const created = await instantiate({
      kind: 'balancers',
      name,
      logger,
      create: (context) => plugin.create(config, context),
      release: (late) => late.close?.(),
    });
    if (!created.ok) throw new Error(`balancer ${name} could not be created: ${created.reason}`);
    const instance = created.value;
    try {
      const text =
        instance.render === undefined ? undefined : await instance.render(topologyFor(name, views));
      balancers.push({ balancer: name, text });
    } finally {
      await instance.close?.();
    }
  }
  return { ok: true, balancers };
}

/** Reads each cluster of one discovery once into `members`; throws when it cannot in time. */
async function readMembers(
  config: DiscoveryConfig,
  clusters: readonly ClusterConfig[],
  members: Map<string, readonly Node[]>,
  waitMs: number,
  logger: Logger,
): Promise<void> {
  const created = await instantiate({
    kind: 'discovery',
    name: config.name,
    logger,
    create: (context) => config.plugin.create(config.config, context),
    release: (late) => late.close(),
    timeoutMs: waitMs,
  });
  if (!created.ok) throw new Error(created.reason);
  const discovery: Discovery = created.value;
  // An answer after the wait must not count: the cluster is rendered as not reported.
  let waiting = true;
  try {
    if (
      !(await within(
        discovery.connect().then(() => true),
        waitMs,
      ))
    )
      throw new Error(`no session within ${waitMs / 1000} s`);
    await Promise.all(
      clusters.map((cluster) =>
        within(
          new Promise<void>((resolve, reject) => {
            discovery
              .watch(cluster.name, (nodes) => {
                if (!waiting) return;
                const usable = nodes.filter((node) => nodeProblem(node) === undefined);
                members.set(cluster.name, sortNodes(usable));
                resolve();
              })
              .catch(reject);
          }),
          waitMs,
        ),
      ),
    );
  } finally {
    waiting = false;
    await discovery.close().catch(() => undefined);
  }
}

/** Resolves with `promise`'s value, or `undefined` after `ms` (the promise keeps running). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
