import type { Static, TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import Value from 'typebox/value';
import { printable } from '../model/names.js';
import { didYouMean } from '../did-you-mean.js';
import type { JsonValue } from './plain-json.js';
import { childPointer, joinPointer, parentPointer, pointerSegments } from './pointer.js';
import type { Problem, Validation } from './validation.js';

/**
 * Schema validation with messages a person can act on. TypeBox reports ajv-style errors
 * (`must be integer`, `schema is false`); here each becomes `expected an integer, got "two"`,
 * `missing required key "discovery"` (pointing at the key) or `unknown key "intervall" (did you
 * mean "interval"?)`. TypeBox reports an unknown key twice (a `boolean` error at the key and an
 * `additionalProperties` error at its parent) and a failed union once per branch plus once for
 * the union; both collapse to one problem.
 */

/** Options of {@link validateSchema}. */
export interface SchemaOptions {
  /** Where the validated value sits in the document (`/checks/http`); default the root. */
  pointer?: string;
  /** More keys to suggest for an unknown key at the top of the value (e.g. `rise`, `fall`). */
  knownKeys?: readonly string[];
}

type SchemaNode = Record<string, unknown>;

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The sub-schema at an error's `schemaPath` (`#/properties/checks/additionalProperties`). */
function schemaAt(schema: TSchema, schemaPath: string): SchemaNode | undefined {
  let node: unknown = schema;
  for (const segment of pointerSegments(schemaPath.replace(/^#/, ''))) {
    if (!isNode(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return isNode(node) ? node : undefined;
}

function valueAt(value: JsonValue, instancePath: string): JsonValue | undefined {
  let node: JsonValue | undefined = value;
  for (const segment of pointerSegments(instancePath)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = Array.isArray(node) ? node[Number(segment)] : node[segment];
  }
  return node;
}

/** How a value is named after "got": `"two"`, `1.5`, `a list`. */
export function describeValue(value: JsonValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return `"${printable(value, 60)}"`;
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const typeNames: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'an empty value',
};

function typeName(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((one) => typeNames[String(one)] ?? String(one)).join(' or ');
}

/** What a union accepts: `one of "pretty", "json"` or `an integer or a list`. */
function alternatives(union: SchemaNode | undefined): string {
  const branches = (union?.['anyOf'] ?? union?.['oneOf'] ?? []) as unknown[];
  const constants = branches.filter((branch) => isNode(branch) && 'const' in branch);
  if (constants.length > 0 && constants.length === branches.length) {
    return `one of ${constants.map((branch) => JSON.stringify((branch as SchemaNode)['const'])).join(', ')}`;
  }
  const names = branches.map((branch) =>
    isNode(branch) && 'type' in branch ? typeName(branch['type']) : 'another form',
  );
  return [...new Set(names)].join(' or ') || 'another form';
}

function unknownKey(
  pointer: string,
  key: string,
  parent: SchemaNode | undefined,
  extra: readonly string[],
): Problem {
  const known = [
    ...Object.keys(isNode(parent?.['properties']) ? parent['properties'] : {}),
    ...extra,
  ];
  return {
    pointer: childPointer(pointer, key),
    message: `unknown key "${printable(key)}"${didYouMean(key, known)}`,
  };
}

/** Translates one TypeBox error; returns no problem for the duplicates described above. */
function translate(
  error: TLocalizedValidationError,
  schema: TSchema,
  value: JsonValue,
  options: SchemaOptions,
): Problem[] {
  const base = options.pointer ?? '';
  const pointer = joinPointer(base, error.instancePath);
  const got = describeValue(valueAt(value, error.instancePath));
  const at = (message: string): Problem[] => [{ pointer, message }];
  const known = (instancePath: string): readonly string[] =>
    instancePath === '' ? (options.knownKeys ?? []) : [];
  switch (error.keyword) {
    case 'required':
      return error.params.requiredProperties.map((key) => ({
        pointer: childPointer(pointer, key),
        message: `missing required key "${key}"`,
      }));
    case 'additionalProperties': {
      const parent = schemaAt(schema, error.schemaPath);
      if (parent?.['additionalProperties'] !== false) return [];
      return error.params.additionalProperties.map((key) =>
        unknownKey(pointer, key, parent, known(error.instancePath)),
      );
    }
    case 'boolean': {
      if (!error.schemaPath.endsWith('/additionalProperties'))
        return at('no value is allowed here');
      const parent = schemaAt(schema, error.schemaPath.slice(0, -'/additionalProperties'.length));
      const key = pointerSegments(error.instancePath).at(-1) ?? '';
      const parentPath = error.instancePath.slice(0, error.instancePath.lastIndexOf('/'));
      return [unknownKey(parentPointer(pointer) ?? '', key, parent, known(parentPath))];
    }
    case 'anyOf':
    case 'oneOf':
      return at(`expected ${alternatives(schemaAt(schema, error.schemaPath))}, got ${got}`);
    case 'type':
      return at(`expected ${typeName(error.params.type)}, got ${got}`);
    case 'const':
      return at(`expected ${JSON.stringify(error.params.allowedValue)}, got ${got}`);
    case 'enum':
      return at(
        `expected one of ${error.params.allowedValues.map((one) => JSON.stringify(one)).join(', ')}, got ${got}`,
      );
    case 'minimum':
      return at(`must be at least ${error.params.limit}, got ${got}`);
    case 'maximum':
      return at(`must be at most ${error.params.limit}, got ${got}`);
    case 'exclusiveMinimum':
      return at(`must be greater than ${error.params.limit}, got ${got}`);
    case 'exclusiveMaximum':
      return at(`must be less than ${error.params.limit}, got ${got}`);
    case 'minItems':
      return at(
        error.params.limit === 1
          ? 'must not be empty'
          : `must have at least ${error.params.limit} items`,
      );
    case 'maxItems':
      return at(`must have at most ${error.params.limit} items`);
    case 'minLength':
      return at(
        error.params.limit === 1
          ? 'must not be empty'
          : `must be at least ${error.params.limit} characters long`,
      );
    case 'maxLength':
      return at(`must be at most ${error.params.limit} characters long`);
    case 'pattern': {
      const description = schemaAt(schema, error.schemaPath)?.['description'];
      return at(
        typeof description === 'string'
          ? `invalid value ${got}: ${description}`
          : `${got} does not match the pattern ${error.params.pattern}`,
      );
    }
    case 'format':
      return at(`${got} is not a valid ${error.params.format}`);
    case 'uniqueItems':
      return at('must not contain duplicates');
    case 'multipleOf':
      return at(`must be a multiple of ${error.params.multipleOf}`);
    default:
      return at(error.message);
  }
}

/** Why `value` does not match `schema`, as problems; empty when it does. */
export function schemaProblems(
  schema: TSchema,
  value: JsonValue,
  options: SchemaOptions = {},
): Problem[] {
  const errors = Value.Errors(schema, value);
  // A union's own error already says what was expected; its branches' errors are noise.
  const unions = errors
    .filter((error) => error.keyword === 'anyOf' || error.keyword === 'oneOf')
    .map((error) => `${error.schemaPath}/${error.keyword}/`);
  const problems = new Map<string, Problem>();
  for (const error of errors) {
    if (unions.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    for (const problem of translate(error, schema, value, options)) {
      problems.set(`${problem.pointer}\n${problem.message}`, problem);
    }
  }
  return [...problems.values()];
}

/**
 * Applies the schema's defaults to `value` (in place), then validates it. Unknown keys are
 * reported, never dropped (no `Value.Clean`).
 */
export function validateSchema<S extends TSchema>(
  schema: S,
  value: JsonValue,
  options: SchemaOptions = {},
): Validation<Static<S>> {
  const defaulted = Value.Default(schema, value) as JsonValue;
  if (Value.Check(schema, defaulted)) return { ok: true, value: defaulted as Static<S> };
  const problems = schemaProblems(schema, defaulted, options);
  return {
    ok: false,
    problems:
      problems.length > 0
        ? problems
        : [{ pointer: options.pointer ?? '', message: 'does not match the schema' }],
  };
}
