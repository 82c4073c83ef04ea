import { describe, expect, it } from 'vitest';
import { RiseFall } from '../../src/health/rise-fall.js';

/** Feeds results and returns the verdict after each one. */
function run(state: RiseFall, results: string): boolean[] {
  return [...results].map((char) => {
    state.record(char === '+');
    return state.passing;
  });
}

describe('rise/fall', () => {
  it('needs `rise` consecutive passes to become passing', () => {
    expect(run(new RiseFall(2, 1), '+-++')).toEqual([false, false, false, true]);
  });

  it('needs `fall` consecutive failures to stop passing', () => {
    const state = new RiseFall(1, 3, true);
    expect(run(state, '--+---')).toEqual([true, true, true, true, true, false]);
  });

  it('rise 1 / fall 1 follows every result', () => {
    expect(run(new RiseFall(1, 1), '+-+-')).toEqual([true, false, true, false]);
  });

  it('reports transitions only', () => {
    const state = new RiseFall(2, 2);
    expect([...'++++--'].map((char) => state.record(char === '+'))).toEqual([
      false,
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it('keeps its verdict and streak when retuned (a config edit never drains a healthy port)', () => {
    const state = new RiseFall(2, 2);
    run(state, '++');
    state.retune(5, 4);
    expect(state.passing).toBe(true);
    expect(run(state, '---')).toEqual([true, true, true]);
    expect(run(state, '-')).toEqual([false]);
    expect(state.current).toEqual({ passes: false, count: 4 });
  });

  it('a check added to a healthy port starts as passing', () => {
    expect(new RiseFall(3, 1, true).passing).toBe(true);
  });
});
