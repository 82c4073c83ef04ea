import { readFile } from 'node:fs/promises';

/**
 * Which process is "our" HAProxy. A PID file can be stale and its PID reused by a stranger;
 * lighthouse 1.0 signalled whatever it named (B26). A PID counts only if /proc shows an haproxy
 * executable started with `-f <our config file>`.
 */

/** The first PID of a PID file, or undefined when it is missing or holds no PID. */
export async function readPidFile(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
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
export async function isOurHAProxy(pid: number, configFile: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return isHAProxyFor(cmdline.split('\0'), configFile);
  } catch {
    return false;
  }
}

/** The PID in `pidFile` if it is our running HAProxy master, else undefined. */
export async function runningMaster(
  pidFile: string,
  configFile: string,
): Promise<number | undefined> {
  const pid = await readPidFile(pidFile);
  return pid !== undefined && (await isOurHAProxy(pid, configFile)) ? pid : undefined;
}
