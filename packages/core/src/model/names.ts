import { isIP } from 'node:net';

/**
 * Validators for every name and address that can travel from a file or a znode into a
 * load-balancer config. They are deliberately strict: anything that passes is safe to place on
 * one line of haproxy.cfg (no whitespace, no control characters, no `#`).
 */

/** Cluster, service, meta-cluster and plugin names: what HAProxy accepts as a proxy name. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** A DNS host name (RFC 1123 labels), or an IPv4/IPv6 literal. */
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** Returns why `value` is not a valid cluster/service/proxy name, or undefined when it is. */
export function nameProblem(value: string): string | undefined {
  if (NAME.test(value)) return undefined;
  return `"${printable(value)}" is not a valid name: use 1-128 letters, digits, "_", "-", "." or ":", starting with a letter or digit`;
}

/** Returns why `value` is not a valid host name or IP address, or undefined when it is. */
export function hostProblem(value: string): string | undefined {
  if (isIP(value) !== 0) return undefined;
  const bare = value.endsWith('.') ? value.slice(0, -1) : value;
  if (
    bare.length > 0 &&
    bare.length <= 253 &&
    bare.split('.').every((label) => HOST_LABEL.test(label))
  ) {
    return undefined;
  }
  return `"${printable(value)}" is not a valid host name or IP address`;
}

/** Returns why `value` is not an IPv4 or IPv6 address, or undefined when it is. */
export function ipProblem(value: string): string | undefined {
  return isIP(value) === 0 ? `"${printable(value)}" is not an IPv4 or IPv6 address` : undefined;
}

/** Returns why `value` is not a TCP port (integer 1-65535), or undefined when it is. */
export function portProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535)
    return undefined;
  return `${printable(JSON.stringify(value) ?? String(value))} is not a port (an integer from 1 to 65535)`;
}

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ALL_CONTROL = new RegExp(CONTROL.source, 'g');

/** True when `text` holds a C0/C1 control character (newline, tab, NUL, ESC…) or DEL. */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** Escapes control characters so a hostile value can be quoted in a log line or error. */
export function printable(text: string, max = 80): string {
  const escaped = text.replace(
    ALL_CONTROL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
