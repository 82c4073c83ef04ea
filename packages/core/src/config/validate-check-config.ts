import type { CheckPlugin } from '../define.js';
import { isJsonObject, toPlainJson } from './plain-json.js';
import type { JsonObject } from './plain-json.js';
import { childPointer } from './pointer.js';
import { validatePluginSection } from './plugin-section.js';
import { describeValue } from './schema-errors.js';
import { CheckEngineKeys } from './schemas.js';
import type { Validation } from './validation.js';

/**
 * The plugin's part of a service file's `checks.<name>` section, validated the one way lighthouse
 * validates it: the engine's keys (`rise`, `fall`, `timeout`) are split off, since a check never
 * sees them; the rest must match the plugin's `configSchema` once its defaults are applied
 * (unknown keys are rejected, never dropped) and then pass the plugin's own `validateConfig`.
 * The reporter does this through `validateCheck`; test suites and tools call
 * {@link validateCheckConfig} (exported from `@lighthouse/core/engine`) to get the same verdict.
 */

/** The keys of a check section that are lighthouse's (`rise`, `fall`, `timeout`), not the plugin's. */
export const checkEngineKeys: readonly string[] = Object.keys(CheckEngineKeys.properties);

/** Validates the plugin's part of the check section `section`, which sits at `pointer`. */
export function validatePluginCheckSection(
  plugin: CheckPlugin,
  section: JsonObject,
  pointer = '',
): Validation<unknown> {
  const own = Object.fromEntries(
    Object.entries(section).filter(([key]) => !checkEngineKeys.includes(key)),
  );
  return validatePluginSection(plugin.configSchema, own, {
    pointer,
    knownKeys: checkEngineKeys,
    plugin: plugin.name,
    rules: (value) => plugin.validateConfig?.(value),
  });
}

/** The outcome of {@link validateCheckConfig}. */
export type CheckConfigValidation =
  { ok: true; config: unknown } | { ok: false; issues: { pointer: string; message: string }[] };

/** Where `value` holds `undefined`, which neither YAML nor JSON can express. */
function undefinedAt(value: unknown, pointer = ''): string | undefined {
  if (value === undefined) return pointer;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const found = undefinedAt(item, childPointer(pointer, key));
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Validates `section` as the reporter validates a service file's `checks.<name>` for `plugin`,
 * and returns the config `plugin.create` would get (defaults applied), or the issues, each a JSON
 * pointer relative to the section and a message. Engine keys in `section` are left out of the
 * config and not checked here (the reporter checks them against `CheckSection`). `section` is
 * copied first, as plain JSON, so it is never modified; a value a config file cannot hold (a
 * function, `undefined`, a `Date`) is an issue.
 */
export function validateCheckConfig(plugin: CheckPlugin, section: unknown): CheckConfigValidation {
  const issue = (pointer: string, message: string): CheckConfigValidation => ({
    ok: false,
    issues: [{ pointer, message }],
  });
  const missing = undefinedAt(section);
  if (missing !== undefined)
    return issue(missing, 'undefined is not a value a config file can hold');
  const plain = toPlainJson(section);
  if (!plain.ok) return issue(plain.pointer, plain.message);
  if (!isJsonObject(plain.value)) {
    return issue('', `expected a mapping, got ${describeValue(plain.value)}`);
  }
  const result = validatePluginCheckSection(plugin, plain.value);
  return result.ok ? { ok: true, config: result.value } : { ok: false, issues: result.problems };
}
