import { askDaemon, removeMaintenance, reporterSocket } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { changing, configDirOption, maintenanceTarget } from '../maintenance/target.js';

/** `lighthouse up <service|all>`: hacheck's haup. */
export const upCommand: Command = {
  name: 'up',
  summary: 'end the maintenance of a service (or all)',
  usage: 'up <service|all> [--port N] [--config-dir DIR]',
  details: [
    'Removes the maintenance entries "lighthouse down" wrote for the service: without --port,',
    'the service-wide entry and every per-port one; with --port, that port\'s only. "up all"',
    'removes every entry on this machine (with --port, every entry for that port). The running',
    'reporter registers the service again within a second — each port once its checks pass.',
    '',
    'Exit codes: 0 done (also when nothing was down), 1 unknown service, 2 usage.',
    '',
    'Example: lighthouse up web',
  ].join('\n'),
  options: { ...configDirOption.options, port: { type: 'string' } },
  optionHelp: { ...configDirOption.optionHelp, port: 'N      only this port of the service' },
  positionals: [{ name: 'service|all', required: true }],
  async run(input) {
    const target = await maintenanceTarget(input);
    if (typeof target === 'number') return target;
    const { service, port, what } = target;
    const removed = await changing(target.maintenance, () =>
      removeMaintenance(target.maintenance, service, port),
    );
    if (removed.length === 0) {
      input.io.stdout(`${what}: was not down`);
      return ExitCode.Ok;
    }
    input.io.stdout(`${what}: up (removed ${removed.join(', ')})`);
    const running = await askDaemon(reporterSocket(target.setup.stateDir));
    if (running === undefined) input.io.stderr('note: no reporter answers on this state directory');
    return ExitCode.Ok;
  },
};
