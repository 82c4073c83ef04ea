import { describeError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { createLogger, isImportEcho } from '@lighthouse/core/engine';
import type { LogSink, PluginResolver } from '@lighthouse/core/engine';
import type { CommandInput } from './command.js';
import { logFormat, logLevel } from './common-options.js';
import { configDirectory, commandPlugins } from './environment.js';
import { ExitCode } from './exit-codes.js';

/** What a daemon command builds: an engine with start/stop. */
export interface Engine {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What the engine factory receives. */
export interface EngineDeps {
  configDir: string;
  resolver: PluginResolver;
  logger: Logger;
  logSink: LogSink;
}

/** Resolves on the first SIGTERM or SIGINT with the signal's name. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
      resolve(signal);
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}

/**
 * Runs a daemon until SIGTERM or SIGINT, then stops it gracefully (the reporter deregisters
 * everything first: 1.0 ignored SIGTERM and left its ephemerals behind, bug B29). A second
 * signal during the graceful stop exits at once.
 */
export async function runDaemon(
  program: 'WRITER' | 'REPORTER',
  input: CommandInput,
  createEngine: (deps: EngineDeps) => Engine,
): Promise<number> {
  const level = logLevel(input.values['log-level']);
  const format = logFormat(input.values['log-format']);
  const { logger, sink } = createLogger({
    program,
    ...(level === undefined ? {} : { level }),
    ...(format === undefined ? {} : { format }),
  });
  const configDir = await configDirectory(input.positionals[0] ?? '');
  const resolver = await commandPlugins(input, configDir, logger);

  const crash = (error: unknown): void => {
    // A plugin import that failed is already a reported load failure (see isImportEcho).
    if (isImportEcho(error)) return;
    logger.error('unexpected error, exiting', { error: describeError(error) });
    process.exit(ExitCode.Runtime);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const engine = createEngine({ configDir, resolver, logger, logSink: sink });
  const stopping = nextSignal();
  await engine.start();
  const signal = await stopping;
  logger.info(`received ${signal}, stopping`);
  void nextSignal().then((again) => {
    logger.warn(`received ${again} again, exiting without a clean stop`);
    process.exit(ExitCode.Runtime);
  });
  await engine.stop();
  return ExitCode.Ok;
}
