import type { LogFields, Logger } from '@lighthouse/core';

/** The levels a {@link Logger} writes at. */
export type RecordedLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line a {@link RecordingLogger} received, with its logger's and its own fields merged. */
export interface RecordedLine {
  level: RecordedLevel;
  message: string;
  fields: LogFields;
}

/**
 * A logger that keeps every line for assertions. Children write into the same list, each line
 * carrying the fields of every `child(...)` on the way (the line's own fields win).
 */
export interface RecordingLogger extends Logger {
  /** Every line so far, oldest first, children's included. */
  readonly lines: RecordedLine[];
  /** The lines at `level`. */
  at(level: RecordedLevel): RecordedLine[];
  /** The lines at `level` whose message is exactly `message`. */
  matching(level: RecordedLevel, message: string): RecordedLine[];
}

/** A fresh {@link RecordingLogger} with no lines. */
export function recordingLogger(): RecordingLogger {
  const lines: RecordedLine[] = [];
  const make = (base: LogFields): Logger => {
    const emit =
      (level: RecordedLevel) =>
      (message: string, fields: LogFields = {}): void => {
        lines.push({ level, message, fields: { ...base, ...fields } });
      };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return Object.assign(make({}), {
    lines,
    at: (level: RecordedLevel) => lines.filter((line) => line.level === level),
    matching: (level: RecordedLevel, message: string) =>
      lines.filter((line) => line.level === level && line.message === message),
  });
}
