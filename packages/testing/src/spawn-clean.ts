import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { cleanExec } from '@lighthouse/core';

/**
 * Starts a long-lived server (ZooKeeper, HAProxy, Redis) with only stdin, stdout and stderr
 * inherited. A test process holds ZooKeeper client sockets, which the native addon leaves
 * inheritable; a server started while one is open would keep it, and after that server restarts
 * the test's client sees the dead connection forever (see `cleanExec` in `@lighthouse/core`).
 * The child's PID is the server's. A binary that cannot be run exits with a status in
 * `NOT_EXECUTED` instead of emitting ENOENT.
 */
export function spawnClean(
  binary: string,
  args: readonly string[],
): ChildProcessByStdio<null, Readable, Readable> {
  const command = cleanExec(binary, args);
  return spawn(command.file, command.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: command.env,
  });
}
