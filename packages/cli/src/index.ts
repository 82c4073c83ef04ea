/** @lighthouse/cli: the `lighthouse` command. `main` is exported for embedding and tests. */
export { main, commands } from './main.js';
export type { Command, CommandInput, Io } from './command.js';
export { ExitCode, UsageError } from './exit-codes.js';
