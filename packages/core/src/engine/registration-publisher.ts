import { isDeepStrictEqual } from 'node:util';
import type { Discovery, Registration } from '../contracts/discovery.js';
import { describeError } from '../errors.js';
import { debugFor } from '../log.js';
import type { Logger } from '../log.js';
import { compareText, nodeName } from '../model/node.js';
import { PassLoop } from '../async/pass-loop.js';

const trace = debugFor('core:engine:registrations');

/** What one discovery instance last confirmed holding: registration key → registration. */
interface Confirmed {
  instance: Discovery;
  registrations: ReadonlyMap<string, Registration>;
  /**
   * A later publish to the instance failed: the plugin now converges to *that* set, so even a
   * desired set equal to `registrations` must be published again.
   */
  superseded: boolean;
}

/**
 * The reporter's desired registrations, published to each discovery as one set. The reporter says
 * what it wants per (service, port) key; a pass publishes every discovery's complete set whose
 * instance has not confirmed it yet, and a failed pass is retried with back-off. There is no
 * second reconciler below: the plugin converges its backend to the latest set on its own, and a
 * replaced discovery instance simply has confirmed nothing yet.
 */
export class RegistrationPublisher {
  private readonly desired = new Map<string, { discovery: string; registration: Registration }>();
  private readonly confirmed = new Map<string, Confirmed>();
  /** Every discovery with an instance: each is published to, even an empty set. */
  private readonly discoveries = new Set<string>();
  private readonly loop: PassLoop;
  /** The reason of the last failed pass, until a pass succeeds. */
  private lastFailure: string | undefined;

  constructor(
    private readonly discoveryFor: (name: string) => Discovery | undefined,
    private readonly logger: Logger,
    /** Called after every pass, successful or not: what is confirmed may have changed. */
    private readonly afterPass: () => void = () => undefined,
  ) {
    this.loop = new PassLoop({
      pass: () => this.publishAll().finally(() => this.afterPass()),
      backoff: { initialMs: 200, maxMs: 5_000 },
      onFailure: (error, retryMs) => this.failed(describeError(error), retryMs),
    });
  }

  /**
   * A failed pass is logged when its reason is new; the same reason again (ZooKeeper still
   * unreachable, retried with back-off) only under `DEBUG`, so an outage is one warning, not one
   * per retry. The discovery pool logs the connection attempts themselves.
   */
  private failed(reason: string, retryMs: number): void {
    if (reason === this.lastFailure) trace('still failing (retry in %d ms): %s', retryMs, reason);
    else
      this.logger.warn('publishing registrations failed, will retry', {
        error: reason,
        retry_ms: retryMs,
      });
    this.lastFailure = reason;
  }

  want(key: string, discovery: string, registration: Registration): void {
    const current = this.desired.get(key);
    if (current?.discovery === discovery && isDeepStrictEqual(current.registration, registration))
      return;
    this.desired.set(key, { discovery, registration });
    this.loop.request();
  }

  unwant(key: string): void {
    if (this.desired.delete(key)) this.loop.request();
  }

  /** Whether the registration wanted under `key` is confirmed by its discovery's current instance. */
  isRegistered(key: string): boolean {
    const wanted = this.desired.get(key);
    if (wanted === undefined) return false;
    const confirmed = this.current(wanted.discovery);
    return isDeepStrictEqual(confirmed?.registrations.get(key), wanted.registration);
  }

  /** A discovery instance appeared: publish to it soon, cutting a back-off short. */
  refresh(discovery: string): void {
    this.discoveries.add(discovery);
    this.loop.retryNow();
  }

  /**
   * A discovery instance became active or connected: publish to it now, cutting a back-off short,
   * and wait (up to `timeoutMs`) until it holds this daemon's set. A replaced instance is closed
   * only after its successor confirmed, so the registrations never disappear in between.
   */
  async handOver(discovery: string, timeoutMs: number): Promise<boolean> {
    this.refresh(discovery);
    return this.until(() => this.current(discovery) !== undefined, timeoutMs);
  }

