/** True for an object that is not null and not an array: a JSON object, a module namespace… */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
