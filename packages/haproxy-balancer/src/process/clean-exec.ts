import { existsSync } from 'node:fs';

/**
 * Closes every inherited descriptor above stderr, then execs `"$@"`. Run by bash because POSIX
 * sh cannot close descriptors above 9.
 */
const CLOSE_AND_EXEC =
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@"';

const BASH = '/bin/bash';

/**
 * The command line that runs `binary args` with only stdin, stdout and stderr open. Node marks
 * its own descriptors close-on-exec, but native addons do not: the ZooKeeper C client's socket
 * is inherited by every child. A daemonized HAProxy would hold that socket for its whole life;
 * this process's epoll then keeps reporting the dead connection after a ZooKeeper outage, and the
 * client spins without ever reconnecting (the writer lost ZooKeeper for good). Falls back to a
 * plain exec where there is no bash.
 */
export function cleanExec(
  binary: string,
  args: readonly string[],
): { file: string; args: string[] } {
  if (!existsSync(BASH)) return { file: binary, args: [...args] };
  return { file: BASH, args: ['-c', CLOSE_AND_EXEC, 'haproxy', binary, ...args] };
}
