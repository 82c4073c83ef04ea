import { describeError, encodeNode, Backoff } from '@lighthouse/core';
import type { Debugger, Logger, Registration } from '@lighthouse/core';
import { Code, hasCode } from './native-client.js';
import type { AclEntry, WatchEvent } from './native-client.js';
import { ancestors } from './paths.js';
import type { ZnodePaths } from './paths.js';
import type { ZooKeeperSession } from './session.js';

/** Attempts of one ensure pass; each retry means someone changed the znode under us. */
const ENSURE_ATTEMPTS = 5;
const EMPTY = Buffer.alloc(0);

/** Settings of {@link Registrations}. */
export interface RegistrationsOptions {
  session: ZooKeeperSession;
  paths: ZnodePaths;
  /** Set on every znode we create (world read, our digest identity all), when auth is configured. */
  acl: readonly AclEntry[] | undefined;
  log: Logger;
  debug: Debugger;
}

/**
 * The reporter side, as desired state: every registration we accepted is remembered with its
 * payload and converged again after every (re)connection (1.0 never re-created them: B10), and
 * an exists-watch on each of our znodes re-creates it if someone deletes or overwrites it.
 *
 * A register() that rejects is NOT remembered: the engine's reconciler retries it while it still
 * wants it, but never deregisters what it never saw succeed, so remembering it could resurrect a
 * node after its service went down. Its znode may still have been created (a reply lost with the
 * connection), so it is put on the "must be absent" list and removed on the next connection.
 * Operations on one znode run one at a time, so a register racing a deregister cannot reorder.
 */
export class Registrations {
  /** Znode path → payload of every accepted registration. */
  private readonly wanted = new Map<string, Buffer>();
  /** Znodes that must not exist: deregistered, or whose registration failed mid-flight. */
  private readonly unwanted = new Set<string>();
  /** Znodes whose exists-watch is armed in the current session. */
  private readonly watched = new Set<string>();
  private readonly queues = new Map<string, Promise<void>>();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly retryBackoff = new Backoff(500, 5_000);
  private stopped = false;

  constructor(private readonly options: RegistrationsOptions) {}

  /** Creates or updates the ephemeral znode; rejects (and forgets) when that is not possible now. */
  async register(registration: Registration): Promise<void> {
    const path = this.options.paths.node(registration.service, registration.node);
    const known = this.wanted.has(path);
    this.wanted.set(path, Buffer.from(encodeNode(registration.node), 'utf8'));
    this.unwanted.delete(path);
    try {
      await this.serial(path, () => this.ensure(path));
    } catch (error) {
      if (!known) {
        this.wanted.delete(path);
        this.unwanted.add(path);
      }
      throw error;
    }
  }

  /** Forgets the registration and deletes its znode (already gone is fine). */
  async deregister(registration: Registration): Promise<void> {
    const path = this.options.paths.node(registration.service, registration.node);
    this.wanted.delete(path);
    this.unwanted.add(path);
    await this.serial(path, () => this.remove(path));
  }

  /** After a (re)connection: make ZooKeeper match what we want again. */
  async converge(fresh: boolean): Promise<void> {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    if (fresh) {
      this.watched.clear(); // watches died with the old session
      if (this.wanted.size > 0) {
        this.options.log.info(`new ZooKeeper session: re-registering ${this.wanted.size} nodes`);
      }
    }
    const results = await Promise.allSettled([
      ...[...this.wanted.keys()].map((path) => this.serial(path, () => this.ensure(path))),
      ...[...this.unwanted].map((path) => this.serial(path, () => this.remove(path))),
    ]);
    const failed = results.filter((result) => result.status === 'rejected');
    if (failed.length === 0) this.retryBackoff.reset();
    else this.retryLater(failed.length, failed[0]?.reason);
  }

  /** Stops background work (the session is closing; its ephemerals vanish with it). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  /** A converge that failed while connected is retried; otherwise the next connection retries. */
  private retryLater(count: number, reason: unknown): void {
    if (this.stopped) return;
    const delay = this.retryBackoff.next();
    this.options.log.warn('ZooKeeper registrations not converged, retrying', {
      failed: count,
      error: describeError(reason),
      retry_ms: delay,
    });
    if (this.options.session.state !== 'CONNECTED') return;
    this.retryTimer = setTimeout(() => void this.converge(false), delay);
  }

