import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBatcher } from '../../src/config/batcher.js';

describe('createBatcher', () => {
  let batches: string[][];
  beforeEach(() => {
    vi.useFakeTimers();
    batches = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands over a key once it has been quiet for the delay', () => {
    const batcher = createBatcher(50, 500, (keys) => batches.push(keys));
    batcher.touch('a');
    vi.advanceTimersByTime(40);
    batcher.touch('a');
    vi.advanceTimersByTime(40);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(10);
    expect(batches).toEqual([['a']]);
  });

  it('holds settled keys back while others settle, so both halves of a rename come together', () => {
    const batcher = createBatcher(50, 500, (keys) => batches.push(keys));
    batcher.touch('old');
    vi.advanceTimersByTime(30);
    batcher.touch('new');
    vi.advanceTimersByTime(20);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(30);
    expect(batches).toEqual([['old', 'new']]);
  });

  it('does not hold settled keys back longer than the maximum wait', () => {
    const batcher = createBatcher(50, 200, (keys) => batches.push(keys));
    batcher.touch('quiet');
    for (let elapsed = 0; elapsed < 300; elapsed += 20) {
      batcher.touch('busy');
      vi.advanceTimersByTime(20);
    }
    expect(batches).toEqual([['quiet']]);
    vi.advanceTimersByTime(50);
    expect(batches).toEqual([['quiet'], ['busy']]);
  });

  it('drops pending keys and ignores touches once closed', () => {
    const batcher = createBatcher(50, 500, (keys) => batches.push(keys));
    batcher.touch('a');
    batcher.close();
    batcher.touch('b');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(batches).toEqual([]);
  });
});
