import { existsSync } from 'node:fs';

/**
 * Closes every inherited descriptor above stderr, then execs `"$@"`. Run by bash because POSIX
 * sh cannot close descriptors above 9.
 */
const CLOSE_AND_EXEC =
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@"';

const BASH = '/bin/bash';

/** Exit statuses of the wrapper when the binary itself could not be run (missing, not executable). */
export const NOT_EXECUTED: ReadonlySet<number> = new Set([126, 127]);

/** How to spawn a command so that the child inherits only stdin, stdout and stderr. */
export interface CleanCommand {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * The command line that runs `binary args` with only stdin, stdout and stderr open. Node marks
 * its own descriptors close-on-exec, but native addons do not: the ZooKeeper C client's socket
 * is inherited by every child. A daemonized HAProxy would hold that socket for its whole life;
 * this process's epoll then keeps reporting the dead connection after a ZooKeeper outage, and the
 * client spins without ever reconnecting (the writer lost ZooKeeper for good). Without bash or
 * /proc (not Linux), it is a plain exec. `BASH_ENV` is dropped so no startup file runs.
 * A binary bash cannot run makes the wrapper exit with a status in {@link NOT_EXECUTED}.
 */
export function cleanExec(binary: string, args: readonly string[]): CleanCommand {
  const env = { ...process.env, BASH_ENV: undefined, ENV: undefined };
  if (!existsSync(BASH) || !existsSync('/proc/self/fd')) {
    return { file: binary, args: [...args], env: process.env };
  }
  return {
    file: BASH,
    args: ['--norc', '--noprofile', '-c', CLOSE_AND_EXEC, 'haproxy', binary, ...args],
    env,
  };
}
