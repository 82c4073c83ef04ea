import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { cleanExec } from '@lighthouse/core';

/** Where and how {@link spawnClean} runs the command. */
export interface CleanSpawnOptions {
  cwd?: string;
  /** The child's environment (default this process's). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-lived child (ZooKeeper, HAProxy, Redis, a lighthouse daemon, a demo app) with
 * only stdin (ignored), stdout and stderr (piped: read or resume them) inherited. A test process
 * holds ZooKeeper client sockets, which the native addon leaves inheritable; a child started
 * while one is open would keep it, and after the next ZooKeeper restart or outage the test's
 * client sees the dead connection for as long as the child lives (see `cleanExec` in
 * `@lighthouse/core`). The child's PID is the command's. A binary that cannot be run exits with
 * a status in `NOT_EXECUTED` instead of emitting ENOENT.
 */
export function spawnClean(
  binary: string,
  args: readonly string[],
  options: CleanSpawnOptions = {},
): ChildProcessByStdio<null, Readable, Readable> {
  const command = cleanExec(binary, args, options.env);
  return spawn(command.file, command.args, {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: command.env,
  });
}
