import type { LogFields, Logger } from '../../src/log.js';

/** One line a {@link RecordingLogger} received, with its logger's and its own fields merged. */
export interface RecordedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A logger that keeps every line (children write into the same list), for assertions. */
export interface RecordingLogger extends Logger {
  readonly lines: RecordedLine[];
  /** The lines at `level` whose message is `message`. */
  matching(level: RecordedLine['level'], message: string): RecordedLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordedLine[] = [];
  const make = (base: LogFields): Logger => {
    const emit =
      (level: RecordedLine['level']) =>
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
    matching: (level: RecordedLine['level'], message: string) =>
      lines.filter((line) => line.level === level && line.message === message),
  });
}
