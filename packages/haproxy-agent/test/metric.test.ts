import { execFileSync } from 'node:child_process';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasControlCharacter } from '@lighthouse/core';
import { createTempDir } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { MAX_METRIC_BYTES, parseMetric, readMetricFile } from '../src/metric.js';

describe('parseMetric', () => {
  it.each([
    ['40', 40],
    ['40.5', 40.5],
    ['-5', -5],
    ['+3', 3],
    ['.5', 0.5],
    ['5.', 5],
    ['0', 0],
    ['1e3', 1000],
    ['2.5E-1', 0.25],
    ['40\n', 40],
    ['40\r\n', 40],
    ['  40  ', 40],
    ['\t\n 7000 \n\n', 7000],
  ])('accepts %j as %s', (text, value) => {
    expect(parseMetric(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['NaN'],
    ['nan'],
    ['Infinity'],
    ['-Infinity'],
    ['0x10'],
    ['0b11'],
    ['40%'],
    ['1,000'],
    ['1_000'],
    ['40 50'],
    ['40\n50'],
    ['forty'],
    ['--5'],
    ['.'],
    ['-'],
    ['1e'],
    ['e5'],
    ['４０'], // full-width digits
    ['40\u00a0'], // a non-breaking space is not whitespace here
    ['\u0000\u0001\u00ff binary'],
  ])('refuses %j as not a number', (text) => {
    expect(parseMetric(text)).toMatchObject({ ok: false, problem: 'not-a-number' });
  });

  it('refuses 1e309 (Infinity once parsed) as not finite', () => {
    expect(parseMetric('1e309')).toEqual({
      ok: false,
      problem: 'not-a-number',
      detail: 'does not hold a finite number (found "1e309")',
    });
  });

  it.each([[''], ['   '], ['\n'], ['\r\n\t ']])('refuses %j as empty', (text) => {
    expect(parseMetric(text)).toEqual({ ok: false, problem: 'empty', detail: 'is empty' });
  });

  it('quotes hostile content escaped and shortened in the detail', () => {
    const parsed = parseMetric(`\u001b[31mred\u0007${'x'.repeat(200)}`);
    expect(parsed.ok).toBe(false);
    const detail = parsed.ok ? '' : parsed.detail;
    expect(hasControlCharacter(detail)).toBe(false);
    expect(detail).toContain('\\u001b');
    expect(detail.length).toBeLessThan(120);
  });

  it('parses 4 KiB of whitespace around a number quickly', () => {
    const padded = `${' '.repeat(2000)}42${' \t'.repeat(1000)}`;
    const started = performance.now();
    expect(parseMetric(padded)).toEqual({ ok: true, value: 42 });
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('readMetricFile', () => {
  let dir: TempDir;
  const path = (name: string): string => join(dir.dir, name);

  beforeAll(async () => {
    dir = await createTempDir({}, 'lh-agent-metric-');
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  it('reads a number and the file mtime', async () => {
    await writeFile(path('ok'), '40\n');
    const mtime = new Date('2030-01-02T03:04:05Z');
    await utimes(path('ok'), mtime, mtime);
    expect(await readMetricFile(path('ok'))).toEqual({
      ok: true,
      value: 40,
      mtimeMs: mtime.getTime(),
    });
  });

  it('follows a symlink', async () => {
    await writeFile(path('target'), '12.5');
    await symlink(path('target'), path('link'));
    expect(await readMetricFile(path('link'))).toMatchObject({ ok: true, value: 12.5 });
  });

  it.each([
    ['a missing file', 'nope', 'missing', 'does not exist'],
    ['a path through a file', 'ok/below', 'missing', 'does not exist'],
  ])('%s is missing', async (_name, name, problem, detail) => {
    await writeFile(path('ok'), '40\n');
    expect(await readMetricFile(path(name))).toEqual({ ok: false, problem, detail });
  });

  it('refuses a directory', async () => {
    await mkdir(path('dir'));
    expect(await readMetricFile(path('dir'))).toMatchObject({ ok: false, problem: 'not-a-file' });
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    execFileSync('mkfifo', [path('fifo')]);
    const started = performance.now();
    expect(await readMetricFile(path('fifo'))).toMatchObject({ ok: false, problem: 'not-a-file' });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses 1 MB of text without reading it, and a file one byte over the limit', async () => {
    await writeFile(path('huge'), 'x'.repeat(1024 * 1024));
    expect(await readMetricFile(path('huge'))).toEqual({
      ok: false,
      problem: 'too-large',
      detail: `is larger than ${MAX_METRIC_BYTES} bytes (1048576 bytes or more)`,
    });
    await writeFile(path('over'), `${' '.repeat(MAX_METRIC_BYTES)}1`);
    expect(await readMetricFile(path('over'))).toMatchObject({ ok: false, problem: 'too-large' });
    await writeFile(path('limit'), `${' '.repeat(MAX_METRIC_BYTES - 2)}55`);
    expect(await readMetricFile(path('limit'))).toMatchObject({ ok: true, value: 55 });
  });

  it.each([
    ['binary', Buffer.from([0x00, 0xff, 0xfe, 0x34, 0x30, 0x0a, 0x80]), 'not-a-number'],
    ['UTF-16 "40"', Buffer.from('\ufeff40', 'utf16le'), 'not-a-number'],
    ['empty', Buffer.alloc(0), 'empty'],
    ['NaN', Buffer.from('NaN\n'), 'not-a-number'],
    ['1e309', Buffer.from('1e309'), 'not-a-number'],
  ])('refuses %s content', async (name, content, problem) => {
    await writeFile(path(`content-${name}`), content);
    expect(await readMetricFile(path(`content-${name}`))).toMatchObject({ ok: false, problem });
  });

  it("reports a path it cannot open as unreadable, in the system's words", async () => {
    await symlink(path('loop-b'), path('loop-a'));
    await symlink(path('loop-a'), path('loop-b'));
    expect(await readMetricFile(path('loop-a'))).toEqual({
      ok: false,
      problem: 'unreadable',
      detail: 'cannot be opened: too many symbolic links encountered',
    });
    expect(await readMetricFile(path('n'.repeat(5000)))).toMatchObject({
      ok: false,
      problem: 'unreadable',
      detail: 'cannot be opened: name too long',
    });
  });
});
