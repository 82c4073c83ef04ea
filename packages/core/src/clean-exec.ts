import { existsSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Closes every inherited descriptor above stderr, then execs `"$@"`. Run by bash: POSIX sh cannot
 * close descriptors above 9, and bash's `{fd}>&-` closes the one whose number `fd` holds without
 * an `eval` (closing one already closed, such as the listing's own, is no error).
 */
const CLOSE_AND_EXEC =
  'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && exec {fd}>&-; done; exec "$@"';

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
 * The command line that runs `binary args` with only stdin, stdout and stderr open, in `env`
 * (default this process's environment): pass it to
 * `spawn(command.file, command.args, { env: command.env, … })`. The process ID is the binary's
 * (bash execs it), so it can be signalled and waited for as usual.
 *
 * Why: Node marks its own descriptors close-on-exec, but native addons do not. The ZooKeeper C
 * client's socket is inherited by every child, and a long-lived child holding it keeps the dead
 * connection in this process's epoll after a ZooKeeper outage: the descriptor number is reused by
 * the client's next socket, epoll keeps reporting the old one readable, and the client either
 * spins without reconnecting or, in the `zookeeper` binding, gives up as if its session expired —
 * and so does every new session while the child lives. Any plugin or host that starts a
 * long-lived child next to a native addon should start it this way.
 *
 * Without bash or /proc (not Linux), it is a plain exec. `BASH_ENV` is dropped so no startup file
 * runs. A binary bash cannot run makes the wrapper exit with a status in {@link NOT_EXECUTED}.
 */
export function cleanExec(
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): CleanCommand {
  if (!existsSync(BASH) || !existsSync('/proc/self/fd')) {
    return { file: binary, args: [...args], env };
  }
  return {
    file: BASH,
    args: ['--norc', '--noprofile', '-c', CLOSE_AND_EXEC, basename(binary), binary, ...args],
    env: { ...env, BASH_ENV: undefined, ENV: undefined },
  };
}
