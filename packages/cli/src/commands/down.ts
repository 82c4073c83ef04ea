import { hasControlCharacter } from '@lighthouse/core';
import {
  askDaemon,
  formatDuration,
  parseDuration,
  reporterSocket,
  writeMaintenance,
} from '@lighthouse/core/engine';
import type { MaintenanceEntry } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { changing, configDirOption, maintenanceTarget, operator } from '../maintenance/target.js';

/** Longest `--reason` kept (the entry refuses more). */
const MAX_REASON = 1_000;

/** `lighthouse down <service|all>`: hacheck's hadown, with drain, expiry and per-port entries. */
export const downCommand: Command = {
  name: 'down',
  summary: 'take a service (or all) out of rotation for maintenance, optionally draining',
  usage:
    'down <service|all> [--port N] [--reason TEXT] [--for DURATION] [--drain] [--config-dir DIR]',
  details: [
    "Writes a maintenance entry into the reporter's state directory (reporter.yaml state_dir,",
    'default /var/lib/lighthouse; entries in <state_dir>/maintenance/). The running reporter',
    "sees it within a second and deregisters the service's ports, or with --drain keeps them",
    "registered as draining: writers put the server in HAProxy's drain state, so sessions in",
    'flight finish and new ones go elsewhere. "all" covers every service on this machine.',
    'The entry survives reboots; it lasts until "lighthouse up", or lapses by itself after',
    '--for (30s, 10m, 2h, 1d, 1h30m). Down while checks fail still deregisters; up does not',
    'register a port whose checks fail.',
    '',
    'Exit codes: 0 written, 1 unknown service or invalid value, 2 usage.',
    '',
    'Example: lighthouse down web --drain --for 10m --reason "deploy 4.2"',
  ].join('\n'),
  options: {
    ...configDirOption.options,
    port: { type: 'string' },
    reason: { type: 'string' },
    for: { type: 'string' },
    drain: { type: 'boolean' },
  },
  optionHelp: {
    ...configDirOption.optionHelp,
    port: 'N      only this port of the service',
    reason: 'TEXT   why (shown by status and the health proxy)',
    for: 'DURATION lapse by itself after this long (30s, 10m, 2h, 1d, 1h30m)',
    drain: '       stay registered as draining instead of leaving rotation at once',
  },
  positionals: [{ name: 'service|all', required: true }],
  async run(input) {
    const reason = optionText(input.values['reason'], 'reason');
    const duration = optionText(input.values['for'], 'for');
    const lasting = duration === undefined ? undefined : parseDuration(duration);
    if (duration !== undefined && lasting === undefined)
      throw new UsageError(
        `--for: "${duration.slice(0, 40)}" is not a duration (e.g. 30s, 10m, 2h, 1d, 1h30m)`,
      );
    const target = await maintenanceTarget(input);
    if (typeof target === 'number') return target;
    const { service, port, what } = target;
    const since = Date.now();
    const user = operator();
    const entry: MaintenanceEntry = {
      service,
      ...(port === undefined ? {} : { port }),
      mode: input.values['drain'] === true ? 'drain' : 'down',
      reason: reason ?? '',
      since,
      ...(lasting === undefined ? {} : { until: since + lasting }),
      ...(user === undefined ? {} : { user }),
    };
    await changing(target.maintenance, () => writeMaintenance(target.maintenance, entry));
    const until =
      lasting === undefined
        ? 'until "lighthouse up"'
        : `for ${formatDuration(lasting)} (until ${new Date(since + lasting).toISOString()})`;
    input.io.stdout(`${what}: ${entry.mode === 'drain' ? 'draining' : 'down'} ${until}`);
    const running = await askDaemon(reporterSocket(target.setup.stateDir));
    input.io.stderr(
      running === undefined
        ? 'note: no reporter answers on this state directory; the entry applies when one starts'
        : 'the reporter applies it within a second',
    );
    return ExitCode.Ok;
  },
};

/** A text option, refused when it holds a newline or another control character, or is too long. */
function optionText(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (hasControlCharacter(text)) throw new UsageError(`--${name} must be one line of text`);
  if (text.length > MAX_REASON)
    throw new UsageError(`--${name} is longer than ${MAX_REASON} characters`);
  return text;
}
