import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ErrorCode, isLighthouseError } from '@lighthouse/core';
import { renderError } from '@lighthouse/core/engine';
import type { CliOptions, Command, Io } from './command.js';
import { downCommand } from './commands/down.js';
import { pluginsCommand } from './commands/plugins.js';
import { renderCommand } from './commands/render.js';
import { reporterCommand } from './commands/reporter.js';
import { schemaCommand } from './commands/schema.js';
import { statusCommand } from './commands/status.js';
import { upCommand } from './commands/up.js';
import { validateCommand } from './commands/validate.js';
import { writerCommand } from './commands/writer.js';
import { cliPackageDir } from './environment.js';
import { ExitCode, UsageError } from './exit-codes.js';
import { commandHelp, globalHelp } from './help.js';

/** Every command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  writerCommand,
  reporterCommand,
  validateCommand,
  renderCommand,
  pluginsCommand,
  schemaCommand,
  downCommand,
  upCommand,
  statusCommand,
];

const processIo: Io = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(join(cliPackageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Maps an error to its exit code and prints it (the stack only under DEBUG). */
function report(error: unknown, io: Io, program: string): number {
  if (error instanceof UsageError) {
    io.stderr(`${program}: ${error.message}\nRun "${program} --help" for usage.`);
    return ExitCode.Usage;
  }
  const debugging = (process.env['DEBUG'] ?? '') !== '';
  if (isLighthouseError(error) && error.code !== ErrorCode.Internal) {
    io.stderr(renderError(error, debugging));
    return error.code === ErrorCode.Unavailable ? ExitCode.Runtime : ExitCode.Invalid;
  }
  io.stderr(renderError(error, true));
  io.stderr(
    `This is a bug in lighthouse ${version()} (node ${process.version}); please report it with the output above.`,
  );
  return ExitCode.Runtime;
}

/**
 * Runs `lighthouse <args>`. `options.program` is what the user typed, so `lighthouse-writer
 * --help` shows `lighthouse-writer <config-dir>`. Returns the exit code; never calls process.exit.
 */
export async function main(args: readonly string[], options: CliOptions = {}): Promise<number> {
  const { program = 'lighthouse', io = processIo, pluginPackageDirs = [] } = options;
  const standalone = program !== 'lighthouse';
  const [name, ...rest] = args;
  try {
    if (name === undefined) {
      io.stderr(globalHelp(program, commands));
      return ExitCode.Usage;
    }
    if (name === '--help' || name === '-h' || name === 'help') {
      io.stdout(globalHelp(program, commands));
      return ExitCode.Ok;
    }
    if (name === '--version' || name === '-V') {
      io.stdout(`lighthouse ${version()}`);
      return ExitCode.Ok;
    }
    const command = commands.find((candidate) => candidate.name === name);
    if (command === undefined)
      throw new UsageError(
        `unknown command "${name}" (commands: ${commands.map((c) => c.name).join(', ')})`,
      );
    const parsed = parseArgsOrUsage(command, rest);
    if (parsed.values['help'] === true) {
      io.stdout(commandHelp(program, command, standalone));
      return ExitCode.Ok;
    }
    if (parsed.values['version'] === true) {
      io.stdout(`lighthouse ${version()}`);
      return ExitCode.Ok;
    }
    checkPositionals(command, parsed.positionals);
    return await command.run({
      positionals: parsed.positionals,
      values: parsed.values,
      io,
      program,
      pluginPackageDirs,
    });
  } catch (error) {
    return report(error, io, program);
  }
}

function parseArgsOrUsage(command: Command, args: string[]): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({
      args,
      options: {
        ...command.options,
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(
      `${command.name}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function checkPositionals(command: Command, positionals: string[]): void {
  const required = command.positionals.filter((positional) => positional.required);
  if (positionals.length < required.length) {
    throw new UsageError(
      `${command.name}: missing <${required[positionals.length]?.name ?? 'argument'}>`,
    );
  }
  if (positionals.length > command.positionals.length) {
    throw new UsageError(
      `${command.name}: unexpected argument "${positionals[command.positionals.length] ?? ''}"`,
    );
  }
}

/** The programs a bin can be: `lighthouse`, or a daemon command run on its own. */
export type BinName = 'lighthouse' | 'lighthouse-writer' | 'lighthouse-reporter';

/**
 * A reader that went away (`lighthouse schema | head`) is no error: what is left to print is
 * dropped and the command ends normally, instead of dying on an unhandled EPIPE.
 */
function ignoreClosedReader(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

/**
 * What a bin file runs: `main` over the process's arguments, the daemon bins with their command
 * put in front. Sets `process.exitCode`, so pending output is flushed before Node exits.
 */
export async function runBin(
  bin: BinName,
  options: Pick<CliOptions, 'pluginPackageDirs'> = {},
): Promise<void> {
  ignoreClosedReader(process.stdout);
  ignoreClosedReader(process.stderr);
  const args = process.argv.slice(2);
  const command = bin === 'lighthouse' ? [] : [bin.slice('lighthouse-'.length)];
  process.exitCode = await main([...command, ...args], { ...options, program: bin });
}
