import { InternalError, printable, SerialQueue } from '@lighthouse/core';
import { unsafeForSocket } from './commands.js';
import { oneShot } from './one-shot.js';
import { PromptSession } from './prompt-session.js';
import { RuntimeConnectionError } from './errors.js';

/**
 * The admin-socket transport: a persistent prompt session, reconnected when HAProxy closed it
 * (idle `stats timeout`, reload), with one connection per command as the fallback when the
 * session cannot be (re)established. Commands are batched into `;`-joined lines that stay under
 * HAProxy's request buffer (`tune.bufsize`, 16 KB by default).
 *
 * The session is kept while it is used and closed after `idleMs` without a command: a deploy's
 * burst of syncs shares one connection (opening one per sync was an eighth of a fleet writer's
 * CPU), and an idle writer holds none. Held across a reload someone else did, it would keep the
 * replaced worker alive and talking: RuntimeApi notices that worker says it is stopping.
 */

/** Options of {@link AdminSocket}. */
export interface AdminSocketOptions {
  /** Deadline of every exchange. Default 5 s. */
  timeoutMs?: number;
  /** Longest `;`-joined line sent at once. Default 8 KB: half of the default tune.bufsize. */
  maxLineBytes?: number;
  /** The session is closed after this long without a command. Default 1 s. */
  idleMs?: number;
}

/** Splits commands into `;`-joined lines of at most `maxBytes` (a longer command goes alone). */
export function batchLines(commands: readonly string[], maxBytes: number): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let size = 0;
  for (const command of commands) {
    const bytes = Buffer.byteLength(command) + 1;
    if (batch.length > 0 && size + bytes > maxBytes) {
      batches.push(batch);
      batch = [];
      size = 0;
    }
    batch.push(command);
    size += bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The admin socket: `run` returns one raw reply per command, in order. */
export class AdminSocket {
  private readonly session: PromptSession;
  private readonly timeoutMs: number;
  private readonly maxLineBytes: number;
  private readonly idleMs: number;
  private readonly queue = new SerialQueue();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly socketPath: string,
    options: AdminSocketOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxLineBytes = options.maxLineBytes ?? 8_192;
    this.idleMs = options.idleMs ?? 1_000;
    this.session = new PromptSession(socketPath, this.timeoutMs);
  }

  /**
   * Runs `commands` in order (serialized with every other call) and returns their replies. A
   * command holding `;` or a control character is refused before anything is written: it would
   * run more commands than asked for (see {@link unsafeForSocket}).
   */
  run(commands: readonly string[]): Promise<string[]> {
    const unsafe = commands.find((command) => unsafeForSocket(command, true));
    if (unsafe !== undefined) {
      const shown = printable(unsafe, 80);
      return Promise.reject(
        new InternalError(
          `refusing to send "${shown}" to HAProxy: it holds ";" or a control character`,
        ),
      );
    }
    return this.queue.run(() => this.runNow(commands));
  }

  /** Drops the session: after a reload it would still talk to the old worker. */
  reset(): void {
    clearTimeout(this.idleTimer);
    this.session.close();
  }

  private async runNow(commands: readonly string[]): Promise<string[]> {
    clearTimeout(this.idleTimer);
    try {
      const replies: string[] = [];
      for (const batch of batchLines(commands, this.maxLineBytes)) {
        replies.push(...(await this.runBatch(batch)));
      }
      return replies;
    } finally {
      this.idleTimer = setTimeout(() => this.session.close(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  /**
   * A batch on the session; if the session breaks, once more on a new session, then command by
   * command on one-shot connections. A command may then run twice (its first reply was lost):
   * the planner's commands are idempotent or refused harmlessly the second time. A timeout is
   * not retried: HAProxy is there but stuck, and every retry would wait as long again.
   */
  private async runBatch(batch: readonly string[]): Promise<string[]> {
    const line = batch.join(';');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        return await this.session.exchange(line, batch.length);
      } catch (error) {
        if (!(error instanceof RuntimeConnectionError) || error.timedOut) throw error;
      }
    }
    const replies: string[] = [];
    for (const command of batch)
      replies.push(await oneShot(this.socketPath, command, this.timeoutMs));
    return replies;
  }
}
