import type { ParseArgsConfig } from 'node:util';

/** Where a command writes; tests replace it, the bins use the process streams. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The parsed command line a command runs with. */
export interface CommandInput {
  positionals: string[];
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  io: Io;
  /** The name the user typed (`lighthouse`, `lighthouse-writer`…), for messages. */
  program: string;
  /** Packages whose dependencies provide plugins besides the project's (see {@link CliOptions}). */
  pluginPackageDirs: readonly string[];
}

/** How a host runs the CLI: the bins of @lighthouse/cli and of a distribution, tests, embedders. */
export interface CliOptions {
  /** The name the user typed, for help and messages (default `lighthouse`). */
  program?: string;
  /** Where output goes (default the process's stdout and stderr). */
  io?: Io;
  /**
   * Package directories whose `dependencies` are searched for plugins after the project's. A
   * distribution that bundles plugins (like @lighthouse/all) passes its own directory, so its
   * plugins are found wherever it is installed, globally included.
   */
  pluginPackageDirs?: readonly string[];
}

/** One `lighthouse <command>`. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The synopsis, e.g. `validate <config-dir> [options]`. */
  usage: string;
  /** Paragraphs after the synopsis: what it does, arguments, exit codes, examples. */
  details: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** Option descriptions for `--help`, by long name (`'log-level': 'LEVEL  debug|info…'`). */
  optionHelp: Record<string, string>;
  positionals: { name: string; required: boolean }[];
  run(input: CommandInput): Promise<number>;
}
