/** @lighthouse/cli: the `lighthouse` command. `main` is exported for embedding and tests. */
export { main, runBin, commands } from './main.js';
export type { BinName } from './main.js';
export type { CliOptions, Command, CommandInput, Io } from './command.js';
export { ExitCode, UsageError } from './exit-codes.js';
