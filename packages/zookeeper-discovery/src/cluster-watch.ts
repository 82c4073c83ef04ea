import { compareText, decodeNode, describeError, Backoff } from '@lighthouse/core';
import type { Debugger, Logger, Node, NodesListener } from '@lighthouse/core';
import { Code, hasCode } from './native-client.js';
import type { WatchEvent } from './native-client.js';
import type { ZooKeeperSession } from './session.js';

/** Events of one burst (a deploy, a rack going down) arrive within a few ms of each other. */
const COALESCE_MS = 5;
/** …but a steady stream of changes must not hold the listener back for longer than this. */
const MAX_HOLD_MS = 250;

/** What we know about one child znode. */
interface Child {
  /** `watched`: its data watch is armed; `loading`: a read is in flight; `idle`: needs a read. */
  state: 'idle' | 'loading' | 'watched';
  /** Counts reads, so a late answer from an older read (an older session) is ignored. */
  reads: number;
  payload?: Buffer;
  /** Undefined until read, or while the payload is malformed. */
  node?: Node;
}

/** Settings of a {@link ClusterWatch}. */
export interface ClusterWatchOptions {
  session: ZooKeeperSession;
  /** The cluster znode, `<path>/<cluster>`. */
  path: string;
  listener: NodesListener;
  log: Logger;
  debug: Debugger;
}

/**
 * Watches one cluster znode and reports its full, decoded node set. Reads per change are constant:
 * a children event re-lists and reads only new children; each child has its own data watch, so a
 * metadata or weight change reaches the writer (1.0 missed it: B21) by reading that child alone. A
 * missing cluster znode is awaited with an exists-watch (1.0 polled every 2 s) and its deletion
 * and re-creation are followed (1.0 lost the watch). Only what ZooKeeper said changes the set: a
 * failed read keeps the last known members, so "can't see" never becomes "no members".
 */
export class ClusterWatch {
  private readonly children = new Map<string, Child>();
  private listener: NodesListener;
  private stopped = false;
  private childrenWatched = false;
  private existsWatched = false;
  /** A read failed: the next refresh must happen even in a session that kept its watches. */
  private stale = true;
  /** The next successful listing is delivered even if nothing changed (a first or fresh look). */
  private deliverNext = true;
  private delivered = false;
  private changed = false;
  private inFlight = 0;
  private heldSince: number | undefined;
  private refreshing: Promise<void> | undefined;
  private again = false;
  private emitTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryBackoff = new Backoff(250, 5_000);

  constructor(private readonly options: ClusterWatchOptions) {
    this.listener = options.listener;
  }

  /** Replaces the listener; it hears the current set at once when one is known. */
  setListener(listener: NodesListener): void {
    this.listener = listener;
    if (this.delivered) this.deliver();
  }

  /** Stops for good: no callback fires after this returns (pending ZooKeeper watches are ignored). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.emitTimer);
    clearTimeout(this.retryTimer);
  }

  /**
   * Reads the cluster after a (re)connection and delivers it before resolving. A fresh session
   * holds none of our watches: everything is re-read and re-armed. A kept session still has them
   * (the client re-registers them), so only what failed meanwhile is read again.
   */
  async resync(fresh: boolean): Promise<void> {
    if (fresh) {
      this.childrenWatched = false;
      this.existsWatched = false;
      for (const child of this.children.values()) child.state = 'idle';
      this.stale = true;
      this.deliverNext = true;
    }
    if (this.stale) await this.refresh();
    this.flush(true);
  }

  /** One listing at a time; a request during one runs another right after it. */
  private refresh(): Promise<void> {
    if (this.refreshing !== undefined) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    if (this.stopped) return;
    this.stale = false;
    const names = await this.track(this.list());
    if (names === undefined || this.stopped) return;
    const present = new Set(names);
    for (const name of this.children.keys()) {
      if (!present.has(name)) this.drop(name);
    }
    if (this.deliverNext) {
      this.deliverNext = false;
      this.changed = true;
      this.schedule();
    }
    const loads: Promise<void>[] = [];
    for (const name of present) {
      const child: Child = this.children.get(name) ?? { state: 'idle', reads: 0 };
      this.children.set(name, child);
      if (child.state === 'idle') loads.push(this.load(name, child));
    }
    await Promise.all(loads);
  }

