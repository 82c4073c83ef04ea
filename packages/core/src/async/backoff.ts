/**
 * Capped exponential back-off with jitter, for every retry loop in the engines. The cap is a few
 * seconds, never the hour kazoo allowed lighthouse 1.0 (bug B11): a reconnect that comes late
 * turns a short outage into an expired session.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 5_000,
  ) {}

  /** The delay before the next attempt: doubles each time, ±20 % jitter, capped. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  reset(): void {
    this.attempt = 0;
  }
}
