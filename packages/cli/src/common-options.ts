import { LogFormats, LogLevels } from '@lighthouse/core/engine';
import type { LogFormat, LogLevel } from '@lighthouse/core/engine';
import type { Command } from './command.js';
import { UsageError } from './exit-codes.js';

/** `--root`: where plugin discovery starts (the project whose dependencies hold plugins). */
export const rootOption = {
  options: { root: { type: 'string' } },
  optionHelp: {
    root: 'DIR    project whose package.json dependencies provide plugins (default: the nearest package.json at or above the config directory, else the project this CLI is installed in)',
  },
} satisfies Pick<Command, 'options' | 'optionHelp'>;

/** `--log-level` and `--log-format`, for the daemons. */
export const logOptions = {
  options: { 'log-level': { type: 'string' }, 'log-format': { type: 'string' } },
  optionHelp: {
    'log-level': `LEVEL  ${LogLevels.join('|')} (default info; logging.yaml overrides)`,
    'log-format': `FORMAT ${LogFormats.join('|')} (default pretty on a terminal, json otherwise)`,
  },
} satisfies Pick<Command, 'options' | 'optionHelp'>;

/** Validates an enumerated option value, naming the option and the allowed values on error. */
export function choice<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${String(value)}")`);
}

export function logLevel(value: unknown): LogLevel | undefined {
  return choice('log-level', value, LogLevels);
}

export function logFormat(value: unknown): LogFormat | undefined {
  return choice('log-format', value, LogFormats);
}