  /** The child names; an absent cluster znode has none, and an exists-watch awaits its creation. */
  private async list(): Promise<string[]> {
    const { session, path } = this.options;
    try {
      const watcher = this.childrenWatched ? undefined : this.onChildren;
      const names = await session.getChildren(path, watcher);
      if (watcher !== undefined) this.childrenWatched = true;
      return names;
    } catch (error) {
      if (!hasCode(error, Code.noNode)) throw error;
    }
    const watcher = this.existsWatched ? undefined : this.onExists;
    const stat = await session.exists(path, watcher);
    if (watcher !== undefined) this.existsWatched = true;
    return stat === undefined ? [] : this.list(); // created in between: list it
  }

  /** Reads one child and arms its data watch; a child gone meanwhile just drops out. */
  private async load(name: string, child: Child): Promise<void> {
    const path = `${this.options.path}/${name}`;
    child.state = 'loading';
    const ticket = ++child.reads;
    const watcher = (event: WatchEvent) => this.onChild(name, child, event);
    const read = this.options.session.get(path, watcher).catch((error: unknown) => {
      if (hasCode(error, Code.noNode)) return null;
      throw error;
    });
    const result = await this.track(read);
    // Dropped, replaced or read again meanwhile: the newer read decides.
    if (this.children.get(name) !== child || child.reads !== ticket) return;
    if (result === undefined) {
      child.state = 'idle';
      return;
    }
    if (result === null) return this.drop(name);
    child.state = 'watched';
    if (child.payload?.equals(result.data) === true) return;
    child.payload = result.data;
    const decoded = decodeNode(result.data);
    if (decoded.ok) child.node = decoded.node;
    else {
      delete child.node;
      this.options.log.warn('skipping malformed znode', { znode: path, reason: decoded.reason });
    }
    this.changed = true;
    this.schedule();
  }

  private drop(name: string): void {
    this.children.delete(name);
    this.changed = true;
    this.schedule();
  }

  private readonly onChildren = (): void => {
    this.childrenWatched = false;
    if (!this.stopped) void this.refresh();
  };

  private readonly onExists = (): void => {
    this.existsWatched = false;
    if (!this.stopped) void this.refresh();
  };

  private onChild(name: string, child: Child, event: WatchEvent): void {
    if (this.stopped || this.children.get(name) !== child) return;
    child.state = 'idle';
    if (event === 'deleted') this.drop(name);
    else void this.load(name, child);
  }

  /** Counts a read in flight and turns its failure into "read again later". */
  private async track<T>(read: Promise<T>): Promise<T | undefined> {
    this.inFlight += 1;
    try {
      const value = await read;
      this.retryBackoff.reset();
      return value;
    } catch (error) {
      this.failed(error);
      return undefined;
    } finally {
      this.inFlight -= 1;
      this.schedule(); // a delivery held back for this read may go now
    }
  }

  /** While connected, retry with back-off; otherwise the next connection's resync does it. */
  private failed(error: unknown): void {
    this.stale = true;
    if (this.stopped) return;
    const connected = this.options.session.state === 'CONNECTED';
    const fields = { znode: this.options.path, error: describeError(error) };
    if (!connected) {
      this.options.debug('read failed while disconnected: %o', fields);
      return;
    }
    const delay = this.retryBackoff.next();
    this.options.log.warn('reading cluster from ZooKeeper failed, retrying', {
      ...fields,
      retry_ms: delay,
    });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.refresh(), delay);
  }

  /** Debounces delivery: COALESCE_MS after the last activity, at most MAX_HOLD_MS after the first. */
  private schedule(): void {
    if (this.stopped || !this.changed) return;
    this.heldSince ??= Date.now();
    clearTimeout(this.emitTimer);
    const wait = Math.min(COALESCE_MS, Math.max(0, this.heldSince + MAX_HOLD_MS - Date.now()));
    this.emitTimer = setTimeout(() => {
      this.emitTimer = undefined;
      this.flush(false);
    }, wait);
  }

  /** Delivers the set if it changed, unless reads of the same burst are still in flight. */
  private flush(force: boolean): void {
    if (this.stopped || !this.changed) return;
    const held = Date.now() - (this.heldSince ?? Date.now());
    if (!force && this.inFlight > 0 && held < MAX_HOLD_MS) return; // the last read reschedules
    clearTimeout(this.emitTimer);
    this.emitTimer = undefined;
    this.changed = false;
    this.heldSince = undefined;
    this.delivered = true;
    this.deliver();
  }

  /** Calls the listener; a throwing listener is logged, as it runs from timers and watch events. */
  private deliver(): void {
    try {
      this.listener(this.nodes());
    } catch (error) {
      this.options.log.error('cluster listener failed', { error: describeError(error) });
    }
  }

  private nodes(): Node[] {
    return [...this.children.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .flatMap(([, child]) => (child.node === undefined ? [] : [child.node]));
  }
}
