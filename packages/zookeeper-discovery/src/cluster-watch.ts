import {
  CoalescingTimer,
  compareText,
  decodeNode,
  describeError,
  PassLoop,
} from '@lighthouse/core';
import type { Debugger, Logger, Node, NodesListener } from '@lighthouse/core';
import { Code, hasCode, isConnectionError } from './native-client.js';
import type { WatchEvent } from './native-client.js';
import type { ZooKeeperSession } from './session.js';

/**
 * The reads of one change (a children event, then the new child's data) are gathered by
 * {@link ClusterWatch.flush}, which holds a set back while reads of it are in flight: so the
 * window needs no quiet time of its own, and delivers on the next turn of the event loop once the
 * last read is in (a timer would add 1–2 ms to change-to-routed). Larger bursts (a deploy) are
 * gathered by the writer, which syncs serially and takes whatever arrived meanwhile in one sync;
 * a steady stream must not hold the listener back for longer than `maxMs`. A listed child never
 * read yet holds it regardless (see {@link awaited}).
 */
const DELIVERY_WINDOW = { minMs: 0, maxMs: 250 };
/**
 * A child never read that fails this many reads in a row for a reason other than the connection
 * (NOAUTH…) stops holding delivery: with back-off 250 + 500 ms, about a second after the first.
 */
const UNREADABLE_AFTER = 3;

/** What we know about one child znode. */
interface Child {
  /** `watched`: its data watch is armed; `loading`: a read is in flight; `idle`: needs a read. */
  state: 'idle' | 'loading' | 'watched';
  /** Counts reads, so a late answer from an older read (an older session) is ignored. */
  reads: number;
  /** Reads in a row that failed for a reason other than the connection (NOAUTH…). */
  failures: number;
  /** The last payload read: undefined until a read succeeded, i.e. while the child is unknown. */
  payload?: Buffer;
  /** Undefined until read, or while the payload is malformed. */
  node?: Node;
}

/**
 * A listed child with no answer yet: delivering without it would report a member gone only because
 * we could not see it (a first look that loses the connection would empty the backend). A child
 * that kept failing with a non-connection error stops being awaited: see `readFailed`.
 */
function awaited(child: Child): boolean {
  return child.payload === undefined && child.failures < UNREADABLE_AFTER;
}

/** A read's value, or the error it failed with (already logged and retried by `failed`). */
type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** The session calls a cluster watch makes: it only reads (and a test can stand in for it). */
export type ClusterReader = Pick<ZooKeeperSession, 'state' | 'get' | 'getChildren' | 'exists'>;

/** Settings of a {@link ClusterWatch}. */
export interface ClusterWatchOptions {
  session: ClusterReader;
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
 * failed read keeps the last known members, and no set is delivered while a listed child was never
 * read, so "can't see" never becomes "no members" (nor "fewer members").
 */
export class ClusterWatch {
  private readonly children = new Map<string, Child>();
  /** The children's names in order (see {@link nodes}). */
  private readonly order: string[] = [];
  private listener: NodesListener;
  private stopped = false;
  private childrenWatched = false;
  private existsWatched = false;
  /** A read failed: the next refresh must happen even in a session that kept its watches. */
  private stale = true;
  /** The next successful listing is delivered even if nothing changed (a first or fresh look). */
  private deliverNext = true;
  /** The set the listener last heard: a replacement listener hears it at once. */
  private lastDelivered: readonly Node[] | undefined;
  private changed = false;
  private inFlight = 0;
  /** Gathers the changes of a burst into one delivery. */
  private readonly delivery = new CoalescingTimer(DELIVERY_WINDOW, (overdue) =>
    this.flush(false, overdue),
  );
  /** One listing at a time; a pass with a failed read is retried with back-off while connected. */
  private readonly refreshes = new PassLoop({
    pass: () => this.refreshOnce(),
    backoff: { initialMs: 250, maxMs: 5_000 },
  });

  constructor(private readonly options: ClusterWatchOptions) {
    this.listener = options.listener;
  }

  /**
   * Replaces the listener; it hears the last delivered set at once, if any (not the set being
   * gathered, which may lack children whose reads are pending: that one follows when complete).
   */
  setListener(listener: NodesListener): void {
    this.listener = listener;
    if (this.lastDelivered !== undefined) this.deliver(this.lastDelivered);
  }

  /** Stops for good: no callback fires after this returns (pending ZooKeeper watches are ignored). */
  stop(): void {
    this.stopped = true;
    this.delivery.close();
    void this.refreshes.stop();
  }

  /**
   * Reads the cluster after a (re)connection and delivers it before resolving, unless a listed child
   * could not be read yet: that delivery waits for the retry or the next connection. A fresh
   * session holds none of our watches: everything is re-read and re-armed, and the members known
   * so far keep their last node meanwhile. A kept session still has them (the client re-registers
   * them), so only what failed meanwhile is read again.
   */
  async resync(fresh: boolean): Promise<void> {
    if (fresh) {
      this.childrenWatched = false;
      this.existsWatched = false;
      for (const child of this.children.values()) child.state = 'idle';
      this.stale = true;
      this.deliverNext = true;
    }
    if (this.stale) await this.refresh(true);
    this.flush(true);
  }

  /**
   * Lists and reads again, settling once that pass is over (failed reads are retried by the loop).
   * `urgent`, after a (re)connection, cuts a pending back-off short.
   */
  private refresh(urgent = false): Promise<void> {
    const done = this.refreshes.nextPass().catch(() => undefined);
    if (urgent) this.refreshes.retryNow();
    else this.refreshes.request();
    return done;
  }

