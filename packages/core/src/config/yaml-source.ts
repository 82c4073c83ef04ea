import yaml from 'js-yaml';
import { describeError } from '../errors.js';
import { childPointer, parentPointer } from './pointer.js';

/**
 * Parses one YAML document and remembers where each node came from, so an issue found later (by
 * a schema, a rule or a plugin) can name the line. js-yaml has no AST; its `listener` reports an
 * `open` and a `close` event per node it composes. The nesting of those events is a tree whose
 * mapping frames hold key, value, key, value… children and whose sequence frames hold one child
 * per item. That shape is verified against the parsed value (by identity for collections, by
 * value for scalars) before a frame's children are trusted: forms where it does not hold (merge
 * keys, aliases, `{a, b: 1}`) simply leave those nodes to their nearest located ancestor.
 */

/** A parsed document and a pointer→line lookup. */
export interface YamlDocument {
  value: unknown;
  /** The 1-based line of the node at `pointer`, else of its nearest located ancestor. */
  lineOf(pointer: string): number | undefined;
}

/** The outcome of {@link parseYaml}: a document, or a syntax error with js-yaml's line. */
export type YamlParse =
  { ok: true; document: YamlDocument } | { ok: false; message: string; line?: number };

interface Frame {
  /** Offset in js-yaml's input where the node was opened (possibly before whitespace). */
  start: number;
  result: unknown;
  children: Frame[];
}

/** Offsets at which each line starts; breaks are LF, CRLF or a lone CR, as js-yaml counts them. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (char === '\n' || (char === '\r' && text[index + 1] !== '\n')) starts.push(index + 1);
  }
  return starts;
}

/** Moves past whitespace, line breaks and comments: js-yaml opens a value before seeking it. */
function skipInsignificant(text: string, offset: number): number {
  let index = offset;
  while (index < text.length) {
    const char = text[index];
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') index++;
    else if (char === '#') while (index < text.length && text[index] !== '\n') index++;
    else break;
  }
  return index;
}

/** Called after the array case, so any remaining object is a mapping. */
function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Walks the verified frame tree and records the line of every node below the root. */
function recordLines(
  frame: Frame,
  pointer: string,
  lineAt: (offset: number) => number,
  lines: Map<string, number>,
): void {
  const value = frame.result;
  const { children } = frame;
  if (Array.isArray(value)) {
    if (children.length !== value.length) return;
    children.forEach((child, index) => {
      if (!Object.is(child.result, value[index])) return;
      const itemPointer = childPointer(pointer, index);
      lines.set(itemPointer, lineAt(child.start));
      recordLines(child, itemPointer, lineAt, lines);
    });
  } else if (isMapping(value)) {
    if (children.length % 2 !== 0) return;
    for (let index = 0; index < children.length; index += 2) {
      const key = children[index];
      const child = children[index + 1];
      if (key === undefined || child === undefined) return;
      const name = String(key.result);
      if (!Object.hasOwn(value, name) || !Object.is(value[name], child.result)) {
        // A merge key (`<<: *base`) is not a key of the result; anything else means the
        // key/value alternation does not hold for this mapping, so trust none of it.
        if (name === '<<') continue;
        return;
      }
      const entryPointer = childPointer(pointer, name);
      lines.set(entryPointer, lineAt(key.start));
      recordLines(child, entryPointer, lineAt, lines);
    }
  }
}

/** Parses `text` (one document, js-yaml's default safe schema) and maps pointers to lines. */
export function parseYaml(text: string): YamlParse {
  const root: Frame = { start: 0, result: undefined, children: [] };
  const stack: Frame[] = [root];
  let input = '';
  let value: unknown;
  try {
    value = yaml.load(text, {
      listener(event, state) {
        input = state.input;
        if (event === 'open') {
          stack.push({ start: state.position, result: undefined, children: [] });
          return;
        }
        const frame = stack.pop();
        if (frame === undefined) return;
        frame.result = state.result;
        stack.at(-1)?.children.push(frame);
      },
    });
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // Some errors ("expected a single document…") carry no mark, whatever the typings say.
      const mark = error.mark as yaml.Mark | undefined;
      if (mark === undefined) return { ok: false, message: `invalid YAML: ${error.reason}` };
      return {
        ok: false,
        message: `invalid YAML: ${error.reason} (column ${mark.column + 1})`,
        line: mark.line + 1,
      };
    }
    return { ok: false, message: `invalid YAML: ${describeError(error)}` };
  }
  const starts = lineStarts(input);
  const lineAt = (offset: number): number => {
    const target = skipInsignificant(input, offset);
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((starts[middle] ?? 0) <= target) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const lines = new Map<string, number>();
  const documentFrame = root.children[0];
  if (documentFrame !== undefined) recordLines(documentFrame, '', lineAt, lines);
  return {
    ok: true,
    document: {
      value,
      lineOf(pointer) {
        for (let at: string | undefined = pointer; at !== undefined; at = parentPointer(at)) {
          const line = lines.get(at);
          if (line !== undefined) return line;
        }
        return undefined;
      },
    },
  };
}
