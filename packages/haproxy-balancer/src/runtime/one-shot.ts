import { createConnection } from 'node:net';
import { RuntimeConnectionError } from './errors.js';

/**
 * One CLI exchange on a fresh connection: write `line`, read until HAProxy closes. This is the
 * non-interactive mode of the admin socket and of the master CLI (where a `;quit` must end the
 * line, since 2.6's master keeps the connection open otherwise). HAProxy answers every command
 * with at least a newline, so a connection closed without a byte is an error, unless
 * `allowEmpty` (the master's `reload` answers nothing).
 */
export function oneShot(
  socketPath: string,
  line: string,
  timeoutMs: number,
  allowEmpty = false,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new RuntimeConnectionError(socketPath, `no answer within ${timeoutMs} ms`, {
          timedOut: true,
        }),
      );
    }, timeoutMs);
    socket.on('connect', () => socket.end(`${line}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new RuntimeConnectionError(socketPath, error.code ?? error.message, { cause: error }));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const reply = Buffer.concat(chunks).toString('utf8');
      if (reply === '' && !allowEmpty) {
        reject(new RuntimeConnectionError(socketPath, 'connection closed without an answer'));
      } else {
        resolve(reply);
      }
    });
  });
}
