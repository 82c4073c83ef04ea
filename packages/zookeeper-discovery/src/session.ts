import { Backoff } from '@lighthouse/core';
import type { Debugger, Logger } from '@lighthouse/core';
import { Code, hasCode, NativeHandle, ZooKeeperError } from './native-client.js';
import type { AclEntry, HandleOptions, Stat, Watcher } from './native-client.js';

/**
 * The session adapter: one native handle at a time, and the Curator-style state machine around it
 * (Curator TN12, Kazoo's LOST/SUSPENDED/CONNECTED):
 *
 * - CONNECTED: calls go through.
 * - SUSPENDED: the connection dropped but the session may live; calls fail fast (the native client
 *   would queue them for seconds) and a timer equal to the negotiated session timeout starts.
 * - LOST: the timer ran out without a reconnect (the session is presumed lost, but the handle keeps
 *   trying: ZooKeeper does not count its own downtime against sessions), or the server expired
 *   the session. Only in the latter case is the old handle closed, never touched again, and a
 *   fresh one built; its first connection is a "fresh" session, on which listeners re-register
 *   and re-watch everything.
 */

/** Where the session is in its life. */
export type SessionState = 'IDLE' | 'CONNECTING' | 'CONNECTED' | 'SUSPENDED' | 'LOST' | 'CLOSED';

/** Called on every (re)connection; `fresh` when the session is new and holds no znode or watch. */
export type ConnectedListener = (fresh: boolean) => void;

/** A reconnection: `resumed` kept the session (its znodes and watches), `new` got a fresh one. */
export type ReconnectKind = 'resumed' | 'new';

/** The calls of a session, as `ZooKeeperError.operation` names them. */
export type SessionOperation =
  'get' | 'getChildren' | 'exists' | 'create' | 'set' | 'delete' | 'setAcl';

/** Every {@link SessionOperation}. */
export const SESSION_OPERATIONS: readonly SessionOperation[] = [
  'get',
  'getChildren',
  'exists',
  'create',
  'set',
  'delete',
  'setAcl',
];

/**
 * What the session tells its observer (status and metrics: telemetry.ts). Called synchronously;
 * an observer must not throw.
 */
export interface SessionObserver {
  /** The state changed (never twice in a row with the same state). */
  stateChanged(state: SessionState): void;
  /** Connected again after an earlier session (the first session is not a reconnection). */
  reconnected(kind: ReconnectKind): void;
  /** ZooKeeper failed a call (see {@link ZooKeeperSession} for what counts). */
  operationFailed(operation: SessionOperation): void;
}

/** Settings of a {@link ZooKeeperSession}. */
export interface SessionOptions extends HandleOptions {
  log: Logger;
  debug: Debugger;
  observer?: SessionObserver;
}

/**
 * Answers about the znode that the callers expect and handle as part of converging (absent,
 * already there, changed meanwhile): outcomes, not failures.
 */
const ANSWERS = [Code.noNode, Code.nodeExists, Code.badVersion];

const closeReasons = new Map<number, string>([
  [Code.sessionExpired, 'the server expired the session'],
  [Code.authFailed, 'authentication failed'],
]);

/**
 * A ZooKeeper session that survives disconnects and replaces itself when lost.
 *
 * Its observer hears every state change, every reconnection, and every call ZooKeeper failed:
 * not the answers callers expect (NONODE, NODEEXISTS, BADVERSION), not calls refused here because
 * there is no connection (never sent), and not calls cut short by `close()`.
 */
export class ZooKeeperSession {
  private handle: NativeHandle | undefined;
  private current: SessionState = 'IDLE';
  private changedAt = new Date();
  private id: string | undefined;
  private timeoutMs: number;
  /** The session timeout the server granted, once a session was established. */
  private negotiatedMs: number | undefined;
  private readonly reconnectCounts: Record<ReconnectKind, number> = { resumed: 0, new: 0 };
  private lostTimer: NodeJS.Timeout | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  /** Sessions lost in a row without one connecting, for the reopen back-off. */
  private losses = 0;
  private readonly reopenBackoff = new Backoff(100, 5_000);
  private connecting: { promise: Promise<void>; settle: (error?: Error) => void } | undefined;
  private readonly listeners = new Set<ConnectedListener>();

