import type { TSchema } from 'typebox';
import type { PluginConfigIssue } from '../define.js';
import { describeError } from '../errors.js';
import type { JsonValue } from './plain-json.js';
import { joinPointer } from './pointer.js';
import type { SchemaOptions } from './schema-errors.js';
import { validateSchema } from './schema-errors.js';
import type { Validation } from './validation.js';
import { invalid } from './validation.js';

/**
 * A section a plugin owns (a balancer or discovery file, a cluster's `haproxy:`, a service's
 * `http:` check): the plugin's schema with its defaults applied, then the plugin's own rules
 * (`validateConfig`, `validateClusterConfig`) for what a schema cannot say, such as HAProxy
 * directive lines. The rules report pointers relative to the section; they are placed under it.
 */

/** Options of {@link validatePluginSection}. */
export interface SectionOptions extends SchemaOptions {
  /** The plugin, for the message when its rules throw. */
  plugin: string;
  /** The plugin's rules, called with the validated, defaulted section. */
  rules?: (config: unknown) => readonly PluginConfigIssue[] | undefined;
}

/** Validates a plugin-owned section; the value is the defaulted section. */
export function validatePluginSection(
  schema: TSchema,
  value: JsonValue,
  options: SectionOptions,
): Validation<unknown> {
  const pointer = options.pointer ?? '';
  const result = validateSchema(schema, value, options);
  if (!result.ok || options.rules === undefined) return result;
  let issues: readonly PluginConfigIssue[];
  try {
    issues = options.rules(result.value) ?? [];
  } catch (error) {
    const message = `the ${options.plugin} plugin failed to check these options: ${describeError(error)}`;
    return invalid([{ pointer, message }]);
  }
  if (issues.length === 0) return result;
  return invalid(
    issues.map((issue) => ({
      pointer: joinPointer(pointer, issue.pointer),
      message: issue.message,
    })),
  );
}
