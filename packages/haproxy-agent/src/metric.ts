import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { describeError, networkFailureReason, printable } from '@lighthouse/core';

/** A metric file larger than this is refused without being read. */
export const MAX_METRIC_BYTES = 4096;

/** Why a metric file gives no usable value (`stale` is decided later, against the clock). */
export type MetricProblem =
  'missing' | 'unreadable' | 'not-a-file' | 'too-large' | 'empty' | 'not-a-number' | 'stale';

/** What one read of the metric file gave. */
export type MetricReading =
  | { ok: true; value: number; /** The file's mtime (epoch ms). */ mtimeMs: number }
  | {
      ok: false;
      problem: MetricProblem;
      /** For the log line: what exactly is wrong. */ detail: string;
    };

/** The text of a parse: a number, or why not. */
export type ParsedMetric =
  { ok: true; value: number } | { ok: false; problem: 'empty' | 'not-a-number'; detail: string };

/**
 * Decimal or float syntax only: `40`, `40.5`, `-5`, `+3`, `.5`, `1e3`. No hex (`0x10`), no
 * `NaN`/`Infinity`, no units (`40%`), no thousands separators. Linear (no nested quantifiers).
 */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** Removes leading and trailing spaces, tabs, CR and LF (a loop: a regex could be quadratic). */
function trimBlanks(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isBlank(text.charCodeAt(start))) start += 1;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end -= 1;
  return text.slice(start, end);
}

/**
 * Parses a metric file's content: one finite number, with optional surrounding whitespace
 * (`40\n`, `  40  `). Everything else is refused with a reason: empty, `NaN`, `1e309` (Infinity),
 * `0x10`, `40%`, two numbers, text, binary.
 */
export function parseMetric(text: string): ParsedMetric {
  const trimmed = trimBlanks(text);
  if (trimmed === '') return { ok: false, problem: 'empty', detail: 'is empty' };
  if (!NUMBER.test(trimmed)) {
    return {
      ok: false,
      problem: 'not-a-number',
      detail: `does not hold a number (found "${printable(trimmed, 40)}")`,
    };
  }
  const value = Number(trimmed);
  if (!Number.isFinite(value)) {
    return {
      ok: false,
      problem: 'not-a-number',
      detail: `does not hold a finite number (found "${printable(trimmed, 40)}")`,
    };
  }
  return { ok: true, value };
}

/**
 * Reads the metric file once. Never throws and never blocks on a special file: it is opened
 * non-blocking (a FIFO would otherwise wait for a writer), must be a regular file, and at most
 * {@link MAX_METRIC_BYTES} are read, so a huge file costs one `fstat`.
 */
export async function readMetricFile(path: string): Promise<MetricReading> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return openFailure(error);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      return { ok: false, problem: 'not-a-file', detail: 'is not a regular file' };
    }
    if (stat.size > MAX_METRIC_BYTES) return tooLarge(stat.size);
    const buffer = Buffer.alloc(MAX_METRIC_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_METRIC_BYTES) return tooLarge(bytesRead);
    // latin1 maps every byte to one character: binary content cannot break decoding, and only
    // ASCII digits can match anyway.
    const parsed = parseMetric(buffer.toString('latin1', 0, bytesRead));
    return parsed.ok ? { ok: true, value: parsed.value, mtimeMs: stat.mtimeMs } : parsed;
  } catch (error) {
    return { ok: false, problem: 'unreadable', detail: `cannot be read: ${reason(error)}` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function openFailure(error: unknown): MetricReading {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return { ok: false, problem: 'missing', detail: 'does not exist' };
  }
  return { ok: false, problem: 'unreadable', detail: `cannot be opened: ${reason(error)}` };
}

function tooLarge(bytes: number): MetricReading {
  return {
    ok: false,
    problem: 'too-large',
    detail: `is larger than ${MAX_METRIC_BYTES} bytes (${bytes} bytes or more)`,
  };
}

/** `permission denied`, `is a directory`: the system's words, without the path repeated. */
function reason(error: unknown): string {
  const text = networkFailureReason(error);
  return text === '' ? describeError(error) : text;
}
