import net from 'node:net';
import type { Socket } from 'node:net';
import type { CheckResult, CheckTarget } from './contracts/check.js';
import { networkFailureReason } from './errors.js';

/** One check run's TCP connection, handed to the code that drives the exchange. */
export interface ProbeConnection {
  socket: Socket;
  /** Settles the run with `result` and destroys the socket; later calls are ignored. */
  finish(result: CheckResult): void;
  /** Names what the run waits for now, for the timeout reason ("timed out <phase>"). */
  waiting(phase: string): void;
}

/**
 * Opens a fresh TCP connection to `target` for one check run and resolves with its outcome. The
 * skeleton every socket-speaking check needs: an abort of `signal` (the engine's timeout) ends the
 * run as "timed out <phase>", a socket error as the system's own words ("connection refused"),
 * and `onConnect` drives the exchange and calls `finish`. Never rejects.
 */
export function probeConnection(
  target: CheckTarget,
  signal: AbortSignal,
  onConnect: (connection: ProbeConnection) => void,
): Promise<CheckResult> {
  if (signal.aborted) return Promise.resolve({ ok: false, reason: 'timed out before connecting' });
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let phase = 'while connecting';
    // Idempotent: destroying the socket may re-enter through its 'error' event.
    const finish = (result: CheckResult): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, reason: `timed out ${phase}` });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => finish({ ok: false, reason: networkFailureReason(error) }));
    socket.once('connect', () =>
      onConnect({
        socket,
        finish,
        waiting: (next) => {
          phase = next;
        },
      }),
    );
  });
}
