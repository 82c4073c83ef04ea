import type { Discovery, Registration } from '../../src/contracts/discovery.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

/**
 * A discovery instance that records every set it is asked to publish. `failing` makes publish
 * reject; `slow` makes each publish wait for `finish()`.
 */
export class FakeDiscovery implements Discovery {
  readonly published: Registration[][] = [];
  failing: Error | undefined;
  slow = false;
  private readonly pending: ReturnType<typeof deferred>[] = [];

  async connect(): Promise<void> {}
  async close(): Promise<void> {}
  async watch(): Promise<void> {}
  async unwatch(): Promise<void> {}

  async publish(registrations: readonly Registration[]): Promise<void> {
    this.published.push([...registrations]);
    if (this.slow) {
      const gate = deferred();
      this.pending.push(gate);
      await gate.promise;
    }
    if (this.failing !== undefined) throw this.failing;
  }

  /** The set of the latest publish call (what the plugin converges to, per the contract). */
  get last(): Registration[] | undefined {
    return this.published.at(-1);
  }

  /** Lets the oldest slow publish finish (it then fails if `failing` is set). */
  finish(): void {
    const gate = this.pending.shift();
    if (gate === undefined) throw new Error('no publish is waiting');
    gate.resolve();
  }

  finishAll(): void {
    this.slow = false;
    this.failing = undefined;
    for (const gate of this.pending.splice(0)) gate.resolve();
  }
}
