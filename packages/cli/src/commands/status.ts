import { formatIssue, printable } from '@lighthouse/core';
import {
  askDaemon,
  formatDuration,
  loadWriterSetup,
  readMaintenance,
  reporterSocket,
  writerSocket,
} from '@lighthouse/core/engine';
import type { MaintenanceEntry, ReporterStatus, WriterStatus } from '@lighthouse/core/engine';
import type { Command, Io } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { configDirOption, reporterSetup } from '../maintenance/target.js';
import { printWriter } from '../status/writer-text.js';

/** `lighthouse status`: hacheck's hastatus, plus the running reporter's and writer's live state. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'show what is down for maintenance and the live state of the reporter and writer',
  usage: 'status [--json] [--config-dir DIR]',
  details: [
    'Lists the maintenance entries (what is down or draining, since when, why, until when, by',
    'whom) and problems with files in the maintenance directory. When the reporter runs, it also',
    'asks it over its control socket (<state_dir>/reporter.sock) for every service and port:',
    'the check verdict with the last reason, and whether discovery holds the registration.',
    "When the writer runs, it asks it too (writer.yaml's <state_dir>/writer.sock): every cluster",
    "with its members and each member's state in the load balancer, the last sync, the",
    "balancer's recent reloads, and the state of each discovery connection.",
    '--json prints the same as one JSON object ("reporter" and "writer" are null when not running).',
    '',
    'Exit codes: 0 nothing is down, 1 something is down (or draining), 2 usage.',
  ].join('\n'),
  options: { ...configDirOption.options, json: { type: 'boolean' } },
  optionHelp: { ...configDirOption.optionHelp, json: '       one JSON object instead of text' },
  positionals: [],
  async run(input) {
    const target = await reporterSetup(input);
    if (typeof target === 'number') return target;
    const writerSetup = await loadWriterSetup(target.dir, target.resolver);
    // Where the writer's state is cannot be known while writer.yaml is invalid: say so, go on.
    for (const issue of writerSetup.issues) input.io.stderr(formatIssue(issue));
    const socket = writerSetup.issues.length > 0 ? undefined : writerSocket(writerSetup.stateDir);
    const [state, reporter, writer] = await Promise.all([
      readMaintenance(target.maintenance),
      askDaemon(reporterSocket(target.setup.stateDir)) as Promise<ReporterStatus | undefined>,
      socket === undefined ? undefined : (askDaemon(socket) as Promise<WriterStatus | undefined>),
    ]);
    const now = Date.now();
    const active = state.entries.filter((entry) => isActive(entry, now));
    if (input.values['json'] === true) {
      input.io.stdout(
        JSON.stringify({
          stateDir: target.setup.stateDir,
          down: active.length > 0,
          maintenance: {
            entries: state.entries.map((entry) => ({
              ...jsonEntry(entry),
              active: isActive(entry, now),
            })),
            issues: state.issues,
          },
          reporter: reporter ?? null,
          writer: writer ?? null,
        }),
      );
    } else {
      printMaintenance(input.io, target.maintenance, state.entries, now);
      for (const issue of state.issues)
        input.io.stdout(`  problem: ${printable(issue.file)}: ${issue.problem}`);
      printReporter(input.io, reporter, target.setup.stateDir, now);
      if (socket === undefined) input.io.stdout('writer: unknown (writer.yaml is invalid)');
      else printWriter(input.io, writer, socket, now);
    }
    return active.length > 0 ? ExitCode.Invalid : ExitCode.Ok;
  },
};

function isActive(entry: MaintenanceEntry, now: number): boolean {
  return entry.until === undefined || entry.until > now;
}

function jsonEntry(entry: MaintenanceEntry): Record<string, unknown> {
  return {
    ...entry,
    since: new Date(entry.since).toISOString(),
    ...(entry.until === undefined ? {} : { until: new Date(entry.until).toISOString() }),
  };
}

function printMaintenance(io: Io, dir: string, entries: MaintenanceEntry[], now: number): void {
  io.stdout(`maintenance (${dir}):`);
  if (entries.length === 0) io.stdout('  nothing is down');
  for (const entry of entries) {
    const target = entry.port === undefined ? entry.service : `${entry.service} port ${entry.port}`;
    const since = `since ${new Date(entry.since).toISOString()} (${formatDuration(now - entry.since)} ago)`;
    const until =
      entry.until === undefined
        ? 'until "lighthouse up"'
        : isActive(entry, now)
          ? `until ${new Date(entry.until).toISOString()} (in ${formatDuration(entry.until - now)})`
          : `lapsed at ${new Date(entry.until).toISOString()}`;
    const parts = [
      `  ${target}: ${entry.mode === 'drain' ? 'draining' : 'down'}`,
      since,
      until,
      ...(entry.user === undefined ? [] : [`by ${entry.user}`]),
      ...(entry.reason === '' ? [] : [`reason: ${printable(entry.reason, 200)}`]),
    ];
    io.stdout(parts.join(', '));
  }
}

function printReporter(
  io: Io,
  reporter: ReporterStatus | undefined,
  stateDir: string,
  now: number,
): void {
  if (reporter === undefined) {
    io.stdout(`reporter: not running (no answer on ${reporterSocket(stateDir)})`);
    return;
  }
  io.stdout(
    `reporter: running, pid ${reporter.pid}, registers as ${reporter.advertised.host} (${reporter.advertised.ip})`,
  );
  if (reporter.ports.length === 0) io.stdout('  no services configured');
  for (const port of reporter.ports) {
    const failing = port.checks.find((check) => !check.passing);
    const verdict = port.healthy
      ? 'healthy'
      : `failing${failing?.last?.reason === undefined ? '' : ` (${failing.name}: ${printable(failing.last.reason, 200)})`}`;
    const last = port.checks
      .map((check) => check.last?.at)
      .filter((at): at is number => at !== undefined);
    const checked =
      last.length === 0
        ? 'not checked yet'
        : `checked ${formatDuration(now - Math.max(...last))} ago`;
    const maintenance =
      port.maintenance === undefined ? '' : `, in maintenance (${port.maintenance.mode})`;
    io.stdout(
      `  ${port.service} port ${port.port}: ${verdict}, ${port.registered ? 'registered' : 'not registered'}${maintenance}, ${checked}`,
    );
  }
}
