import { describe, expect, it } from 'vitest';
import { ClusterMemo } from '../src/cluster-memo.js';

/** ClusterMemo: per-cluster values kept while their inputs are the same objects. */

/** A memo whose computations are counted and numbered: value `n` is the n-th computation. */
function counted() {
  const memo = new ClusterMemo<{ n: number }>();
  let computed = 0;
  const get = (cluster: string, inputs: readonly unknown[]) =>
    memo.get(cluster, inputs, () => ({ n: ++computed }));
  return { memo, get, computed: () => computed };
}

describe('ClusterMemo', () => {
  it('reuses the value while every input is the same object', () => {
    const { get, computed } = counted();
    const nodes = [{ host: 'a' }];
    const config = { port: 80 };
    const first = get('web', [config, nodes]);
    // A fresh inputs array holding the same objects: compared element by element, not by array.
    const again = get('web', [config, nodes]);
    expect(again).toBe(first);
    expect(computed()).toBe(1);
  });

  it('hands a recomputation the cluster’s last value, and none after clear()', () => {
    const memo = new ClusterMemo<{ n: number }>();
    const lasts: ({ n: number } | undefined)[] = [];
    const get = (cluster: string, input: unknown) =>
      memo.get(cluster, [input], (last) => {
        lasts.push(last);
        return { n: (last?.n ?? 0) + 1 };
      });
    const first = get('web', 'a');
    get('api', 'a');
    memo.endGeneration();
    expect(get('web', 'b')).toEqual({ n: 2 });
    expect(lasts.at(-1)).toBe(first);
    memo.clear();
    expect(get('web', 'c')).toEqual({ n: 1 });
    expect(lasts).toEqual([undefined, undefined, first, undefined]);
  });

  it('recomputes when any input is another object, even an equal one', () => {
    const { get, computed } = counted();
    const nodes = [{ host: 'a' }];
    const config = { port: 80 };
    const defaults = ['mode http'];
    const base = get('web', [config, nodes, defaults]);
    expect(get('web', [{ port: 80 }, nodes, defaults])).not.toBe(base);
    expect(computed()).toBe(2);
    expect(get('web', [config, [...nodes], defaults]).n).toBe(3);
    expect(get('web', [config, nodes, ['mode http']]).n).toBe(4);
    // Primitives compare by value (Object.is): the same flag is the same input.
    expect(get('web', [config, nodes, true]).n).toBe(5);
    expect(get('web', [config, nodes, true]).n).toBe(5);
    expect(get('web', [config, nodes, false]).n).toBe(6);
    // Object.is, not ===: NaN is itself, +0 is not -0.
    expect(get('web', [Number.NaN]).n).toBe(7);
    expect(get('web', [Number.NaN]).n).toBe(7);
    expect(get('web', [0]).n).toBe(8);
    expect(get('web', [-0]).n).toBe(9);
  });

  it('recomputes when the number of inputs changes', () => {
    const { get, computed } = counted();
    const config = { port: 80 };
    const nodes = [{ host: 'a' }];
    get('web', [config, nodes]);
    expect(get('web', [config]).n).toBe(2); // a prefix of the old inputs
    expect(get('web', [config, nodes]).n).toBe(3);
    expect(get('web', [config, nodes, undefined]).n).toBe(4); // an extra undefined still counts
    expect(get('web', []).n).toBe(5);
    expect(get('web', []).n).toBe(5);
    expect(computed()).toBe(5);
  });

  it('keeps clusters apart', () => {
    const { get } = counted();
    const inputs = [{ port: 80 }];
    const web = get('web', inputs);
    const api = get('api', inputs);
    expect(api).not.toBe(web);
    expect(get('web', inputs)).toBe(web);
    expect(get('api', inputs)).toBe(api);
  });

  it('keeps a cluster asked for in each generation, forgets one skipped for a whole generation', () => {
    const { memo, get, computed } = counted();
    const web = [{ port: 80 }];
    const api = [{ port: 81 }];
    const first = { web: get('web', web), api: get('api', api) };
    memo.endGeneration();

    // Generation 2 asks for web only: api is still remembered during it (from generation 1)...
    expect(get('web', web)).toBe(first.web);
    memo.endGeneration();
    // ...but not after it: generation 3 computes api anew, and still reuses web.
    expect(get('web', web)).toBe(first.web);
    expect(get('api', api)).not.toBe(first.api);
    expect(computed()).toBe(3);
  });

  it('keeps what the previous generation computed until it is asked for', () => {
    const { memo, get, computed } = counted();
    const inputs = [{ port: 80 }];
    const value = get('web', inputs);
    memo.endGeneration();
    // Asked for late in the next generation, several times: still the one value.
    get('other', [{}]);
    expect(get('web', inputs)).toBe(value);
    expect(get('web', inputs)).toBe(value);
    expect(computed()).toBe(2);
  });

  it('remembers the latest value within a generation', () => {
    const { memo, get } = counted();
    const old = [{ port: 80 }];
    const next = [{ port: 81 }];
    get('web', old);
    const changed = get('web', next);
    memo.endGeneration();
    expect(get('web', next)).toBe(changed);
    // Only the latest inputs are kept: going back to the old ones computes again.
    expect(get('web', old).n).toBe(3);
  });

  it('an empty generation forgets everything', () => {
    const { memo, get } = counted();
    const inputs = [{ port: 80 }];
    const value = get('web', inputs);
    memo.endGeneration();
    memo.endGeneration();
    expect(get('web', inputs)).not.toBe(value);
  });

  it('clear() forgets both the current and the previous generation', () => {
    const { memo, get, computed } = counted();
    const web = [{ port: 80 }];
    const api = [{ port: 81 }];
    const before = get('web', web);
    memo.endGeneration();
    const apiBefore = get('api', api); // in the current generation
    memo.clear();
    expect(get('web', web)).not.toBe(before);
    expect(get('api', api)).not.toBe(apiBefore);
    expect(computed()).toBe(4);
    // And it memoizes again afterwards.
    expect(get('web', web).n).toBe(3);
    memo.endGeneration();
    expect(get('web', web).n).toBe(3);
  });

  it('does not compute when the value is reused, and propagates a failed computation', () => {
    const memo = new ClusterMemo<string>();
    const inputs = [{ port: 80 }];
    expect(memo.get('web', inputs, () => 'first')).toBe('first');
    expect(
      memo.get('web', inputs, () => {
        throw new Error('must not be called');
      }),
    ).toBe('first');
    const other = [{ port: 81 }];
    expect(() =>
      memo.get('web', other, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    // The failure remembered nothing: the old value still answers its inputs.
    expect(memo.get('web', inputs, () => 'recomputed')).toBe('first');
  });
});
