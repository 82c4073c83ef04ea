import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTempDir, waitFor } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { BackgroundFile } from '../src/process/background-file.js';
import { readTextIfExists, writeFileAtomic } from '../src/process/files.js';
import type * as Files from '../src/process/files.js';

/**
 * BackgroundFile against the real file system. Writes are counted (and, where a test needs a
 * write to be in progress, held) by a spy wrapping the real writeFileAtomic: watching the
 * directory for renames would depend on fs.watch's coalescing.
 */

vi.mock('../src/process/files.js', async (importOriginal) => {
  const actual = await importOriginal<typeof Files>();
  return { ...actual, writeFileAtomic: vi.fn(actual.writeFileAtomic) };
});

const realWriteFileAtomic = (await vi.importActual<typeof Files>('../src/process/files.js'))
  .writeFileAtomic;
const writes = vi.mocked(writeFileAtomic);

/** The texts handed to writeFileAtomic, in order. */
const written = (): string[] => writes.mock.calls.map(([, text]) => text);

/** Temp files writeFileAtomic left in `dir` (`.<name>.<hex>.tmp`). */
async function tempFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /^\..+\.[0-9a-f]+\.tmp$/.test(name));
}

/** Holds the next write before it touches the disk, until `release`. */
function holdNextWrite(): { started: Promise<void>; release: () => void } {
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  writes.mockImplementationOnce(async (path, text, accept) => {
    started();
    await gate;
    return realWriteFileAtomic(path, text, accept);
  });
  return { started: startedPromise, release };
}

let tmp: TempDir;
const files: BackgroundFile[] = [];

/** A BackgroundFile for `name` in the temp dir, with the errors its `failed` got. */
function backgroundFile(minIntervalMs: number, name = 'haproxy.cfg') {
  const path = join(tmp.dir, name);
  const failures: unknown[] = [];
  const file = new BackgroundFile(path, minIntervalMs, (error) => failures.push(error));
  files.push(file);
  return { file, path, failures, read: () => readTextIfExists(path) };
}

beforeEach(async () => {
  tmp = await createTempDir({}, 'lighthouse-background-file-');
  writes.mockClear();
});

afterEach(async () => {
  // Ends every drain still waiting for its turn (no timer outlives the test).
  await Promise.all(files.splice(0).map((file) => file.flush()));
  writes.mockReset();
  writes.mockImplementation(realWriteFileAtomic);
  await tmp.cleanup();
});

