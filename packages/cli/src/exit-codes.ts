/** Exit codes of every lighthouse command (DESIGN §8). */
export const ExitCode = {
  Ok: 0,
  /** Invalid input: a config file, a plugin, an argument value. */
  Invalid: 1,
  /** Usage: unknown command or flag, missing argument. */
  Usage: 2,
  /** Runtime failure: could not start, crashed. */
  Runtime: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A usage error: printed with a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
