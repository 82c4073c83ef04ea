/**
 * `json.dumps(value, sort_keys=True)` as Python writes it (separators `", "` and `": "`,
 * `ensure_ascii=True`), so the payloads we write are byte-identical to lighthouse 1.0's and a
 * mixed fleet can compare them.
 */

function escapeString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      // Python escapes everything outside printable ASCII, astral characters as surrogate pairs.
      for (let i = 0; i < char.length; i++) {
        out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
      }
    } else out += char;
  }
  return `${out}"`;
}

/** Serialises a JSON-compatible value exactly like Python's `json.dumps(v, sort_keys=True)`. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${keys
      .filter((key) => record[key] !== undefined)
      .map((key) => `${escapeString(key)}: ${pythonJsonDumps(record[key])}`)
      .join(', ')}}`;
  }
  throw new TypeError(`cannot encode a ${typeof value} as JSON`);
}
