import { InternalError, printable } from '@lighthouse/core';

/**
 * Guards against future bugs in the renderer, whatever its inputs: nothing with a newline or a
 * control character may ever land in haproxy.cfg. Every line is checked where it is made (a
 * cluster's backend once, when it is rendered); the file only joins checked lines with "\n".
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Throws unless every line is non-empty, without control characters or surrounding spaces. */
export function assertWellFormedLines(lines: readonly string[]): void {
  const bad = lines.find((line) => line === '' || CONTROL.test(line) || line.trim() !== line);
  if (bad !== undefined) {
    throw new InternalError(`rendered HAProxy config is malformed at "${printable(bad)}"`);
  }
}
