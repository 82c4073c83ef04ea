import type { JsonObject } from './plain-json.js';
import { validateSchema } from './schema-errors.js';
import { WriterFile } from './schemas.js';
import type { WriterConfig } from './types.js';
import type { Validation } from './validation.js';
import { validStateDir } from './validation.js';

/** Validates a parsed `writer.yaml` (its `state_dir` by the same rule as `reporter.yaml`'s). */
export function validateWriter(document: JsonObject): Validation<WriterConfig> {
  const result = validateSchema(WriterFile, document);
  if (!result.ok) return result;
  const stateDir = validStateDir(result.value.state_dir);
  return stateDir.ok ? { ok: true, value: { stateDir: stateDir.value } } : stateDir;
}
