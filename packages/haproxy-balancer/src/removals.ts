import type { RuntimeCommand } from './runtime/commands.js';
import type { CommandOutcome } from './runtime/runtime-api.js';

/**
 * Servers that discovery removed but HAProxy would not delete yet: `del server` is refused while
 * connections remain. Such a server is already in maintenance (no new sessions; the planner's
 * removal puts it there first), so it only waits for its connections to finish. It is retried on
 * its own timer, not at the writer's next sync (up to its 60 s safety net), and once it has
 * waited `timeoutMs` its sessions are shut down (`shutdown sessions server`) and it is deleted.
 */

interface Pending {
  backend: string;
  server: string;
  /** When the first `del server` was refused. */
  since: number;
  /** Whether its sessions were shut down already (logged once). */
  shutDown: boolean;
}

/** What {@link PendingRemovals} reports to the balancer's log. */
export interface RemovalEvents {
  waiting(backend: string, server: string, timeoutMs: number): void;
  forced(backend: string, server: string, waitedMs: number): void;
}

const key = (backend: string, server: string) => `${backend}/${server}`;

export class PendingRemovals {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly timeoutMs: number,
    private readonly events: RemovalEvents,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Takes in a batch's outcomes. Of the backends in `scope` (undefined: all), the pending set
   * becomes exactly the servers whose deletion was refused as busy in this batch: one deleted
   * (or gone) is done, and one no longer removed (its node came back) has no `del server` in the
   * batch — its removal is called off. Every batch qualifies: a sync plans the deletion of every
   * server HAProxy runs in the backends it looks at that is not wanted, and a retry that of every
   * pending one.
   */
  update(outcomes: readonly CommandOutcome[], scope?: ReadonlySet<string>): void {
    const next = new Map<string, Pending>();
    if (scope !== undefined) {
      for (const [id, entry] of this.pending) if (!scope.has(entry.backend)) next.set(id, entry);
    }
    for (const { command, error } of outcomes) {
      if (command.op !== 'del-server' || error?.kind !== 'server-busy') continue;
      const id = key(command.backend, command.server);
      const known = this.pending.get(id);
      if (known === undefined) this.events.waiting(command.backend, command.server, this.timeoutMs);
      next.set(id, known ?? { ...command, since: this.now(), shutDown: false });
    }
    this.pending.clear();
    for (const [id, entry] of next) this.pending.set(id, entry);
  }

  /**
   * The retry batch: `del server` for each, preceded by `shutdown sessions server` for those that
   * waited `timeoutMs` (again at every retry until the deletion succeeds: connections accepted
   * from the queue after the first shutdown are cut too).
   */
  commands(): RuntimeCommand[] {
    const now = this.now();
    return [...this.pending.values()].flatMap((entry) => {
      const target = { backend: entry.backend, server: entry.server };
      const del: RuntimeCommand = { op: 'del-server', ...target };
      if (now - entry.since < this.timeoutMs) return [del];
      if (!entry.shutDown) {
        entry.shutDown = true;
        this.events.forced(entry.backend, entry.server, now - entry.since);
      }
      return [{ op: 'shutdown-sessions', ...target }, del];
    });
  }

  /** Milliseconds until the retry that matters next: soon after a shutdown, else in a second. */
  nextRetryMs(): number {
    const now = this.now();
    let next = 1_000;
    for (const entry of this.pending.values()) {
      const due = entry.shutDown ? 100 : entry.since + this.timeoutMs - now;
      next = Math.min(next, Math.max(due, 0));
    }
    return next;
  }
}
