import type { BackendServer } from './render-servers.js';
import type { RuntimeCommand, ServerAdminState } from './runtime/commands.js';
import type { CommandOutcome } from './runtime/runtime-api.js';

/**
 * The admin state this writer last put each server in. HAProxy reports one forced state whoever
 * set it; comparing it with this ledger tells the writer's own drain or maintenance from an
 * operator's `set server … state maint`, which the planner then leaves alone.
 *
 * After a restart the ledger starts from the outage cache (the states the previous writer's
 * nodes asked for), so a drain the previous writer set is still known as the writer's own.
 */
export class AdminLedger {
  private readonly states = new Map<string, ServerAdminState>();
  private seeded = false;

  get(backend: string, server: string): ServerAdminState | undefined {
    return this.states.get(`${backend}/${server}`);
  }

  /** Whether anything was taken in yet (the first sync seeds it from the outage cache). */
  get empty(): boolean {
    return !this.seeded;
  }

  /**
   * After a reload or a start (and to seed it): only the servers of `backends` exist; one the
   * ledger knows keeps its entry (a drain the writer set survives a reload with a server state
   * file), one it does not know is in the state its node asks for.
   */
  retain(backends: ReadonlyMap<string, readonly BackendServer[]>): void {
    this.seeded = true;
    const previous = new Map(this.states);
    this.states.clear();
    for (const [backend, servers] of backends) {
      for (const server of servers) {
        const id = `${backend}/${server.name}`;
        this.states.set(id, previous.get(id) ?? (server.drain === true ? 'drain' : 'ready'));
      }
    }
  }

  /**
   * Before a batch is sent: the states it may leave a server in besides ready (an added server
   * starts in maint; maint, drain). Recorded first so that a batch cut off halfway (a timeout)
   * cannot leave the writer's own maint or drain looking like an operator's. A ready is recorded
   * only once done: a refused one must not make the state it failed to lift look foreign.
   */
  intend(commands: readonly RuntimeCommand[]): void {
    for (const command of commands) {
      const id = `${command.backend}/${command.server}`;
      if (command.op === 'add-server') this.states.set(id, 'maint');
      else if (command.op === 'set-state' && command.state !== 'ready') {
        this.states.set(id, command.state);
      }
    }
  }

  /** Takes in what a batch did: states set, servers added (in maint) and deleted. */
  record(outcomes: readonly CommandOutcome[]): void {
    this.seeded = true;
    for (const { command, error } of outcomes) {
      if (error !== undefined) continue;
      const id = `${command.backend}/${command.server}`;
      if (command.op === 'set-state') this.states.set(id, command.state);
      else if (command.op === 'add-server') this.states.set(id, 'maint');
      else if (command.op === 'del-server') this.states.delete(id);
    }
  }
}
