import { createMetrics, Writer } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { logOptions, rootOption } from '../common-options.js';
import { runDaemon } from '../daemon.js';

/** `lighthouse writer <config-dir>` (also the `lighthouse-writer` bin). */
export const writerCommand: Command = {
  name: 'writer',
  summary: 'keep the local load balancer routing to the healthy members of consumed clusters',
  usage: 'writer <config-dir> [options]',
  details: [
    'Reads logging.yaml, writer.yaml, balancers/, discovery/ and clusters/ from <config-dir>',
    'and follows changes to them. Watches every cluster through its discovery method and',
    'converges each balancer to the members. If discovery is unreachable, the balancer keeps',
    'its last state. An invalid file is reported and its previous version, if any, stays in force.',
    'writer.yaml sets the state directory (default /var/lib/lighthouse), where the writer',
    'serves its live state on writer.sock for "lighthouse status", and metrics.listen, where',
    'it serves Prometheus metrics (GET /metrics; unauthenticated, keep it on loopback).',
    '',
    'Stops on SIGTERM or SIGINT, leaving the load balancer running with its last configuration.',
    'Exit codes: 0 stopped cleanly, 1 invalid config directory, 2 usage, 3 runtime failure.',
    '',
    'Example: lighthouse writer /etc/lighthouse --log-format json',
  ].join('\n'),
  options: { ...rootOption.options, ...logOptions.options },
  optionHelp: { ...rootOption.optionHelp, ...logOptions.optionHelp },
  positionals: [{ name: 'config-dir', required: true }],
  // One registry per daemon, with the process metrics (CPU, memory, event loop) of this process.
  run: (input) =>
    runDaemon('WRITER', input, (deps) => new Writer({ ...deps, metrics: createMetrics() })),
};