describe('BackgroundFile', () => {
  it('update then flush: the file holds the text, replaced atomically, no temp file left', async () => {
    await tmp.write('haproxy.cfg', 'old\n');
    const { file, read, failures } = backgroundFile(60_000);
    file.update('new\n');
    await file.flush();
    expect(await read()).toBe('new\n');
    expect(written()).toEqual(['new\n']);
    expect(await tempFiles(tmp.dir)).toEqual([]);
    expect(await readdir(tmp.dir)).toEqual(['haproxy.cfg']);
    expect(failures).toEqual([]);
  });

  it('a burst of 100 updates while a write runs: one more write, of the last text', async () => {
    const { file, read, failures } = backgroundFile(0);
    const held = holdNextWrite();
    file.update('text 0');
    await held.started;
    for (let i = 1; i <= 100; i++) file.update(`text ${i}`);
    held.release();
    await file.flush();
    expect(await read()).toBe('text 100');
    expect(written()).toEqual(['text 0', 'text 100']);
    expect(await tempFiles(tmp.dir)).toEqual([]);
    expect(failures).toEqual([]);
  });

  it('updates spread over many event-loop turns: far fewer writes, newest last', async () => {
    const { file, read } = backgroundFile(0);
    for (let i = 0; i < 100; i++) {
      file.update(`text ${i}`);
      // One event-loop turn per update; a write takes several (open, write, fsync, close, rename).
      await new Promise((resolve) => setImmediate(resolve));
    }
    await file.flush();
    expect(await read()).toBe('text 99');
    const texts = written();
    expect(texts.length).toBeLessThan(50);
    expect(texts[0]).toBe('text 0');
    expect(texts.at(-1)).toBe('text 99');
    const order = texts.map((text) => Number(text.slice('text '.length)));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
    expect(await tempFiles(tmp.dir)).toEqual([]);
  });

  describe('the interval between writes', () => {
    it('writes the first update at once; the next waits its turn, which flush cuts', async () => {
      const { file, read } = backgroundFile(60_000);
      const started = performance.now();
      file.update('first');
      await waitFor(async () => (await read()) === 'first', { what: 'the first write' });
      expect(performance.now() - started).toBeLessThan(10_000);

      file.update('second');
      // Its turn is 60 s after the first write started: nothing can have written it yet.
      expect(await read()).toBe('first');
      expect(written()).toEqual(['first']);

      const flushed = performance.now();
      await file.flush();
      expect(performance.now() - flushed).toBeLessThan(10_000);
      expect(await read()).toBe('second');
      expect(written()).toEqual(['first', 'second']);

      // The flushed write started a new interval: the next update waits again, until flushed.
      file.update('third');
      expect(await read()).toBe('second');
      await file.flush();
      expect(await read()).toBe('third');
      expect(written()).toEqual(['first', 'second', 'third']);
    });

    it('writes a waiting text at its turn, not before, without a flush', async () => {
      const interval = 200;
      const starts: number[] = [];
      writes.mockImplementation((path, text, accept) => {
        starts.push(performance.now());
        return realWriteFileAtomic(path, text, accept);
      });
      const { file, read } = backgroundFile(interval);
      file.update('a');
      await waitFor(async () => (await read()) === 'a', { what: 'the first write' });
      file.update('b');
      file.update('c');
      await waitFor(async () => (await read()) === 'c', { what: 'the write at its turn' });
      expect(written()).toEqual(['a', 'c']);
      // Node may fire a timer a few ms early against performance.now(); no wait gives ~0 ms.
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(interval - 20);
    });

    it('after a quiet spell writes at once; within the interval, exactly at its turn', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
      try {
        const interval = 1_000;
        const { file, read } = backgroundFile(interval);
        file.update('a');
        await file.flush();
        expect(await read()).toBe('a');

        vi.advanceTimersByTime(interval); // a quiet spell: 'b' needs no timer
        file.update('b');
        await pollRealTime(async () => (await read()) === 'b');
        expect(written()).toEqual(['a', 'b']);

        file.update('c'); // 'b' started a new interval: 'c' waits on a timer
        await pollRealTime(() => vi.getTimerCount() === 1);
        vi.advanceTimersByTime(interval - 1);
        expect(await read()).toBe('b');
        expect(written()).toEqual(['a', 'b']);
        vi.advanceTimersByTime(1);
        await pollRealTime(async () => (await read()) === 'c');
        expect(written()).toEqual(['a', 'b', 'c']);
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe('failed writes', () => {
    it('reports the error, leaves no temp file, and the next flush writes once fixed', async () => {
      const { file, path, read, failures } = backgroundFile(60_000);
      await mkdir(path); // the rename over a directory fails after the temp file was written
      file.update('a');
      await file.flush();
      expect(failures).toEqual([expect.objectContaining({ code: 'EISDIR' })]);
      expect(await tempFiles(tmp.dir)).toEqual([]);

      await rm(path, { recursive: true });
      await file.flush(); // within the interval: the flush cuts it
      expect(await read()).toBe('a');
      expect(written()).toEqual(['a', 'a']);
      expect(failures).toHaveLength(1);
      expect(await tempFiles(tmp.dir)).toEqual([]);
    });

    it('reports a background failure; the next update writes, even of a text written before', async () => {
      const sub = join(tmp.dir, 'sub');
      await mkdir(sub);
      const { file, read, failures } = backgroundFile(0, 'sub/haproxy.cfg');
      file.update('a');
      await waitFor(async () => (await read()) === 'a', { what: 'the first write' });

      await rm(sub, { recursive: true }); // takes 'a' with it
      file.update('b');
      await waitFor(() => failures.length === 1, { what: 'the failure' });
      expect(failures[0]).toMatchObject({ code: 'ENOENT' });

      // After a failure the file's content is unknown: 'a' is written again, not assumed there.
      await mkdir(sub);
      file.update('a');
      await waitFor(async () => (await read()) === 'a', { what: 'the retry' });
      file.update('b');
      await waitFor(async () => (await read()) === 'b', { what: 'the failed text' });
      expect(written()).toEqual(['a', 'b', 'a', 'b']);
      expect(failures).toHaveLength(1);
      expect(await tempFiles(sub)).toEqual([]);
    });

    it('a flush waiting for a write that fails resolves, and reports', async () => {
      const { file, path, failures } = backgroundFile(60_000);
      await mkdir(path);
      const held = holdNextWrite();
      file.update('a');
      await held.started;
      const flushed = file.flush();
      held.release();
      await flushed;
      expect(failures).toHaveLength(1);
      expect(await tempFiles(tmp.dir)).toEqual([]);
    });
  });

  describe('wrote', () => {
    it('a text someone else wrote is not written again; another text is', async () => {
      await writeFile(join(tmp.dir, 'haproxy.cfg'), 'put there by hand');
      const { file, read } = backgroundFile(0);
      file.wrote('installed');
      file.update('installed');
      await file.flush();
      expect(written()).toEqual([]);
      expect(await read()).toBe('put there by hand');

      file.update('other');
      await file.flush();
      expect(written()).toEqual(['other']);
      expect(await read()).toBe('other');
    });

    it('replaces what this process wrote: its own older text is written again', async () => {
      const { file, path, read } = backgroundFile(60_000);
      file.update('mine');
      await file.flush();
      await writeFile(path, 'installed'); // e.g. a reload installing its candidate
      file.wrote('installed');
      file.update('installed');
      await file.flush();
      expect(written()).toEqual(['mine']);
      file.update('mine');
      await file.flush();
      expect(await read()).toBe('mine');
      expect(written()).toEqual(['mine', 'mine']);
    });
  });

  describe('flush', () => {
    it('resolves with nothing ever given, writing nothing', async () => {
      const { file } = backgroundFile(60_000);
      await file.flush();
      await file.flush();
      expect(written()).toEqual([]);
      expect(await readdir(tmp.dir)).toEqual([]);
    });

    it('two concurrent flushes both resolve after the write', async () => {
      const { file, path } = backgroundFile(0);
      const held = holdNextWrite();
      file.update('a');
      await held.started;
      const seen: string[] = [];
      const flushes = [file.flush(), file.flush()].map((flush) =>
        flush.then(() => seen.push(readFileSync(path, 'utf8'))),
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([]);
      held.release();
      await Promise.all(flushes);
      expect(seen).toEqual(['a', 'a']);
    });

    it('two concurrent flushes cut a waiting turn and see the newest text', async () => {
      const { file, path, read } = backgroundFile(60_000);
      file.update('a');
      await waitFor(async () => (await read()) === 'a', { what: 'the first write' });
      file.update('b');
      const seen: string[] = [];
      await Promise.all(
        [file.flush(), file.flush()].map((flush) =>
          flush.then(() => seen.push(readFileSync(path, 'utf8'))),
        ),
      );
      expect(seen).toEqual(['b', 'b']);
      expect(written()).toEqual(['a', 'b']);
    });

    it('resolves only once a text given during its write is written too', async () => {
      const { file, path, read } = backgroundFile(60_000);
      file.update('a');
      await waitFor(async () => (await read()) === 'a', { what: 'the first write' });
      file.update('b');
      const held = holdNextWrite();
      let content: string | undefined;
      const flushed = file.flush().then(() => (content = readFileSync(path, 'utf8')));
      await held.started; // 'b' is being written
      file.update('c');
      held.release();
      await flushed;
      expect(content).toBe('c');
      expect(written()).toEqual(['a', 'b', 'c']);
    });
  });

  it('tries the newest text when an older write fails, before a flush resolves', async () => {
    const { file, read, failures } = backgroundFile(0);
    let fail!: () => void;
    const failing = new Promise<void>((resolve) => (fail = resolve));
    let started!: () => void;
    const startedA = new Promise<void>((resolve) => (started = resolve));
    writes.mockImplementationOnce(async () => {
      started();
      await failing;
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    });
    file.update('A');
    await startedA;
    file.update('B');
    const flushed = file.flush();
    fail();
    await flushed;
    expect(failures).toHaveLength(1);
    expect(written()).toEqual(['A', 'B']);
    expect(await read()).toBe('B');
  });

  it('keeps writing when reporting a failure throws', async () => {
    const path = join(tmp.dir, 'haproxy.cfg');
    const file = new BackgroundFile(path, 0, () => {
      throw new Error('logger broke');
    });
    files.push(file);
    await mkdir(path);
    file.update('A');
    await file.flush();
    await rm(path, { recursive: true });
    file.update('B');
    await file.flush();
    expect(readFileSync(path, 'utf8')).toBe('B');
  });

  it('makes a text given as a function only when its write starts', async () => {
    const { file, read } = backgroundFile(0);
    const made: number[] = [];
    const hold = holdNextWrite();
    file.update(() => (made.push(0), 'text 0'));
    await hold.started;
    for (let index = 1; index <= 100; index++) {
      file.update(() => (made.push(index), `text ${index}`));
    }
    hold.release();
    await file.flush();
    expect(made).toEqual([0, 100]);
    expect(await read()).toBe('text 100');
  });
});

/** Polls with real timers while fake ones are installed; 5 s deadline. */
async function pollRealTime(probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out polling');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
