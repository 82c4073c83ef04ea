import { childPointer } from './pointer.js';

/**
 * js-yaml's safe schema still yields values JSON cannot hold: timestamps become `Date`s,
 * `!!binary` becomes bytes, `.inf`/`.nan` are numbers no port or interval may be. Everything a
 * config file holds ends up in JSON (znode payloads, `lighthouse schema`) or in timers, so the
 * document is converted to plain JSON once, right after parsing. The copy also expands YAML
 * aliases into independent values, so applying defaults to one node never changes another.
 */

/** A value JSON can hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object: a YAML mapping after {@link toPlainJson}. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Aliases can make a small file expand exponentially ("billion laughs"); stop well before. */
const MAX_NODES = 100_000;

/** The outcome of {@link toPlainJson}: the copy, or the first value JSON cannot hold. */
export type PlainJson =
  { ok: true; value: JsonValue } | { ok: false; pointer: string; message: string };

class NotJson extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

/** True for a JSON object (a YAML mapping). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Copies a parsed YAML value into plain JSON, or says where and why it cannot. */
export function toPlainJson(value: unknown): PlainJson {
  let nodes = 0;
  const copy = (node: unknown, pointer: string): JsonValue => {
    if (++nodes > MAX_NODES) {
      throw new NotJson(
        '',
        `the document expands to more than ${MAX_NODES} values (check its aliases)`,
      );
    }
    if (node === null || typeof node === 'boolean' || typeof node === 'string') return node;
    if (typeof node === 'number') {
      if (Number.isFinite(node)) return node;
      throw new NotJson(pointer, `expected a finite number, got ${String(node)}`);
    }
    if (node instanceof Date) {
      throw new NotJson(
        pointer,
        'dates are not supported here; quote the value to use it as a string',
      );
    }
    if (Array.isArray(node))
      return node.map((item, index) => copy(item, childPointer(pointer, index)));
    if (Object.getPrototypeOf(node) === Object.prototype) {
      // fromEntries defines own properties, so a `__proto__:` key stays an ordinary key.
      return Object.fromEntries(
        Object.entries(node as Record<string, unknown>).map(([key, item]) => [
          key,
          copy(item, childPointer(pointer, key)),
        ]),
      );
    }
    throw new NotJson(
      pointer,
      'this YAML type (binary data, a set…) cannot be used in a config file',
    );
  };
  try {
    return { ok: true, value: copy(value, '') };
  } catch (error) {
    if (error instanceof NotJson)
      return { ok: false, pointer: error.pointer, message: error.message };
    throw error;
  }
}
