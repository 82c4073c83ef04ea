import { vi } from 'vitest';

/** A promise's state, readable synchronously (after the timers' microtasks have run). */
export interface PromiseState<T> {
  status: 'pending' | 'resolved' | 'rejected';
  value?: T;
  error?: unknown;
}

/** Tracks `promise`: its state object is updated when it settles. */
export function track<T>(promise: Promise<T>): PromiseState<T> {
  const state: PromiseState<T> = { status: 'pending' };
  promise.then(
    (value) => Object.assign(state, { status: 'resolved', value }),
    (error: unknown) => Object.assign(state, { status: 'rejected', error }),
  );
  return state;
}

/** Advances the fake clock, running the timers due and the promise callbacks they cause. */
export const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
