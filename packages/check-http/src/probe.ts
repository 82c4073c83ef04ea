import http from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import type { CheckResult, CheckTarget } from '@lighthouse/core';
import { requestFailureReason, statusReason, timeoutReason } from './failure-reason.js';
import type { Phase } from './failure-reason.js';
import type { HttpCheckConfig } from './schema.js';

/** Body bytes kept from a failing response for its reason; the rest is never downloaded. */
const BODY_SNIPPET_BYTES = 512;

const USER_AGENT = 'lighthouse-http-check';

/** The default Host header, `host:port` (IPv6 literals bracketed), as lighthouse 1.0 sent it. */
export function defaultHostHeader(target: CheckTarget): string {
  return `${isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`;
}

/**
 * Sends one request on a fresh connection and answers whether the status is 2xx. Never rejects:
 * every failure (refused, reset, not HTTP, TLS, timeout via `signal`) becomes `{ok: false, reason}`.
 */
export function probeHttp(
  config: HttpCheckConfig,
  target: CheckTarget,
  signal: AbortSignal,
): Promise<CheckResult> {
  if (signal.aborted) return Promise.resolve({ ok: false, reason: 'timed out before connecting' });
  return new Promise((resolve) => {
    const options: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method: config.method,
      path: config.uri,
      // A fresh connection per check, so a half-dead keep-alive socket cannot mask a failure.
      agent: false,
      headers: {
        Host: config.host ?? defaultHostHeader(target),
        Connection: 'close',
        'User-Agent': USER_AGENT,
      },
      // Node derives the TLS server name (SNI) from the Host header, so `host` also selects it.
      rejectUnauthorized: config.insecure !== true,
    };
    const request = config.https === true ? https.request(options) : http.request(options);
    let phase: Phase = 'connecting';
    // What to report if the signal aborts now; replaced once a failing status is known.
    let outcome = (): CheckResult => ({ ok: false, reason: timeoutReason(phase) });

    // Idempotent: destroying the request re-enters through its 'error'/'close' events.
    const finish = (result: CheckResult): void => {
      signal.removeEventListener('abort', onAbort);
      request.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish(outcome());
    signal.addEventListener('abort', onAbort, { once: true });

    request.on('socket', (socket) => {
      socket.once('connect', () => (phase = config.https === true ? 'tls' : 'response'));
      socket.once('secureConnect', () => (phase = 'response'));
    });
    request.on('error', (error) =>
      finish(
        phase === 'body' ? outcome() : { ok: false, reason: requestFailureReason(error, phase) },
      ),
    );
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) return finish({ ok: true });
      phase = 'body';
      const chunks: Buffer[] = [];
      let size = 0;
      outcome = () => ({
        ok: false,
        reason: statusReason(status, response.headers.location, Buffer.concat(chunks)),
      });
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= BODY_SNIPPET_BYTES) finish(outcome());
      });
      response.on('error', () => finish(outcome()));
      response.on('end', () => finish(outcome()));
    });
    request.end();
  });
}
