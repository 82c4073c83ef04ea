import { readFileSync } from 'node:fs';

/**
 * Which process is "our" HAProxy. A PID file can be stale and its PID reused by a stranger;
 * lighthouse 1.0 signalled whatever it named (B26). A PID counts only if /proc shows an haproxy
 * executable started with `-f <our config file>`.
 *
 * Read synchronously: every sync reads both (a few hundred bytes, the PID file on local /run and
 * a /proc entry), and the asynchronous reads cost four thread-pool round trips each, 6 % of a
 * fleet writer's CPU per change for what takes microseconds in place.
 */

/** The first PID of a PID file, or undefined when it is missing or holds no PID. */
export function readPidFile(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  return /^[1-9][0-9]*$/.test(first) ? Number(first) : undefined;
}

/** True when `argv` is an haproxy command line reading `configFile`. */
export function isHAProxyFor(argv: readonly string[], configFile: string): boolean {
  const executable = argv[0]?.split('/').pop() ?? '';
  if (!executable.startsWith('haproxy')) return false;
  return argv.some((word, index) => word === '-f' && argv[index + 1] === configFile);
}

/** True when process `pid` is alive and is the HAProxy master of `configFile`. */
export function isOurHAProxy(pid: number, configFile: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return isHAProxyFor(cmdline.split('\0'), configFile);
  } catch {
    return false;
  }
}

/** The PID in `pidFile` if it is our running HAProxy master, else undefined. */
export function runningMaster(pidFile: string, configFile: string): number | undefined {
  const pid = readPidFile(pidFile);
  return pid !== undefined && isOurHAProxy(pid, configFile) ? pid : undefined;
}