  private async refreshOnce(): Promise<void> {
    if (this.stopped) return;
    this.stale = false;
    const listed = await this.track(this.list());
    if (this.stopped) return;
    if (!listed.ok) {
      if (this.options.session.state === 'CONNECTED')
        throw new Error(`listing ${this.options.path} failed`);
      return;
    }
    const present = new Set(listed.value);
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
      let child = this.children.get(name);
      if (child === undefined) {
        child = { state: 'idle', reads: 0, failures: 0 };
        this.children.set(name, child);
        this.order.splice(orderedIndex(this.order, name), 0, name);
      }
      if (child.state === 'idle') loads.push(this.load(name, child));
    }
    await Promise.all(loads);
    // While disconnected the next connection's resync reads again; while connected, back off.
    if (this.stale && this.options.session.state === 'CONNECTED')
      throw new Error(`reading ${this.options.path} failed`);
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
    const outcome = await this.track(read);
    // Stopped, dropped, replaced or read again meanwhile: the newer read decides.
    if (this.stopped || this.children.get(name) !== child || child.reads !== ticket) return;
    if (!outcome.ok) {
      child.state = 'idle';
      return this.readFailed(path, child, outcome.error);
    }
    const result = outcome.value;
    if (result === null) return this.drop(name);
    child.state = 'watched';
    child.failures = 0;
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

  /**
   * A child's read failed; `failed` already logged it and scheduled the retry. Connection trouble
   * is waited out: the retry or the next connection reads the child again. Any other error (NOAUTH,
   * a bad ACL) may never heal, so it is counted, and the decision is:
   * - a child read before keeps its last answer, with a warning: losing read access is not leaving,
   *   and dropping it would drain a live server;
   * - a child never read holds delivery for {@link UNREADABLE_AFTER} reads in a row, then is left
   *   out with an error line: one unreadable znode must not hold the whole cluster forever.
   * Either way the retries go on (with back-off), so the child comes in once it is readable.
   */
  private readFailed(path: string, child: Child, error: unknown): void {
    if (isConnectionError(error)) return;
    child.failures += 1;
    const fields = { znode: path, error: describeError(error), attempts: child.failures };
    if (child.payload !== undefined) {
      if (child.failures === 1)
        this.options.log.warn('znode unreadable, keeping what was last read from it', fields);
    } else if (child.failures === UNREADABLE_AFTER) {
      this.options.log.error('znode never readable, delivering the cluster without it', fields);
      this.schedule(); // the delivery it held may go now
    }
  }

  private drop(name: string): void {
    this.children.delete(name);
    const at = orderedIndex(this.order, name);
    if (this.order[at] === name) this.order.splice(at, 1);
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
  private async track<T>(read: Promise<T>): Promise<Outcome<T>> {
    this.inFlight += 1;
    try {
      return { ok: true, value: await read };
    } catch (error) {
      this.failed(error);
      return { ok: false, error };
    } finally {
      this.inFlight -= 1;
      this.schedule(); // a delivery held back for this read may go now
    }
  }

  /**
   * A read failed: the next pass reads again. While connected that pass comes from the refresh
   * loop (at once if none is running, else with back-off); otherwise the next connection's resync.
   */
  private failed(error: unknown): void {
    this.stale = true;
    if (this.stopped) return;
    const fields = { znode: this.options.path, error: describeError(error) };
    if (this.options.session.state !== 'CONNECTED') {
      this.options.debug('read failed while disconnected: %o', fields);
      return;
    }
    this.options.log.warn('reading cluster from ZooKeeper failed, retrying', fields);
    this.refreshes.request();
  }

  /** Asks for a delivery once the burst is over (see {@link DELIVERY_WINDOW}). */
  private schedule(): void {
    if (!this.stopped && this.changed) this.delivery.touch();
  }

  /**
   * Delivers the set if it changed, unless reads of the same burst are still in flight, or a listed
   * child was never read: that set would lack a member we merely failed to see, so it waits for the
   * read (whose completion reschedules), even past the window's end and even when forced.
   * Returns false while it holds the set back, so the delivery window stays open.
   */
  private flush(force: boolean, overdue = false): boolean {
    if (this.stopped || !this.changed) return true;
    for (const child of this.children.values()) if (awaited(child)) return false;
    if (!force && !overdue && this.inFlight > 0) return false; // the last read reschedules
    this.delivery.cancel();
    this.changed = false;
    this.lastDelivered = this.nodes();
    this.deliver(this.lastDelivered);
    return true;
  }

  /** Calls the listener; a throwing listener is logged, as it runs from timers and watch events. */
  private deliver(nodes: readonly Node[]): void {
    try {
      this.listener(nodes);
    } catch (error) {
      this.options.log.error('cluster listener failed', { error: describeError(error) });
    }
  }

  /**
   * The members, by name. A child without a node is one whose payload is malformed (logged when
   * read) or one left out as never readable; flush() never asks while a child is still awaited.
   * The order is kept as children come and go: a change of one member of a 1,000-node cluster
   * must not cost a sort (issue 10).
   */
  private nodes(): Node[] {
    const nodes: Node[] = [];
    for (const name of this.order) {
      const node = this.children.get(name)?.node;
      if (node !== undefined) nodes.push(node);
    }
    return nodes;
  }
}

/** Where `name` is in the sorted `names`, or where it would go. */
function orderedIndex(names: readonly string[], name: string): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareText(names[middle]!, name) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
