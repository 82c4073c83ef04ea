/**
 * A scripted pass: records when each pass starts and how many overlap; fails while `failures`
 * holds errors; in manual mode each pass waits for `release()`.
 */
export class Passes {
  started: number[] = [];
  active = 0;
  maxActive = 0;
  manual = false;
  failures: Error[] = [];
  private gates: (() => void)[] = [];
  private readonly t0 = Date.now();

  readonly pass = async (): Promise<void> => {
    this.started.push(Date.now() - this.t0);
    this.maxActive = Math.max(this.maxActive, ++this.active);
    try {
      if (this.manual) await new Promise<void>((resolve) => this.gates.push(resolve));
      const failure = this.failures.shift();
      if (failure !== undefined) throw failure;
    } finally {
      this.active--;
    }
  };

  get count(): number {
    return this.started.length;
  }

  /** Lets the oldest waiting pass finish (then succeeds, or fails if a failure is queued). */
  release(): void {
    const release = this.gates.shift();
    if (release === undefined) throw new Error('no pass is waiting');
    release();
  }

  /** Lets every waiting pass finish, now and from now on (for cleaning up). */
  releaseAll(): void {
    this.manual = false;
    for (const release of this.gates.splice(0)) release();
  }
}
