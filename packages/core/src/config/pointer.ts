import { printable } from '../model/names.js';

/**
 * JSON pointers (RFC 6901) as issues carry them. A segment escapes `~` and `/` as the RFC says
 * and, on top, control characters as `\uXXXX`: an issue is printed as one line, and a hostile key
 * must not be able to break that line.
 */

/** Encodes one reference token. */
function encodeSegment(segment: string): string {
  return printable(segment.replaceAll('~', '~0').replaceAll('/', '~1'), Number.POSITIVE_INFINITY);
}

/** The pointer of `key` inside the node at `pointer`. */
export function childPointer(pointer: string, key: string | number): string {
  return `${pointer}/${encodeSegment(String(key))}`;
}

/** Decodes an RFC 6901 pointer (as TypeBox reports `instancePath`) into its segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Re-encodes a raw RFC 6901 pointer in our display form and appends it to `base`. */
export function joinPointer(base: string, rawPointer: string): string {
  return pointerSegments(rawPointer).reduce<string>(childPointer, base);
}

/** The pointer of the node that contains `pointer`, or undefined for the document itself. */
export function parentPointer(pointer: string): string | undefined {
  return pointer === '' ? undefined : pointer.slice(0, pointer.lastIndexOf('/'));
}

/** True when `pointer` is `ancestor` or lies below it. */
export function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}
