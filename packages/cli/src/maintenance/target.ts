import { userInfo } from 'node:os';
import {
  closestMatch,
  describeError,
  ErrorCode,
  hasControlCharacter,
  LighthouseError,
  portProblem,
  printable,
} from '@lighthouse/core';
import { ALL, loadReporterSetup, maintenanceDir, targetProblem } from '@lighthouse/core/engine';
import type { PluginResolver, ReporterSetup } from '@lighthouse/core/engine';
import type { Command, CommandInput } from '../command.js';
import { rootOption } from '../common-options.js';
import { commandPlugins, configDirectory } from '../environment.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { printIssues } from '../commands/validate.js';

/** Where `--config-dir` points when it is not given and `$LIGHTHOUSE_CONFIG_DIR` is unset. */
export const DEFAULT_CONFIG_DIR = '/etc/lighthouse';

/** `--config-dir` and `--root`, shared by `down`, `up` and `status`. */
export const configDirOption = {
  options: { 'config-dir': { type: 'string' }, ...rootOption.options },
  optionHelp: {
    'config-dir': `DIR    the config directory (default: $LIGHTHOUSE_CONFIG_DIR, else ${DEFAULT_CONFIG_DIR})`,
    ...rootOption.optionHelp,
  },
} satisfies Pick<Command, 'options' | 'optionHelp'>;

/** What a maintenance command (or `status`) works on: the config directory and its reporter. */
export interface ReporterTarget {
  dir: string;
  /** The plugins for `dir`, to read more of it (`status` reads `writer.yaml`). */
  resolver: PluginResolver;
  setup: ReporterSetup;
  /** The maintenance directory below the state directory. */
  maintenance: string;
}

/** The reporter setup a maintenance command works on, or the exit code after printing why not. */
export async function reporterSetup(input: CommandInput): Promise<ReporterTarget | number> {
  const option = input.values['config-dir'];
  const argument =
    typeof option === 'string'
      ? option
      : (process.env['LIGHTHOUSE_CONFIG_DIR'] ?? DEFAULT_CONFIG_DIR);
  const dir = await configDirectory(argument);
  const resolver = await commandPlugins(input, dir);
  const setup = await loadReporterSetup(dir, resolver);
  if (setup.issues.length > 0) return printIssues(setup.issues, dir, input.io);
  return { dir, resolver, setup, maintenance: maintenanceDir(setup.stateDir) };
}

/**
 * The service argument, checked: `all`, or a service configured in the directory (else exit 1
 * with a did-you-mean). A hostile name (`../x`, a newline, 10 KB) never gets this far.
 */
function serviceArgument(input: CommandInput, setup: ReporterSetup): string | undefined {
  const service = input.positionals[0] ?? '';
  const problem = targetProblem(service);
  if (problem !== undefined) {
    input.io.stderr(`${input.program}: ${problem}`);
    return undefined;
  }
  if (service === ALL || setup.services.has(service)) return service;
  const names = [...setup.services.keys()];
  const hint = closestMatch(service, names);
  input.io.stderr(
    `${input.program}: no service "${printable(service)}" is configured` +
      (hint === undefined ? '' : ` (did you mean "${hint}"?)`) +
      (names.length === 0
        ? ' — there are no services/*.yaml files'
        : `; configured: ${names.join(', ')}`),
  );
  return undefined;
}

/** `--port N`, checked against the service's ports when they are known. */
function portArgument(
  input: CommandInput,
  setup: ReporterSetup,
  service: string,
): number | undefined | false {
  const value = input.values['port'];
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(String(value)) ? Number(value) : Number.NaN;
  const problem = portProblem(port);
  if (problem !== undefined) throw new UsageError(`--port: ${problem}`);
  const ports = setup.services.get(service);
  if (service !== ALL && ports !== undefined && !ports.includes(port)) {
    input.io.stderr(
      `${input.program}: service ${service} has no port ${port} (its ports: ${ports.join(', ')})`,
    );
    return false;
  }
  return port;
}

/** What `down` and `up` act on: the setup, and the service (or `all`) and port asked for. */
export interface MaintenanceTarget {
  setup: ReporterSetup;
  /** The maintenance directory below the state directory. */
  maintenance: string;
  service: string;
  port: number | undefined;
  /** `web` or `web port 8081`, for messages. */
  what: string;
}

/**
 * The target of `down`/`up` from the command line, checked against the config directory; or the
 * exit code after printing why there is none.
 */
export async function maintenanceTarget(input: CommandInput): Promise<MaintenanceTarget | number> {
  const target = await reporterSetup(input);
  if (typeof target === 'number') return target;
  const service = serviceArgument(input, target.setup);
  if (service === undefined) return ExitCode.Invalid;
  const port = portArgument(input, target.setup, service);
  if (port === false) return ExitCode.Invalid;
  const what = port === undefined ? service : `${service} port ${port}`;
  return { setup: target.setup, maintenance: target.maintenance, service, port, what };
}

/** Who ran the command, recorded in the entry: the sudo user first, as hacheck did. */
export function operator(): string | undefined {
  const name = process.env['SUDO_USER'] ?? process.env['USER'] ?? safeUserName();
  return name === undefined || name === '' || hasControlCharacter(name)
    ? undefined
    : name.slice(0, 256);
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * Runs a change to the maintenance directory; a file-system refusal (no permission, a read-only
 * disk) becomes one clear error with what to do, not a stack trace.
 */
export async function changing<T>(dir: string, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    throw new LighthouseError(
      ErrorCode.Unavailable,
      `cannot change the maintenance entries in ${dir}: ${describeError(error)}`,
      {
        suggestions: [
          'run it as the user the reporter runs as, or with sudo',
          "or point reporter.yaml's state_dir at a directory you may write",
        ],
        cause: error,
      },
    );
  }
}
