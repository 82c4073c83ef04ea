import {
  compareText,
  describeError,
  loadConfigDir,
  pluginContext,
  silentLogger,
} from '@lighthouse/core';
import type { ClusterConfig, ClusterState, ConfigEntry, Discovery, Node } from '@lighthouse/core';
import type { Command } from '../command.js';
import { rootOption } from '../common-options.js';
import { configDirectory, commandPlugins } from '../environment.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { printIssues } from './validate.js';

/** How long `render` waits for discovery to connect and report each cluster. */
const DISCOVERY_WAIT_MS = 5_000;

/** Resolves with `promise`'s value, or `undefined` after `ms` (the promise keeps running). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Current members of every cluster, read once from discovery. A cluster discovery cannot report
 * in time stays `undefined`: the balancer then renders what it would keep (its outage cache).
 */
async function readMembers(
  entries: readonly ConfigEntry[],
  clusters: readonly ClusterConfig[],
  warn: (text: string) => void,
) {
  const members = new Map<string, readonly Node[]>();
  const sessions: Discovery[] = [];
  for (const entry of entries) {
    if (entry.kind !== 'discovery') continue;
    const wanted = clusters.filter((cluster) => cluster.discovery === entry.name);
    if (wanted.length === 0) continue;
    try {
      const discovery = await entry.value.plugin.create(
        entry.value.config,
        pluginContext('discovery', entry.name, silentLogger),
      );
      sessions.push(discovery);
      const connected = await within(
        discovery.connect().then(() => true),
        DISCOVERY_WAIT_MS,
      );
      if (connected !== true) throw new Error(`no session within ${DISCOVERY_WAIT_MS / 1000} s`);
      await Promise.all(
        wanted.map((cluster) =>
          within(
            new Promise<void>(
              (resolve) =>
                void discovery.watch(cluster.name, (nodes) =>
                  resolve(void members.set(cluster.name, nodes)),
                ),
            ),
            DISCOVERY_WAIT_MS,
          ),
        ),
      );
    } catch (error) {
      warn(
        `discovery ${entry.name} unavailable (${describeError(error)}); rendering its clusters from the balancer's cache`,
      );
    }
  }
  await Promise.all(sessions.map((session) => session.close().catch(() => undefined)));
  return members;
}

/** `lighthouse render <config-dir>`: the load-balancer config the writer would install now. */
export const renderCommand: Command = {
  name: 'render',
  summary: 'print the load-balancer config the writer would write now',
  usage: 'render <config-dir> [--offline] [--root DIR]',
  details: [
    'Reads balancers/, discovery/ and clusters/, asks discovery once for the current members of',
    'every cluster (unless --offline), and prints what each balancer would install — for',
    'HAProxy, the haproxy.cfg text. Nothing is written and the load balancer is not touched.',
    'Clusters that discovery cannot report in time (or all, with --offline) are rendered from',
    "the balancer's outage cache, exactly as a writer starting now would.",
    '',
    'Exit codes: 0 ok, 1 invalid config or a balancer that cannot render, 2 usage, 3 runtime failure.',
  ].join('\n'),
  options: { offline: { type: 'boolean' }, ...rootOption.options },
  optionHelp: {
    offline: '       do not contact discovery; use the outage cache',
    ...rootOption.optionHelp,
  },
  positionals: [{ name: 'config-dir', required: true }],
  async run({ positionals, values, io }) {
    const dir = await configDirectory(positionals[0] ?? '');
    const resolver = await commandPlugins(values, dir);
    const { entries, issues } = await loadConfigDir({
      dir,
      kinds: ['balancers', 'discovery', 'clusters'],
      resolver,
    });
    if (issues.length > 0) return printIssues(issues, dir, io);
    const clusters = entries.flatMap((entry) => (entry.kind === 'clusters' ? [entry.value] : []));
    const balancers = entries.flatMap((entry) => (entry.kind === 'balancers' ? [entry.value] : []));
    if (balancers.length === 0)
      throw new UsageError(`render: no balancer configured in ${dir}/balancers/`);
    const members =
      values['offline'] === true
        ? new Map<string, readonly Node[]>()
        : await readMembers(entries, clusters, (text) => io.stderr(text));
    for (const balancer of balancers) {
      const topology: ClusterState[] = clusters
        .filter((cluster) => balancer.name in cluster.balancers)
        .map((cluster) => ({
          name: cluster.name,
          config: cluster.balancers[balancer.name],
          discovered: members.has(cluster.name),
          nodes: members.get(cluster.name) ?? [],
          ...(cluster.metaCluster === undefined ? {} : { metaCluster: cluster.metaCluster }),
        }))
        .sort((a, b) => compareText(a.name, b.name));
      const instance = await balancer.plugin.create(
        balancer.config,
        pluginContext('balancers', balancer.name, silentLogger),
      );
      try {
        if (instance.render === undefined) {
          io.stderr(`balancer ${balancer.name} cannot render its configuration`);
          return ExitCode.Invalid;
        }
        if (balancers.length > 1) io.stdout(`# ---- balancer ${balancer.name} ----`);
        io.stdout((await instance.render(topology)).replace(/\n$/, ''));
      } finally {
        await instance.close?.();
      }
    }
    return ExitCode.Ok;
  },
};
