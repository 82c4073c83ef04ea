import { printable, probeConnection } from '@lighthouse/core';
import type { CheckResult, CheckTarget } from '@lighthouse/core';

/** Reply bytes buffered while waiting for a newline; a status line is never this long. */
export const MAX_REPLY_BYTES = 64 * 1024;

/** What to send after connecting, and the line that must come back. */
export interface LineExchange {
  query: string;
  /** Already normalised by {@link expectedLine}. */
  response: string;
}

/**
 * Normalises a configured `response`: one trailing "\r\n", "\n" or "\r" is dropped, because the
 * received line is compared without its line ending (and 1.0 users wrote `"+PONG\r"`).
 */
export function expectedLine(response: string): string {
  return response.replace(/\r?\n$|\r$/, '');
}

/** Compares the received line (one trailing "\r" dropped) with the expected one. */
function verdict(received: Buffer, expected: string): CheckResult {
  const line = received.toString('utf8').replace(/\r$/, '');
  if (line === expected) return { ok: true };
  return { ok: false, reason: `expected "${printable(expected)}", got "${printable(line)}"` };
}

/**
 * Connects to `target`; without an exchange a successful connect is healthy. With one, sends the
 * query and compares the first reply line, or everything received if the peer closes before a
 * newline (ZooKeeper's `ruok` -> `imok`, then close). Event-driven, so a close without a newline
 * ends the check instead of spinning like lighthouse 1.0 did. Never rejects.
 */
export function probeTcp(
  target: CheckTarget,
  exchange: LineExchange | undefined,
  signal: AbortSignal,
): Promise<CheckResult> {
  return probeConnection(target, signal, ({ socket, finish, waiting }) => {
    if (exchange === undefined) return finish({ ok: true });
    waiting('waiting for the reply');
    const chunks: Buffer[] = [];
    let size = 0;
    socket.on('data', (chunk: Buffer) => {
      const newline = chunk.indexOf(0x0a);
      if (newline !== -1) {
        chunks.push(chunk.subarray(0, newline));
        return finish(verdict(Buffer.concat(chunks), exchange.response));
      }
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) {
        finish({ ok: false, reason: `reply exceeds ${MAX_REPLY_BYTES} bytes without a newline` });
      }
    });
    socket.once('end', () =>
      finish(
        size === 0
          ? { ok: false, reason: 'connection closed without a reply' }
          : verdict(Buffer.concat(chunks), exchange.response),
      ),
    );
    socket.write(exchange.query);
  });
}
