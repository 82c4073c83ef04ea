import type { LogLevel } from '../log.js';
import { printable } from '../model/names.js';
import type { JsonObject } from './plain-json.js';
import { validateSchema } from './schema-errors.js';
import { LoggingFile } from './schemas.js';
import type { LoggingConfig } from './types.js';
import type { Validation } from './validation.js';
import { invalid } from './validation.js';

/**
 * `logging.yaml`. lighthouse 1.0 handed the whole file to Python's `dictConfig`; its keys are
 * accepted so 1.0 files keep working, and the root logger's level becomes the daemon's level
 * unless the file sets `level` itself.
 */

/** Python's level names (`logging._nameToLevel`) and the daemon level each one means. */
const pythonLevels: Record<string, LogLevel> = {
  CRITICAL: 'error',
  FATAL: 'error',
  ERROR: 'error',
  WARNING: 'warn',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  // NOTSET on the root logger lets everything through.
  NOTSET: 'debug',
};

/** Validates a parsed `logging.yaml`. */
export function validateLogging(document: JsonObject): Validation<LoggingConfig> {
  const result = validateSchema(LoggingFile, document);
  if (!result.ok) return result;
  const { format, root } = result.value;
  let { level } = result.value;
  if (level === undefined && root?.level !== undefined) {
    level = pythonLevels[root.level.toUpperCase()];
    if (level === undefined) {
      return invalid([
        {
          pointer: '/root/level',
          message: `unknown log level "${printable(root.level)}": expected one of ${Object.keys(pythonLevels).join(', ')} (any case)`,
        },
      ]);
    }
  }
  return {
    ok: true,
    value: {
      ...(level === undefined ? {} : { level }),
      ...(format === undefined ? {} : { format }),
    },
  };
}
