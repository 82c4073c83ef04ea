/**
 * Capped exponential delay for the plugin's own retry loops (a reopened session, a registration or
 * a cluster read that failed while connected). The cap is seconds, never kazoo's hour (1.0 bug
 * B11): a late retry turns a short outage into an expired session or a stale cluster.
 */
export function backoffDelay(attempt: number, initialMs = 100, maxMs = 5_000): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}
