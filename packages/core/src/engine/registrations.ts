import { isDeepStrictEqual } from 'node:util';
import type { Discovery, Registration } from '../contracts/discovery.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { nodeName } from '../model/node.js';
import { Backoff } from '../backoff.js';

interface Wanted {
  discovery: string;
  registration: Registration;
}

/**
 * Converges discovery to the reporter's desired registrations. The reporter only says what it
 * wants (`want`/`unwant`); this loop calls `register`/`deregister` for the difference, one pass at a
 * time, and retries failures with back-off. Discovery plugins re-create registrations after a
 * session loss on their own; `forget(discovery)` covers a replaced discovery instance.
 */
export class RegistrationReconciler {
  private readonly desired = new Map<string, Wanted>();
  private readonly applied = new Map<string, Wanted>();
  private pass: Promise<void> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff(200, 5_000);
  private stopped = false;

  constructor(
    private readonly discoveryFor: (name: string) => Discovery | undefined,
    private readonly logger: Logger,
  ) {}

  want(key: string, discovery: string, registration: Registration): void {
    this.desired.set(key, { discovery, registration });
    this.kick();
  }

  unwant(key: string): void {
    if (this.desired.delete(key)) this.kick();
  }

  isRegistered(key: string): boolean {
    const applied = this.applied.get(key);
    return applied !== undefined && isDeepStrictEqual(applied, this.desired.get(key));
  }

  /** The discovery instance was replaced: everything it held must be registered again. */
  forget(discovery: string): void {
    for (const [key, wanted] of this.applied)
      if (wanted.discovery === discovery) this.applied.delete(key);
    this.kick();
  }

  /**
   * Waits (up to `timeoutMs`) until everything wanted on `discovery` is registered: a replaced
   * discovery instance is closed only after its successor holds the registrations.
   */
  async settled(discovery: string, timeoutMs: number): Promise<boolean> {
    const done = () =>
      [...this.desired].every(
        ([key, wanted]) => wanted.discovery !== discovery || this.isRegistered(key),
      );
    return this.until(done, timeoutMs);
  }

  /** Wants nothing any more and waits (up to `timeoutMs`) until discovery agrees. */
  async drain(timeoutMs: number): Promise<void> {
    this.desired.clear();
    this.kick();
    await this.until(() => this.applied.size === 0, timeoutMs);
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** Polls `condition` after each reconcile pass (or every 50 ms) until it holds or time is up. */
  private async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // A pass can hang on a slow discovery call; never wait past the deadline for it.
      const tick = new Promise((resolve) => setTimeout(resolve, Math.min(50, left)));
      await (this.pass === undefined ? tick : Promise.race([this.pass, tick]));
    }
    return true;
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.pass !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.retry);
    this.pass = this.reconcile().finally(() => {
      this.pass = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async reconcile(): Promise<void> {
    let failed = false;
    for (const [key, applied] of [...this.applied]) {
      const wanted = this.desired.get(key);
      if (wanted !== undefined && wanted.discovery === applied.discovery) continue;
      if (!(await this.call('deregister', applied))) failed = true;
      else this.applied.delete(key);
    }
    for (const [key, wanted] of [...this.desired]) {
      if (isDeepStrictEqual(this.applied.get(key), wanted)) continue;
      if (!(await this.call('register', wanted))) failed = true;
      else this.applied.set(key, wanted);
    }
    if (failed && !this.stopped) {
      const delay = this.backoff.next();
      this.retry = setTimeout(() => this.kick(), delay);
    } else this.backoff.reset();
  }

  private async call(action: 'register' | 'deregister', wanted: Wanted): Promise<boolean> {
    const { registration } = wanted;
    const fields = {
      discovery: wanted.discovery,
      service: registration.service,
      node: nodeName(registration.node),
    };
    const discovery = this.discoveryFor(wanted.discovery);
    if (discovery === undefined) {
      // A deregistration without a discovery has nothing left to undo; a registration waits.
      return action === 'deregister';
    }
    try {
      await discovery[action](registration);
      if (this.discoveryFor(wanted.discovery) !== discovery) {
        // The instance was replaced while the call ran: what it did there does not count, and
        // the next pass repeats it on the successor.
        return false;
      }
      this.logger.info(action === 'register' ? 'registered' : 'deregistered', fields);
      return true;
    } catch (error) {
      this.logger.warn(`${action} failed, will retry`, { ...fields, error: describeError(error) });
      return false;
    }
  }
}
