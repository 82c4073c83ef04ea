import type { Logger } from '../log.js';
import { nodeName } from '../model/node.js';
import type { Node } from '../model/node.js';
import type { ClusterView } from './topology.js';

/**
 * What the writer tells operators about membership, at `info`: one line per cluster whose members
 * changed since the last sync (nodes added, removed, or whose weight or drain state changed), and
 * one line with the member count when discovery first reports a cluster. Unchanged clusters say
 * nothing, however often the writer syncs.
 */

/** The most members a line names per kind of change; the rest are counted. */
export const MEMBERS_SHOWN = 10;

/** One member as the log describes it: the metadata balancers act on, as text. */
interface Member {
  weight: string;
  state: string;
}

/** Members by label, `app-3:8080 (10.0.0.3)`, in the cluster's (sorted) node order. */
export type Members = ReadonlyMap<string, Member>;

/** A node's label in the log: its name (the HAProxy server name) and address. */
export function memberLabel(node: Pick<Node, 'host' | 'port' | 'ip'>): string {
  return `${nodeName(node)} (${node.ip})`;
}

/** The members of a cluster, as the log compares them. */
export function membersOf(nodes: readonly Node[]): Members {
  return new Map(
    nodes.map((node) => {
      const { weight, state } = node.metadata;
      return [
        memberLabel(node),
        {
          weight: weight === undefined ? 'default' : JSON.stringify(weight),
          state: state === 'drain' ? 'drain' : 'ready',
        },
      ];
    }),
  );
}

/** What changed between two sets of members, or undefined when nothing did. */
export interface MembershipChange {
  /** `added app-3:8080 (10.0.0.3); removed …; changed app-1:8080 (10.0.0.1) weight 10 -> 20`. */
  text: string;
  added: number;
  removed: number;
  changed: number;
}

/** `a, b, c` — at most {@link MEMBERS_SHOWN} of `items`, then how many more. */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, MEMBERS_SHOWN).join(', ');
  return items.length > MEMBERS_SHOWN ? `${shown} and ${items.length - MEMBERS_SHOWN} more` : shown;
}

/** The difference between `before` and `after`: nodes added, removed, and re-weighted or drained. */
export function membershipChange(before: Members, after: Members): MembershipChange | undefined {
  const added = [...after.keys()].filter((label) => !before.has(label));
  const removed = [...before.keys()].filter((label) => !after.has(label));
  const changed = [...after].flatMap(([label, now]) => {
    const was = before.get(label);
    if (was === undefined) return [];
    const what = [
      ...(was.weight === now.weight ? [] : [`weight ${was.weight} -> ${now.weight}`]),
      ...(was.state === now.state ? [] : [`state ${was.state} -> ${now.state}`]),
    ];
    return what.length === 0 ? [] : [`${label} ${what.join(', ')}`];
  });
  if (added.length + removed.length + changed.length === 0) return undefined;
  const parts = [
    ...(added.length === 0 ? [] : [`added ${listed(added)}`]),
    ...(removed.length === 0 ? [] : [`removed ${listed(removed)}`]),
    ...(changed.length === 0 ? [] : [`changed ${listed(changed)}`]),
  ];
  return {
    text: parts.join('; '),
    added: added.length,
    removed: removed.length,
    changed: changed.length,
  };
}

/**
 * What changed between two node lists. Discovery hands unchanged nodes on as the same objects
 * (the ZooKeeper plugin does), so only the nodes in one list and not the other are described and
 * compared: one node added to a 1,000-node cluster compares two members, not 2,000 (issue 10).
 * Equal to comparing every member, as a node object replaced by an equal one adds nothing.
 */
export function nodesChange(
  before: readonly Node[],
  after: readonly Node[],
): MembershipChange | undefined {
  const kept = new Set(after);
  const was = new Set(before);
  return membershipChange(
    membersOf(before.filter((node) => !kept.has(node))),
    membersOf(after.filter((node) => !was.has(node))),
  );
}

/**
 * Remembers what it last logged per cluster (per writer cluster entry: a cluster re-added, or
 * moved to another discovery, starts afresh) and logs membership changes once each.
 */
export class MembershipLog {
  /** The node list last observed per cluster. */
  private readonly logged = new WeakMap<ClusterView, readonly Node[]>();

  constructor(private readonly logger: Logger) {}

  /** Logs what changed in each discovered cluster since the last call: one line per cluster. */
  observe(clusters: Iterable<ClusterView>): void {
    for (const cluster of clusters) {
      const before = this.logged.get(cluster);
      // Nothing reported yet, or the very same list as last time (a resync): nothing to say.
      if (!cluster.discovered || before === cluster.nodes) continue;
      this.logged.set(cluster, cluster.nodes);
      const name = cluster.config.name;
      const fields = { cluster: name, members: cluster.nodes.length };
      if (before === undefined) {
        this.logger.info(`cluster ${name}: discovered, ${fields.members} member(s)`, fields);
        continue;
      }
      const change = nodesChange(before, cluster.nodes);
      if (change === undefined) continue;
      const { text, ...counts } = change;
      this.logger.info(`cluster ${name}: ${text}`, { ...fields, ...counts });
    }
  }
}
