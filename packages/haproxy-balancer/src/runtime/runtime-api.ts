import { AdminSocket } from './admin-socket.js';
import type { AdminSocketOptions } from './admin-socket.js';
import { commandLine, replyError } from './commands.js';
import type { RuntimeCommand } from './commands.js';
import type { RefusalKind, RuntimeCommandError } from './errors.js';
import { parseServersState, parseStatCsv, parseWorkerPid, workerStopping } from './show-parsers.js';
import type { ServerState } from './show-parsers.js';

/**
 * HAProxy's runtime API over the admin socket, typed: `show` replies parsed, refusals thrown (or
 * returned per command by {@link RuntimeApi.execute}, for batches that must go on past one).
 */

/** Refusals no planned command should get: a sign its reply may be another command's. */
const UNEXPECTED: ReadonlySet<string> = new Set<RefusalKind>(['unknown-command', 'refused']);

/** What one command of a batch did. */
export interface CommandOutcome {
  command: RuntimeCommand;
  /** Undefined on success. */
  error?: RuntimeCommandError;
}

/** The admin-socket API. */
export class RuntimeApi {
  private readonly socket: AdminSocket;

  constructor(socketPath: string, options: AdminSocketOptions = {}) {
    this.socket = new AdminSocket(socketPath, options);
  }

  /** Forgets the persistent session (call after a reload or a restart). */
  reset(): void {
    this.socket.reset();
  }

  /**
   * Runs `commands` as batches; every command runs and gets its own outcome. A reply none of the
   * commands can give (an unknown command's help text, an unknown refusal) may be another
   * command's, shifted: the session is reset so the next call starts clean.
   */
  async execute(commands: readonly RuntimeCommand[]): Promise<CommandOutcome[]> {
    const replies = await this.socket.run(commands.map(commandLine));
    const outcomes = commands.map((command, index): CommandOutcome => {
      const error = replyError(command, replies[index] ?? '');
      return error === undefined ? { command } : { command, error };
    });
    if (outcomes.some((outcome) => UNEXPECTED.has(outcome.error?.kind ?? 'ok'))) this.reset();
    return outcomes;
  }

  /** `show servers state [<backend>]`. */
  showServersState(backend?: string): Promise<ServerState[]> {
    const command = backend === undefined ? 'show servers state' : `show servers state ${backend}`;
    return this.parsed(command, parseServersState);
  }

  /**
   * The worker this session talks to (`show info`'s Pid) and its servers (`show servers state`):
   * of every backend, or one `show servers state <backend>` for each of `backends` (what a sync
   * reads of the backends it changes), all in one exchange. A session kept from before a reload
   * (someone's `systemctl reload`) still talks to the old worker, which says it is stopping: the
   * session is then replaced and the exchange runs again, on the new worker.
   */
  async workerAndServers(
    backends?: readonly string[],
  ): Promise<{ worker: number; servers: ServerState[] }> {
    const shows =
      backends === undefined
        ? ['show servers state']
        : backends.map((name) => `show servers state ${name}`);
    let [info = '', ...replies] = await this.socket.run(['show info', ...shows]);
    if (workerStopping(info)) {
      this.reset();
      [info = '', ...replies] = await this.socket.run(['show info', ...shows]);
    }
    try {
      const servers = replies.flatMap((reply) => parseServersState(reply));
      return { worker: parseWorkerPid(info), servers };
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /** `show stat` (CSV), optionally `<proxy> <type> <sid>` (type 4 = servers, -1 = all). */
  showStat(filter?: string): Promise<Record<string, string>[]> {
    return this.parsed(filter === undefined ? 'show stat' : `show stat ${filter}`, parseStatCsv);
  }

  /**
   * One `show` command's reply, parsed; a reply of the wrong shape resets the session (it may be
   * another command's reply, shifted: its leftovers must not poison the next call).
   */
  private async parsed<T>(command: string, parse: (reply: string) => T): Promise<T> {
    const reply = await this.raw(command);
    try {
      return parse(reply);
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  /** The raw reply of one command; for `show` commands this API does not parse. */
  async raw(command: string): Promise<string> {
    const [reply] = await this.socket.run([command]);
    return reply ?? '';
  }
}