  /** Wants nothing any more, waits (up to `timeoutMs`) until discovery agrees, then stops. */
  async drain(timeoutMs: number): Promise<void> {
    this.desired.clear();
    this.loop.retryNow();
    await this.until(
      () =>
        [...this.discoveries].every(
          (name) =>
            this.discoveryFor(name) === undefined || this.current(name)?.registrations.size === 0,
        ),
      timeoutMs,
    );
    await this.loop.stop();
  }

  /** What the current instance of `discovery` confirmed, if it is still the current one. */
  private current(discovery: string): Confirmed | undefined {
    const confirmed = this.confirmed.get(discovery);
    return confirmed !== undefined && confirmed.instance === this.discoveryFor(discovery)
      ? confirmed
      : undefined;
  }

  /**
   * Waits until `condition` holds, looking again after each successful pass (the loop retries
   * failed ones by itself) and every 50 ms, or until `timeoutMs` is up: a hung pass cannot stall it.
   */
  private async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    // One waiter for the next successful pass at a time (a new one only after it came), not one
    // per 50 ms tick; a stopped loop rejects it, which only ends the wait early.
    const nextSuccess = () =>
      this.loop.settled().then(
        () => 'pass' as const,
        () => 'pass' as const,
      );
    let pass = nextSuccess();
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>(
        (resolve) => (timer = setTimeout(() => resolve('tick'), Math.min(50, left))),
      );
      const winner = await Promise.race([pass, tick]).finally(() => clearTimeout(timer));
      if (winner === 'pass') pass = nextSuccess();
    }
    return true;
  }

  /** One pass: every discovery whose current instance has not confirmed its set gets it. */
  private async publishAll(): Promise<void> {
    const names = new Set(this.discoveries);
    for (const wanted of this.desired.values()) names.add(wanted.discovery);
    const failures: string[] = [];
    await Promise.all(
      [...names].map(async (name) => {
        try {
          await this.publishTo(name);
        } catch (error) {
          failures.push(`${name}: ${describeError(error)}`);
        }
      }),
    );
    if (failures.length > 0) throw new Error(failures.sort(compareText).join('; '));
    if (this.lastFailure !== undefined) this.logger.info('publishing registrations works again');
    this.lastFailure = undefined;
  }

  private async publishTo(name: string): Promise<void> {
    const instance = this.discoveryFor(name);
    if (instance === undefined) {
      // Removed, or not created (yet): nothing can be registered there, nothing stays confirmed.
      this.discoveries.delete(name);
      this.confirmed.delete(name);
      return;
    }
    const registrations = new Map(
      [...this.desired]
        .filter(([, wanted]) => wanted.discovery === name)
        .map(([key, wanted]) => [key, wanted.registration] as const),
    );
    const before = this.confirmed.get(name);
    const same = before?.instance === instance;
    if (same && !before.superseded && isDeepStrictEqual(before.registrations, registrations))
      return;
    try {
      await instance.publish([...registrations.values()]);
    } catch (error) {
      if (same) before.superseded = true;
      throw error;
    }
    // Replaced while publishing: the successor has confirmed nothing, and the next pass publishes.
    if (this.discoveryFor(name) !== instance) return;
    this.confirmed.set(name, { instance, registrations, superseded: false });
    this.logChanges(name, same ? before.registrations : new Map(), registrations);
  }

  private logChanges(
    discovery: string,
    before: ReadonlyMap<string, Registration>,
    after: ReadonlyMap<string, Registration>,
  ): void {
    const fields = ({ service, node }: Registration) => ({
      discovery,
      service,
      node: nodeName(node),
    });
    for (const [key, registration] of before)
      if (!after.has(key)) this.logger.info('deregistered', fields(registration));
    for (const [key, registration] of after)
      if (!isDeepStrictEqual(before.get(key), registration))
        this.logger.info('registered', fields(registration));
  }
}
