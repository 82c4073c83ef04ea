import createDebug from 'debug';

/**
 * Two channels, as in every mature CLI: `debug` namespaces (`lighthouse:*`) for developers, and a
 * small levelled daemon logger for operators (pretty lines on a TTY, JSON lines for machines).
 */

export const LogLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LogLevels)[number];
export const LogFormats = ['pretty', 'json'] as const;
export type LogFormat = (typeof LogFormats)[number];

/** Structured fields attached to a log line (file, cluster, port…). */
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose lines also carry `fields` (e.g. `{ service: 'web' }`). */
  child(fields: LogFields): Logger;
}

/** Where a {@link DaemonLogger} writes; a settable sink keeps `logging.yaml` reloads cheap. */
export interface LogSink {
  level: LogLevel;
  format: LogFormat;
  /** `WRITER` or `REPORTER`, like lighthouse 1.0's "program" context. */
  program: string;
  color: boolean;
  write(line: string): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };
const letter: Record<Exclude<LogLevel, 'silent'>, string> = {
  debug: 'D',
  info: 'I',
  warn: 'W',
  error: 'E',
};
const colorOf: Record<Exclude<LogLevel, 'silent'>, string> = {
  debug: '\u001b[2m',
  info: '',
  warn: '\u001b[33m',
  error: '\u001b[31m',
};

function pad(value: number): string {
  return value.toString().padStart(2, '0');
}

function localTimestamp(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** Renders a field value on one line; strings with spaces or quotes are JSON-quoted. */
function fieldText(value: unknown): string {
  if (typeof value === 'string')
    return /^[^\s"=]*$/.test(value) && value !== '' ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

/** Formats one line: pretty `[2026-11-21 05:40:00 I][WRITER] message key=value`, or JSON. */
export function formatLogLine(
  sink: Pick<LogSink, 'format' | 'program' | 'color'>,
  level: Exclude<LogLevel, 'silent'>,
  message: string,
  fields: LogFields,
  now: Date = new Date(),
): string {
  if (sink.format === 'json') {
    const normalised = Object.fromEntries(
      Object.entries(fields).map(([key, value]) => [
        key,
        value instanceof Error ? value.message : value,
      ]),
    );
    return JSON.stringify({
      time: now.toISOString(),
      level,
      program: sink.program,
      msg: message,
      ...normalised,
    });
  }
  const extra = Object.entries(fields)
    .map(([key, value]) => ` ${key}=${fieldText(value)}`)
    .join('');
  const line = `[${localTimestamp(now)} ${letter[level]}][${sink.program}] ${message}${extra}`;
  return sink.color && colorOf[level] !== '' ? `${colorOf[level]}${line}\u001b[0m` : line;
}

class DaemonLogger implements Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly fields: LogFields,
  ) {}

  private emit(level: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void {
    if (rank[level] < rank[this.sink.level]) return;
    this.sink.write(formatLogLine(this.sink, level, message, { ...this.fields, ...fields }));
  }

  debug(message: string, fields?: LogFields): void {
    this.emit('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.emit('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.emit('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.emit('error', message, fields);
  }
  child(fields: LogFields): Logger {
    return new DaemonLogger(this.sink, { ...this.fields, ...fields });
  }
}

/** Options of {@link createLogger}; everything defaults to what a daemon on stderr wants. */
export interface CreateLoggerOptions {
  program?: string;
  level?: LogLevel;
  /** Defaults to `pretty` on a TTY and `json` otherwise. */
  format?: LogFormat;
  /** Defaults to on for a TTY unless `NO_COLOR` is set. */
  color?: boolean;
  write?: (line: string) => void;
}

/** Creates a daemon logger and returns it with its sink, so `logging.yaml` can retune it live. */
export function createLogger(options: CreateLoggerOptions = {}): { logger: Logger; sink: LogSink } {
  const tty = process.stderr.isTTY === true;
  const sink: LogSink = {
    level: options.level ?? 'info',
    format: options.format ?? (tty ? 'pretty' : 'json'),
    program: options.program ?? 'LIGHTHOUSE',
    color: options.color ?? (tty && process.env['NO_COLOR'] === undefined),
    write: options.write ?? ((line) => process.stderr.write(`${line}\n`)),
  };
  return { logger: new DaemonLogger(sink, {}), sink };
}

/** A logger that drops everything: the default for embedders that pass none. */
export const silentLogger: Logger = createLogger({
  level: 'silent',
  write: () => undefined,
}).logger;

/**
 * A `debug` namespace: printf-style trace lines shown under `DEBUG=lighthouse:*`. Declared here
 * rather than re-exported from `debug`, so a plugin's build needs no `@types/debug`.
 */
export interface Debugger {
  (formatter: unknown, ...args: unknown[]): void;
  readonly enabled: boolean;
  readonly namespace: string;
}

/** A `debug` instance in the `lighthouse:` namespace, e.g. `debugFor('core:config:watch')`. */
export function debugFor(namespace: string): Debugger {
  return createDebug(`lighthouse:${namespace}`);
}