  constructor(private readonly options: SessionOptions) {
    this.timeoutMs = options.sessionTimeoutMs;
  }

  get state(): SessionState {
    return this.current;
  }

  /** When the session entered its current state. */
  get since(): Date {
    return this.changedAt;
  }

  /** The session timeout the server granted (ms), or undefined before the first session. */
  get negotiatedTimeoutMs(): number | undefined {
    return this.negotiatedMs;
  }

  /** Reconnections so far, by kind (a copy). */
  get reconnects(): Readonly<Record<ReconnectKind, number>> {
    return { ...this.reconnectCounts };
  }

  /** Hex id of the current (or last) session: the `ephemeralOwner` of the znodes it created. */
  get sessionId(): string | undefined {
    return this.id;
  }

  /** Subscribes to (re)connections, until the session is closed. */
  onConnected(listener: ConnectedListener): void {
    this.listeners.add(listener);
  }

  /**
   * Resolves once a session is established. Before the first session, gives up after the session
   * timeout and closes the handle (the engine calls again with back-off); after it, the session
   * reconnects on its own and this only waits.
   */
  connect(): Promise<void> {
    if (this.current === 'CLOSED')
      return Promise.reject(new Error('the ZooKeeper session is closed'));
    if (this.current === 'CONNECTED') return Promise.resolve();
    if (this.connecting !== undefined) return this.connecting.promise;
    if (this.current === 'IDLE') this.open('CONNECTING');
    let settle: (error?: Error) => void = () => undefined;
    const promise = new Promise<void>((resolve, reject) => {
      const waitMs = this.options.sessionTimeoutMs;
      const timer = setTimeout(() => {
        if (this.current === 'CONNECTING') {
          this.reset();
          this.setState('IDLE');
        }
        settle(
          new Error(`no ZooKeeper session with ${this.options.connectString} within ${waitMs} ms`),
        );
      }, waitMs);
      settle = (error) => {
        clearTimeout(timer);
        this.connecting = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
    });
    this.connecting = { promise, settle };
    return promise;
  }

  /** Ends the session for good: its ephemeral znodes disappear at once. */
  async close(): Promise<void> {
    if (this.current === 'CLOSED') return;
    const hadSession = this.current === 'CONNECTED';
    this.reset();
    this.setState('CLOSED');
    this.listeners.clear();
    this.connecting?.settle(new Error('the ZooKeeper session was closed'));
    if (hadSession) this.options.log.info('ZooKeeper session closed', { session: this.id });
  }

  private open(state: 'CONNECTING' | 'LOST'): void {
    this.setState(state);
    const handle: NativeHandle = new NativeHandle(this.options, {
      connected: (id, timeoutMs) => this.handle === handle && this.connected(id, timeoutMs),
      connecting: () => this.handle === handle && this.suspended(),
      closed: (code) => this.handle === handle && this.closedByClient(code),
    });
    this.handle = handle;
    this.options.debug('opening a ZooKeeper handle to %s (%s)', this.options.connectString, state);
  }

  /** Closes the handle and clears the timers; the state is the caller's to set. */
  private reset(): void {
    clearTimeout(this.lostTimer);
    clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    const handle = this.handle;
    this.handle = undefined; // before close(): nothing may reach the old handle any more
    handle?.close();
  }

  /** Moves to `state` and tells the observer, when it is a change. */
  private setState(state: SessionState): void {
    if (state === this.current) return;
    this.current = state;
    this.changedAt = new Date();
    this.options.observer?.stateChanged(state);
  }

  private connected(id: string, timeoutMs: number): void {
    clearTimeout(this.lostTimer);
    const fresh = id !== this.id;
    // The first session is no reconnection; nor is a repeated event on a live connection.
    const reconnect = this.id !== undefined && this.current !== 'CONNECTED';
    this.id = id;
    this.timeoutMs = timeoutMs;
    this.negotiatedMs = timeoutMs;
    this.setState('CONNECTED');
    if (reconnect) {
      const kind: ReconnectKind = fresh ? 'new' : 'resumed';
      this.reconnectCounts[kind] += 1;
      this.options.observer?.reconnected(kind);
    }
    this.losses = 0;
    this.reopenBackoff.reset();
    const fields = { session: id, timeout_ms: timeoutMs };
    this.options.log.info(
      fresh ? 'ZooKeeper session established' : 'ZooKeeper reconnected, session kept',
      fields,
    );
    this.connecting?.settle();
    for (const listener of [...this.listeners]) listener(fresh);
  }

  private suspended(): void {
    if (this.current !== 'CONNECTED') return;
    this.setState('SUSPENDED');
    this.options.log.warn('ZooKeeper connection suspended, the session may still be alive', {
      session: this.id,
      lost_in_ms: this.timeoutMs,
    });
    this.lostTimer = setTimeout(() => this.presumeLost(), this.timeoutMs);
  }

  /**
   * No reconnect within the session timeout: the session is presumed lost (Curator's LOST), so
   * calls keep failing fast, but the handle stays: it keeps trying the ensemble, and the server
   * decides. If the session survived (a restarted ZooKeeper keeps sessions), it resumes with its
   * znodes and watches; if it expired, the client closes with "expired" and a fresh handle is
   * built then. Replacing the handle here would throw away a session that may still be alive.
   */
  private presumeLost(): void {
    if (this.current !== 'SUSPENDED') return;
    this.setState('LOST');
    this.options.log.warn('ZooKeeper session presumed lost; still trying the ensemble', {
      session: this.id,
      reason: `no reconnect within the ${this.timeoutMs} ms session timeout`,
    });
  }

  private closedByClient(code: number): void {
    const reason = closeReasons.get(code) ?? `the client closed itself (code ${code})`;
    if (this.current !== 'CONNECTING') {
      this.lost(reason);
      return;
    }
    this.reset();
    this.setState('IDLE');
    this.connecting?.settle(new Error(`ZooKeeper session failed: ${reason}`));
  }

  /** LOST: drop the handle and build a fresh one (at once the first time, then backing off). */
  private lost(reason: string): void {
    this.reset();
    this.setState('LOST');
    const delay = this.losses === 0 ? 0 : this.reopenBackoff.next();
    this.losses += 1;
    this.options.log.warn('ZooKeeper session lost, opening a new one', {
      session: this.id,
      reason,
      retry_ms: delay,
    });
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      this.open('LOST');
    }, delay);
  }

  /** The handle, if calls may go through now; otherwise a connection-loss error right away. */
  private live(operation: SessionOperation, path: string): NativeHandle {
    if (this.current !== 'CONNECTED' || this.handle === undefined) {
      throw new ZooKeeperError(
        Code.connectionLoss,
        operation,
        path,
        `not connected (${this.current})`,
      );
    }
    return this.handle;
  }

  /**
   * Runs one call on the live handle and tells the observer when ZooKeeper failed it (a refusal
   * here for want of a connection, an expected answer, or a call cut short by close() does not
   * count).
   */
  private async call<T>(
    operation: SessionOperation,
    path: string,
    run: (handle: NativeHandle) => Promise<T>,
  ): Promise<T> {
    const handle = this.live(operation, path);
    try {
      return await run(handle);
    } catch (error) {
      if (this.current !== 'CLOSED' && !hasCode(error, ...ANSWERS))
        this.options.observer?.operationFailed(operation);
      throw error;
    }
  }

  /** Data and stat of a znode; `watcher` hears its next change or deletion. */
  async get(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    return this.call('get', path, (handle) => handle.get(path, watcher));
  }

  /** Child names of a znode; `watcher` hears the next membership change or the znode's deletion. */
  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.call('getChildren', path, (handle) => handle.getChildren(path, watcher));
  }

  /** The stat, or undefined when absent; `watcher` hears its creation, change or deletion. */
  async exists(path: string, watcher?: Watcher): Promise<Stat | undefined> {
    return this.call('exists', path, (handle) => handle.exists(path, watcher));
  }

  async create(path: string, data: Buffer, ephemeral: boolean): Promise<void> {
    return this.call('create', path, (handle) => handle.create(path, data, ephemeral));
  }

  async set(path: string, data: Buffer, version: number): Promise<void> {
    return this.call('set', path, (handle) => handle.set(path, data, version));
  }

  async delete(path: string, version: number): Promise<void> {
    return this.call('delete', path, (handle) => handle.delete(path, version));
  }

  async setAcl(path: string, version: number, acl: readonly AclEntry[]): Promise<void> {
    return this.call('setAcl', path, (handle) => handle.setAcl(path, version, acl));
  }
}
