import { join } from 'node:path';

/**
 * Where things live below the reporter's state directory (`reporter.yaml` `state_dir`): the
 * daemon and `lighthouse down|up|status` must agree, so both take the paths from here.
 */

/** Where `lighthouse down` writes maintenance entries and the reporter reads them. */
export function maintenanceDir(stateDir: string): string {
  return join(stateDir, 'maintenance');
}

/** The reporter's control socket (mode 0600), which `lighthouse status` asks. */
export function reporterSocket(stateDir: string): string {
  return join(stateDir, 'reporter.sock');
}
