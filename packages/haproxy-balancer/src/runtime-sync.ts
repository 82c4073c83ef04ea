import { describeError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { commandLine } from './runtime/commands.js';
import type { RuntimeCommand } from './runtime/commands.js';
import { RuntimeConnectionError } from './runtime/errors.js';
import type { CommandOutcome, RuntimeApi } from './runtime/runtime-api.js';
import type { ServerState } from './runtime/show-parsers.js';

/**
 * The balancer's two uses of the admin socket in a sync: reading what HAProxy runs, and running
 * the planned commands with the refusals that are not failures told apart from those that are.
 */

/** Runtime refusals that are not failures: the server is already gone, or still busy. */
export function tolerated(outcome: CommandOutcome): boolean {
  const kind = outcome.error?.kind;
  if (kind === undefined) return true;
  if (kind === 'no-such-server') return outcome.command.op !== 'add-server';
  return outcome.command.op === 'del-server' && kind === 'server-busy';
}

function byBackend(states: readonly ServerState[]): Map<string, ServerState[]> {
  const map = new Map<string, ServerState[]>();
  for (const state of states) {
    const list = map.get(state.backend);
    if (list === undefined) map.set(state.backend, [state]);
    else list.push(state);
  }
  return map;
}

/** What a sync reads of the running HAProxy. */
export interface LiveState {
  /** The worker process the admin session talks to: another one means HAProxy was reloaded. */
  worker: number;
  /** `show servers state`, by backend. */
  servers: Map<string, ServerState[]>;
}

/**
 * The worker and `show servers state` by backend, of every backend or of those in `backends`
 * (one exchange); undefined (logged) when the admin socket does not answer.
 */
export async function liveServers(
  runtime: RuntimeApi,
  log: Logger,
  backends?: readonly string[],
): Promise<LiveState | undefined> {
  try {
    const { worker, servers } = await runtime.workerAndServers(backends);
    return { worker, servers: byBackend(servers) };
  } catch (error) {
    if (!(error instanceof RuntimeConnectionError)) throw error;
    log.warn('HAProxy admin socket does not answer', { error: describeError(error) });
    return undefined;
  }
}

/** What a batch did, and why a reload must finish the job if a command did not work. */
export interface BatchResult {
  outcomes: CommandOutcome[];
  refused?: string;
}

/** Runs the planned commands. */
export async function runCommands(
  runtime: RuntimeApi,
  log: Logger,
  commands: readonly RuntimeCommand[],
): Promise<BatchResult> {
  if (commands.length === 0) return { outcomes: [] };
  const started = performance.now();
  const outcomes = await runtime.execute(commands);
  const failed = outcomes.filter((outcome) => !tolerated(outcome));
  log.debug('HAProxy runtime batch', {
    commands: commands.map(commandLine),
    durationMs: Math.round((performance.now() - started) * 100) / 100,
    refused: outcomes.flatMap((outcome) => outcome.error?.message ?? []),
  });
  if (failed.length === 0) return { outcomes };
  const refused = failed.map((outcome) => outcome.error?.message).join('; ');
  return { outcomes, refused: `runtime API refused: ${refused}` };
}
