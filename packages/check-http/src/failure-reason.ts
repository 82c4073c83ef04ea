import { describeError, networkFailureReason, printable } from '@lighthouse/core';

/** How far a request got; a timeout or error reason says where it stopped. */
export type Phase = 'connecting' | 'tls' | 'response' | 'body';

const WAITING: Record<Phase, string> = {
  connecting: 'while connecting',
  tls: 'during the TLS handshake',
  response: 'waiting for the response',
  body: 'reading the response body',
};

/** The reason for a check the engine's timeout aborted in `phase`. */
export function timeoutReason(phase: Phase): string {
  return `timed out ${WAITING[phase]}`;
}

/** The reason for a request that failed before any response arrived. */
export function requestFailureReason(error: unknown, phase: Phase): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  // Node's parser codes (HPE_INVALID_CONSTANT…) mean the peer spoke something other than HTTP.
  if (typeof code === 'string' && code.startsWith('HPE_')) {
    return `not an HTTP response (${describeError(error)})`;
  }
  if (phase === 'tls') return `TLS handshake failed: ${networkFailureReason(error)}`;
  // Node reports a clean close before any response as ECONNRESET "socket hang up" (no errno).
  if (code === 'ECONNRESET' && describeError(error) === 'socket hang up') {
    return 'connection closed before a response';
  }
  return networkFailureReason(error);
}

/**
 * The reason for a non-2xx response. The first line of the body goes in too: a hacheck-style
 * endpoint explains a 503 there ("Service web in down state"), which is what an operator needs.
 */
export function statusReason(status: number, location: string | undefined, body: Buffer): string {
  if (status >= 300 && status < 400) {
    const target = location === undefined ? '' : ` to "${printable(location)}"`;
    return `HTTP ${status} redirect${target} (redirects are not followed)`;
  }
  const firstLine = body.toString('utf8').split('\n', 1)[0]?.trim() ?? '';
  return firstLine === '' ? `HTTP ${status}` : `HTTP ${status}: ${printable(firstLine, 100)}`;
}
