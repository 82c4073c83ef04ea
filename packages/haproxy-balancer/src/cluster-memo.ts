/**
 * Values worked out per cluster (its rendered backend, its runtime traits, its outage-cache
 * entry), kept from one sync to the next while their inputs are the same objects. The writer
 * hands a cluster that discovery and the config did not touch with the very same `nodes` array
 * and config section (the Balancer contract: inputs are never mutated), so a sync redoes the
 * work of the clusters that changed only: its cost follows the change, not the configuration.
 */
export class ClusterMemo<T> {
  /** What the previous generation (the last completed sync) computed, by cluster name. */
  private previous = new Map<string, Entry<T>>();
  /** What this generation asked for so far. */
  private current = new Map<string, Entry<T>>();

  /**
   * The value for `cluster`: the remembered one if every input is the same (`Object.is`) as
   * when it was computed, else `compute()`'s. `compute` is handed the cluster's last value
   * (computed from other inputs), to reuse what of it still applies.
   */
  get(cluster: string, inputs: readonly unknown[], compute: (last: T | undefined) => T): T {
    const known = this.current.get(cluster) ?? this.previous.get(cluster);
    if (known !== undefined && sameInputs(known.inputs, inputs)) {
      this.current.set(cluster, known);
      return known.value;
    }
    const value = compute(known?.value);
    this.current.set(cluster, { inputs, value });
    return value;
  }

  /**
   * Ends a generation: the clusters not asked for since the last call are forgotten, so a
   * removed cluster's values do not stay in memory.
   */
  endGeneration(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** Forgets everything: the next generation computes every value afresh. */
  clear(): void {
    this.previous = new Map();
    this.current = new Map();
  }
}

interface Entry<T> {
  inputs: readonly unknown[];
  value: T;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((input, index) => Object.is(input, b[index]));
}
