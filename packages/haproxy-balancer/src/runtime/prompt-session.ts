import { createConnection } from 'node:net';
import type { Socket } from 'node:net';
import { RuntimeConnectionError, RuntimeProtocolError } from './errors.js';

/**
 * One persistent interactive (`prompt`) session on HAProxy's admin socket: 3× cheaper per command
 * than a connection per command (0.06 vs 0.2 ms, measured on 2.6.12). In this mode every command
 * of a `;`-joined line ends with its own prompt (`\n> `), which is what lets a batch be split
 * back into one reply per command; the non-interactive mode gives no reliable separator.
 */

/** HAProxy 2.6's interactive prompt, as it follows every command's output. */
const PROMPT = '\n> ';
/** How much of a prompt can end one chunk of output, the rest of it beginning the next. */
const PROMPT_HEAD = PROMPT.length - 1;

interface Pending {
  count: number;
  /** The replies complete so far, collected as they arrive: only the unfinished one is kept. */
  replies: string[];
  resolve: (replies: string[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A prompt session; `exchange` is not reentrant: callers serialize (see AdminSocket). */
export class PromptSession {
  private socket: Socket | undefined;
  /** The output of the reply in progress, chunk by chunk, joined only when a prompt ends it. */
  private chunks: string[] = [];
  /** The last characters of `chunks`, where a prompt split between two chunks begins. */
  private tail = '';
  private pending: Pending | undefined;

  constructor(
    private readonly socketPath: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends `line` (commands joined by `;`) and resolves with the `count` replies; connects first
   * when HAProxy closed the session (it does after `stats timeout` idle, 2 min by default).
   */
  async exchange(line: string, count: number): Promise<string[]> {
    if (this.socket === undefined) await this.open();
    return this.send(`${line}\n`, count);
  }

  /**
   * Closes the session; the next exchange reconnects (after a reload it reaches the new worker).
   * An exchange in progress is rejected: left pending, it would block every later one, since the
   * old socket's events and timer no longer reach it.
   */
  close(): void {
    this.drop('session closed while a command ran');
  }

  private async open(): Promise<void> {
    const socket = createConnection(this.socketPath);
    this.socket = socket;
    // An idle session must not keep the writer (or a test) alive.
    socket.unref();
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(socket, text));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.fail(
        socket,
        new RuntimeConnectionError(this.socketPath, error.code ?? error.message, { cause: error }),
      ),
    );
    socket.on('close', () =>
      this.fail(socket, new RuntimeConnectionError(this.socketPath, 'connection closed')),
    );
    await this.send('prompt\n', 1);
  }

  private send(data: string, count: number): Promise<string[]> {
    const socket = this.socket;
    if (socket === undefined) {
      return Promise.reject(new RuntimeConnectionError(this.socketPath, 'not connected'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.fail(
            socket,
            new RuntimeConnectionError(this.socketPath, `no answer within ${this.timeoutMs} ms`, {
              timedOut: true,
            }),
          ),
        this.timeoutMs,
      );
      this.pending = { count, replies: [], resolve, reject, timer };
      socket.write(data);
    });
  }

  /**
   * Splits the output at prompts. Exactly `count` replies must come, then nothing: anything more
   * (a line that ran more commands than counted, output while nothing was asked) would be read as
   * the next command's reply and shift every reply after it, so the session is dropped instead.
   *
   * Appending each chunk to one string and searching it from the start was quadratic in a large
   * reply (`show servers state` of 10,000 servers: 1.5 MB in 64 KB chunks, 8% of the writer's CPU),
   * and every search flattened the grown string again. So a chunk without a prompt is only kept,
   * and a chunk that ends a reply is joined with the kept ones once: what remains after the split
   * is the unfinished reply, a part of the last chunk, so every byte is joined at most twice.
   */
  private onData(socket: Socket, text: string): void {
    if (this.socket !== socket) return;
    const pending = this.pending;
    if (pending === undefined) {
      this.fail(socket, new RuntimeProtocolError(this.socketPath, 'output while no command ran'));
      return;
    }
    this.chunks.push(text);
    // The prompt may straddle chunks (`\n` | `> `, `\n>` | ` `): its first characters then end the
    // kept output, the only part of it that the new chunk can complete a prompt with.
    const straddling = `${this.tail}${text.slice(0, PROMPT_HEAD)}`;
    if (!text.includes(PROMPT) && !straddling.includes(PROMPT)) {
      // Only the ends are concatenated: `tail + text` would copy the whole chunk to slice it.
      this.tail = `${this.tail}${text.slice(-PROMPT_HEAD)}`.slice(-PROMPT_HEAD);
      return;
    }
    const output = this.chunks.join('');
    let start = 0;
    for (
      let end = output.indexOf(PROMPT);
      end >= 0 && pending.replies.length < pending.count;
      end = output.indexOf(PROMPT, start)
    ) {
      pending.replies.push(output.slice(start, end + 1));
      start = end + PROMPT.length;
    }
    if (pending.replies.length < pending.count) {
      const unfinished = output.slice(start);
      this.chunks = [unfinished];
      this.tail = unfinished.slice(-PROMPT_HEAD);
      return;
    }
    if (start < output.length) {
      const reason = `more replies than the ${pending.count} command(s) sent`;
      this.fail(socket, new RuntimeProtocolError(this.socketPath, reason));
      return;
    }
    this.chunks = [];
    this.tail = '';
    clearTimeout(pending.timer);
    this.pending = undefined;
    pending.resolve(pending.replies);
  }

  /** Drops the session (if `socket` is still it) and rejects the exchange in progress. */
  private fail(socket: Socket, error: Error): void {
    if (this.socket === socket) this.drop(error);
  }

  private drop(error: Error | string): void {
    this.socket?.destroy();
    this.socket = undefined;
    this.chunks = [];
    this.tail = '';
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    // Made only now (a string until then): most closes find no exchange in progress, and an
    // Error's stack trace is not free.
    pending.reject(
      typeof error === 'string' ? new RuntimeConnectionError(this.socketPath, error) : error,
    );
  }
}
