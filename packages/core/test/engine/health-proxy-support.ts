import { request } from 'node:http';
import type { Agent, IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { PortHealth } from '../../src/engine/health-proxy.js';

/** Helpers of the health proxy tests: sample ports and plain HTTP/TCP clients with no retries. */

/** A healthy, registered port with one passing check. */
export function healthyPort(service: string, port: number): PortHealth {
  return {
    service,
    port,
    healthy: true,
    registered: true,
    checks: [{ name: 'http', passing: true, last: { ok: true, at: Date.UTC(2026, 0, 1) } }],
  };
}

/** The same port failing its only check with `reason`. */
export function failingPort(service: string, port: number, reason: string): PortHealth {
  return {
    service,
    port,
    healthy: false,
    reason,
    registered: false,
    checks: [
      { name: 'http', passing: false, last: { ok: false, reason, at: Date.UTC(2026, 0, 1) } },
    ],
  };
}

/** One answer as the client saw it. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request with node:http (no keep-alive unless an agent is given). */
export function send(
  port: number,
  path: string,
  options: { method?: string; agent?: Agent; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: options.headers,
        timeout: 5_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${path}: request timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Writes `text` on a raw TCP connection and returns everything the server sent until it closed
 * (or `''` when the connection was refused or reset: a clean refusal is a valid outcome).
 */
export function rawExchange(port: number, text: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(text));
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

/** The status code of a raw HTTP response (`0` when there was none). */
export function rawStatus(response: string): number {
  const match = /^HTTP\/1\.[01] (\d{3}) /.exec(response);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}
