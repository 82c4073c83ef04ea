import type { JsonObject } from './plain-json.js';
import { validateSchema } from './schema-errors.js';
import { WriterFile } from './schemas.js';
import type { WriterConfig } from './types.js';
import { validDaemonSettings } from './validate-reporter.js';
import type { Validation } from './validation.js';

/**
 * Validates a parsed `writer.yaml`: its `state_dir` and `metrics.listen`, by the same rules as
 * `reporter.yaml`'s.
 */
export function validateWriter(document: JsonObject): Validation<WriterConfig> {
  const result = validateSchema(WriterFile, document);
  if (!result.ok) return result;
  return validDaemonSettings(result.value);
}
