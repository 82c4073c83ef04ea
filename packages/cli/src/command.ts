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
