/**
 * Rise/fall hysteresis for one check, as lighthouse 1.0 and HAProxy define it: a check becomes
 * passing after `rise` consecutive successes and stops passing after `fall` consecutive failures.
 * Unlike 1.0, changing rise/fall keeps the current verdict (1.0 rebuilt the check and drained a
 * healthy node whenever its service file was touched, bug B16).
 */
export class RiseFall {
  private streak = 0;
  private streakPasses = false;

  constructor(
    private rise: number,
    private fall: number,
    /** The starting verdict: false for a new check, the port's verdict for a check added later. */
    private passingNow = false,
  ) {}

  /** True while the check counts as passing. */
  get passing(): boolean {
    return this.passingNow;
  }

  /** Records one result and returns whether the verdict changed. */
  record(ok: boolean): boolean {
    if (ok === this.streakPasses) this.streak += 1;
    else {
      this.streakPasses = ok;
      this.streak = 1;
    }
    const before = this.passingNow;
    if (!this.passingNow && this.streakPasses && this.streak >= this.rise) this.passingNow = true;
    if (this.passingNow && !this.streakPasses && this.streak >= this.fall) this.passingNow = false;
    return before !== this.passingNow;
  }

  /** Applies new thresholds; the verdict and the current streak carry over. */
  retune(rise: number, fall: number): void {
    this.rise = rise;
    this.fall = fall;
  }

  /** The consecutive results so far, for status output: e.g. `{ passes: true, count: 3 }`. */
  get current(): { passes: boolean; count: number } {
    return { passes: this.streakPasses, count: this.streak };
  }
}
