import { isLighthouseError } from './errors.js';

/**
 * Renders an error for humans: `Error: … / Code: … / Try this: … / Caused by: …`.
 * The stack is printed only when `withStack` is set (the CLI sets it under `DEBUG`).
 */
export function renderError(error: unknown, withStack = false): string {
  const lines: string[] = [];
  if (isLighthouseError(error)) {
    const [first = '', ...rest] = error.message.split('\n');
    lines.push(`Error: ${first}`, ...rest.map((line) => `  ${line}`), `Code: ${error.code}`);
    // Another copy of core may be older or newer: read its fields defensively.
    const suggestions: unknown = error.suggestions;
    if (Array.isArray(suggestions))
      for (const suggestion of suggestions) lines.push(`Try this: ${String(suggestion)}`);
    const ref: unknown = error.ref;
    if (typeof ref === 'string') lines.push(`Reference: ${ref}`);
  } else if (error instanceof Error) {
    lines.push(`Error: ${error.message}`);
  } else {
    lines.push(`Error: ${String(error)}`);
  }
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    lines.push(`Caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (withStack && error instanceof Error && error.stack !== undefined) lines.push(error.stack);
  return lines.join('\n');
}
