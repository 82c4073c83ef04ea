import { join } from 'node:path';

/**
 * Where things live below a daemon's state directory (`state_dir` of `reporter.yaml` and
 * `writer.yaml`; both may name the same one): the daemons and `lighthouse down|up|status` must
 * agree, so all take the paths from here.
 */

/** Where `lighthouse down` writes maintenance entries and the reporter reads them. */
export function maintenanceDir(stateDir: string): string {
  return join(stateDir, 'maintenance');
}

/** The reporter's control socket (mode 0600), which `lighthouse status` asks. */
export function reporterSocket(stateDir: string): string {
  return join(stateDir, 'reporter.sock');
}

/** The writer's control socket (mode 0600), which `lighthouse status` asks. */
export function writerSocket(stateDir: string): string {
  return join(stateDir, 'writer.sock');
}
