import { hostProblem, ipProblem } from '@lighthouse/core';
import { createMetrics, Reporter } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { logOptions, rootOption } from '../common-options.js';
import { runDaemon } from '../daemon.js';
import { UsageError } from '../exit-codes.js';

function advertised(values: Record<string, unknown>): { host?: string; ip?: string } {
  const host = values['advertise-host'];
  const ip = values['advertise-ip'];
  const problem =
    (typeof host === 'string' ? hostProblem(host) : undefined) ??
    (typeof ip === 'string' ? ipProblem(ip) : undefined);
  if (problem !== undefined) throw new UsageError(problem);
  return {
    ...(typeof host === 'string' ? { host } : {}),
    ...(typeof ip === 'string' ? { ip } : {}),
  };
}

/** `lighthouse reporter <config-dir>` (also the `lighthouse-reporter` bin). */
export const reporterCommand: Command = {
  name: 'reporter',
  summary: 'health-check the services this machine provides and register the healthy ones',
  usage: 'reporter <config-dir> [options]',
  details: [
    'Reads logging.yaml, reporter.yaml, discovery/ and services/ from <config-dir> and follows',
    'changes to them. reporter.yaml sets the state directory (maintenance entries written by',
    '"lighthouse down", the control socket "lighthouse status" asks), the health proxy and',
    'metrics.listen, where it serves Prometheus metrics (GET /metrics; unauthenticated).',
    "Runs each service's checks on every port at its interval (each check with its own timeout",
    'and rise/fall) and keeps discovery registrations equal to the healthy ports that are not down',
    'for maintenance (draining ones stay registered, marked to drain).',
    '',
    'On SIGTERM or SIGINT every registration is removed and the session closed before exit, so',
    'consumers stop routing here at once.',
    'Exit codes: 0 stopped cleanly, 1 invalid config directory, 2 usage, 3 runtime failure.',
    '',
    'Example: lighthouse reporter /etc/lighthouse --advertise-ip 10.0.0.5',
  ].join('\n'),
  options: {
    ...rootOption.options,
    ...logOptions.options,
    'advertise-host': { type: 'string' },
    'advertise-ip': { type: 'string' },
  },
  optionHelp: {
    ...rootOption.optionHelp,
    ...logOptions.optionHelp,
    'advertise-host': "HOST   host name to register (default: this machine's host name)",
    'advertise-ip':
      "IP     address consumers connect to (default: the default-route interface's address)",
  },
  positionals: [{ name: 'config-dir', required: true }],
  run: (input) => {
    const advertise = advertised(input.values);
    // One registry per daemon, with the process metrics (CPU, memory, event loop) of this process.
    return runDaemon(
      'REPORTER',
      input,
      (deps) => new Reporter({ ...deps, advertise, metrics: createMetrics() }),
    );
  },
};
