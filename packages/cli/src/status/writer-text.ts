import { printable } from '@lighthouse/core';
import type { BalancerReport } from '@lighthouse/core';
import { formatDuration } from '@lighthouse/core/engine';
import type {
  WriterBalancerStatus,
  WriterClusterStatus,
  WriterMember,
  WriterStatus,
} from '@lighthouse/core/engine';
import type { Io } from '../command.js';

/**
 * The writer's part of `lighthouse status` as text. Everything in it came over a socket from the
 * writer, and most of it from the network (discovery's members) or a plugin (the balancer's
 * report): every string is escaped with `printable()`, and a missing field never throws.
 */

/** How many of a balancer's recent reloads are listed (the JSON has them all). */
const RELOADS_SHOWN = 3;

type BalancerCluster = BalancerReport['clusters'][number];
type BalancerMember = BalancerCluster['members'][number];

/** Prints the writer's status, or that none answers on `socket`. */
export function printWriter(
  io: Io,
  writer: WriterStatus | undefined,
  socket: string,
  now: number,
): void {
  if (writer === undefined) {
    io.stdout(`writer: not running (no answer on ${socket})`);
    return;
  }
  io.stdout(`writer: running, pid ${writer.pid}, ${syncText(writer.sync, now)}`);
  const clusters = writer.clusters ?? [];
  if (clusters.length === 0) io.stdout('  no clusters configured');
  for (const cluster of clusters) printCluster(io, cluster, writer.balancers ?? {});
  for (const [name, status] of Object.entries(writer.balancers ?? {}))
    printBalancer(io, name, status, now);
  for (const [name, report] of Object.entries(writer.discovery ?? {})) {
    const error = report.error === undefined ? '' : `: ${text(report.error, 300)}`;
    io.stdout(`  discovery ${text(name)}: ${text(report.state)}${error}${facts(report.facts)}`);
  }
}

function syncText(sync: WriterStatus['sync'] | undefined, now: number): string {
  if (sync?.lastAt === undefined) return 'not synced yet';
  const at = Date.parse(sync.lastAt);
  const parts = [
    `last sync ${formatDuration(now - at)} ago (took ${sync.lastDurationMs ?? '?'} ms)`,
    counted(sync.count, 'sync'),
    ...(sync.failures > 0 ? [`${sync.failures} failed`] : []),
  ];
  const error = sync.error === undefined ? '' : `; the last failed: ${text(sync.error, 300)}`;
  return `${parts.join(', ')}${error}`;
}

/** A cluster, then each member with its state in every balancer that describes itself. */
function printCluster(
  io: Io,
  cluster: WriterClusterStatus,
  balancers: Record<string, WriterBalancerStatus>,
): void {
  const members = cluster.members ?? [];
  const via = [
    `discovery ${text(cluster.discovery)}`,
    ...(cluster.balancers ?? []).map((name) => text(name)),
  ];
  const count = cluster.discovered ? counted(members.length, 'member') : 'not discovered yet';
  io.stdout(`  cluster ${text(cluster.name)} (${via.join(', ')}): ${count}`);
  const reported = (cluster.balancers ?? []).flatMap((name) => {
    const status = balancers[name];
    if (!isReport(status)) return [];
    const running = status.clusters?.find((one) => one.name === cluster.name)?.members ?? [];
    return [{ name, running }];
  });
  const seen = new Set<BalancerMember>();
  for (const member of members) {
    const states = reported.map(({ name, running }) => {
      const match = running.find((one) => sameMember(one, member));
      if (match !== undefined) seen.add(match);
      return `${text(name)} ${match === undefined ? 'has no such server' : stateText(match)}`;
    });
    const address = `${text(member.ip)}:${text(member.port)}`;
    io.stdout(
      `    ${text(member.name)} at ${address}${states.length > 0 ? ': ' : ''}${states.join(', ')}`,
    );
  }
  // What a balancer runs that discovery does not report (kept through an outage, or stale).
  for (const { name, running } of reported)
    for (const member of running)
      if (!seen.has(member))
        io.stdout(
          `    ${text(member.name)} at ${text(member.address)}:${text(member.port)}: ${text(name)} ${stateText(member)}, not reported by discovery`,
        );
}

function printBalancer(io: Io, name: string, status: WriterBalancerStatus, now: number): void {
  if (status === null) {
    io.stdout(`  balancer ${text(name)}: does not describe itself`);
    return;
  }
  if (!isReport(status)) {
    io.stdout(`  balancer ${text(name)}: cannot tell (${text(status.error, 300)})`);
    return;
  }
  const reloads = status.reloads ?? [];
  io.stdout(
    `  balancer ${text(name)}: ${counted(reloads.length, 'reload')} recorded${facts(status.facts)}`,
  );
  for (const reload of reloads.slice(-RELOADS_SHOWN)) {
    const at = Date.parse(reload.at);
    const when = Number.isNaN(at) ? text(reload.at) : `${formatDuration(now - at)} ago`;
    io.stdout(`    ${reload.ok ? 'reload' : 'failed reload'} ${when}: ${text(reload.reason, 200)}`);
  }
}

function isReport(status: WriterBalancerStatus | undefined): status is BalancerReport {
  return typeof status === 'object' && status !== null && !('error' in status);
}

/** The balancer's server for a discovery member: by server name, else by address and port. */
function sameMember(running: BalancerMember, member: WriterMember): boolean {
  if (running.port !== member.port) return false;
  return running.name === member.name || running.address === member.ip;
}

function stateText(member: BalancerMember): string {
  const by = member.setBy === undefined ? '' : ` (set by ${text(member.setBy)})`;
  return `${text(member.state)}${by}`;
}

function facts(values: Readonly<Record<string, string | number>> | undefined): string {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return '';
  return `; ${entries.map(([key, value]) => `${text(key)} ${text(value)}`).join(', ')}`;
}

/** `1 member`, `2 members`. */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Any value from the socket as one escaped, bounded line. */
function text(value: unknown, max = 80): string {
  return printable(typeof value === 'string' ? value : String(value), max);
}