  /** Runs `task` after every earlier task on the same znode. */
  private serial(path: string, task: () => Promise<void>): Promise<void> {
    const run = (this.queues.get(path) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    this.queues.set(path, tail);
    void tail.then(() => {
      if (this.queues.get(path) === tail) this.queues.delete(path);
    });
    return run;
  }

  /** Converges one znode to the wanted payload, owned by our session (the 1.0 report_up rules). */
  private async ensure(path: string): Promise<void> {
    const { session, acl } = this.options;
    for (let attempt = 0; attempt < ENSURE_ATTEMPTS; attempt += 1) {
      const data = this.wanted.get(path);
      if (data === undefined) return; // deregistered meanwhile
      const existing = await session.get(path).catch((error: unknown) => {
        if (hasCode(error, Code.noNode)) return undefined;
        throw error;
      });
      if (existing === undefined) {
        if (await this.create(path, data)) return this.watch(path);
      } else if (existing.stat.ephemeralOwner !== session.sessionId) {
        // Left by an older session of ours (expiry is not atomic: KAFKA-7165) or by another
        // process. The native client has no multi(), so this is delete then create.
        this.options.log.info('replacing a znode owned by another session', {
          znode: path,
          owner: existing.stat.ephemeralOwner,
        });
        await this.ignoring(
          session.delete(path, existing.stat.version),
          Code.noNode,
          Code.badVersion,
        );
      } else {
        if (!existing.data.equals(data)) {
          const written = await this.ignoring(
            session.set(path, data, existing.stat.version),
            Code.badVersion,
          );
          if (!written) continue;
        }
        // aversion 0: our create succeeded but its setAcl did not.
        if (acl !== undefined && existing.stat.aversion === 0) await session.setAcl(path, 0, acl);
        return this.watch(path);
      }
    }
    throw new Error(
      `could not register ${path}: it kept changing during ${ENSURE_ATTEMPTS} attempts`,
    );
  }

  /**
   * Creates the ephemeral znode (and missing parents, persistent and empty as in 1.0). The native
   * client creates with an open ACL only, so ours is set right after: a short window in which the
   * node is world-writable. Returns false when the caller should look again.
   */
  private async create(path: string, data: Buffer): Promise<boolean> {
    const { session, acl } = this.options;
    try {
      await session.create(path, data, true);
    } catch (error) {
      if (hasCode(error, Code.nodeExists)) return false;
      if (!hasCode(error, Code.noNode)) throw error;
      for (const parent of ancestors(path)) {
        if (await this.ignoring(session.create(parent, EMPTY, false), Code.nodeExists)) {
          if (acl !== undefined) await session.setAcl(parent, 0, acl);
        }
      }
      return false;
    }
    if (acl !== undefined) await session.setAcl(path, 0, acl);
    this.options.debug('created %s', path);
    return true;
  }

  private async remove(path: string): Promise<void> {
    if (this.wanted.has(path)) return; // registered again meanwhile
    await this.ignoring(this.options.session.delete(path, -1), Code.noNode);
    this.unwanted.delete(path);
    this.options.debug('deleted %s', path);
  }

  /** Awaits `operation`; true when it succeeded, false when it failed with one of `codes`. */
  private async ignoring(operation: Promise<void>, ...codes: number[]): Promise<boolean> {
    try {
      await operation;
      return true;
    } catch (error) {
      if (hasCode(error, ...codes)) return false;
      throw error;
    }
  }

  /** Arms an exists-watch so a deleted or overwritten znode of ours is put back. */
  private watch(path: string): void {
    if (this.watched.has(path)) return;
    this.watched.add(path);
    const onEvent = (event: WatchEvent) => {
      this.watched.delete(path);
      if (this.stopped || !this.wanted.has(path)) return;
      this.options.debug('%s: %s, converging', path, event);
      this.serial(path, () => this.ensure(path)).catch((error: unknown) =>
        this.retryLater(1, error),
      );
    };
    this.options.session.exists(path, onEvent).catch(() => this.watched.delete(path));
  }
}
