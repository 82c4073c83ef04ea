import { describeError, encodeNode, PassLoop } from '@lighthouse/core';
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
  /** Hears the number of znodes held each time it changes (metrics). */
  onHeld?: (count: number) => void;
}

/**
 * The reporter side, as desired state: the latest published set of znodes with their payloads.
 * Every (re)connection converges ZooKeeper to it again (1.0 never re-created registrations: B10),
 * and an exists-watch on each of our znodes re-creates it if someone deletes or overwrites it.
 *
 * One loop does the work: a pass looks at every *dirty* znode (published, changed, unpublished,
 * its watch fired, or a fresh session) and creates, updates or deletes it; a znode that failed
 * stays dirty and the pass is retried with back-off. Passes never overlap, so two operations on
 * one znode never race. A znode dropped from the set stays dirty until its delete succeeds: a
 * create whose reply was lost with the connection cannot leave a registration behind.
 */
export class Registrations {
  /** Znode path → payload of the latest published set. */
  private wanted = new Map<string, Buffer>();
  /** Znodes whose state in ZooKeeper may differ from `wanted` (present when wanted, else absent). */
  private readonly dirty = new Set<string>();
  /** Znodes whose exists-watch is armed in the current session. */
  private readonly watched = new Set<string>();
  /**
   * Znodes this session holds as far as it knows: created by it, or found owned by it, and not
   * deleted since (by us, or by someone: the exists-watch tells). Emptied by a fresh session, and
   * by stop(): a successor (or the session's end) decides from then on.
   */
  private readonly held = new Set<string>();
  private reportedHeld = 0;
  private readonly loop: PassLoop;
  private stopped = false;

  constructor(private readonly options: RegistrationsOptions) {
    this.loop = new PassLoop({
      pass: () => this.pass(),
      backoff: { initialMs: 500, maxMs: 5_000 },
      onFailure: (error, retryMs) => {
        // While disconnected every pass fails at once; the reconnect retries, no need to shout.
        const fields = { error: describeError(error), retry_ms: retryMs };
        if (options.session.state === 'CONNECTED')
          options.log.warn('ZooKeeper registrations not converged, retrying', fields);
        else options.debug('registrations wait for the session: %o', fields);
      },
    });
  }

  /**
   * Makes ZooKeeper hold exactly `registrations` (see `Discovery.publish`). Rejects without
   * changing anything when a name cannot become a znode path; otherwise adopts the set at once
   * and settles with the pass that converges it.
   */
  async publish(registrations: readonly Registration[]): Promise<void> {
    if (this.stopped) throw new Error('this discovery instance no longer maintains registrations');
    const next = new Map(
      registrations.map(({ service, node }) => [
        this.options.paths.node(service, node),
        Buffer.from(encodeNode(node), 'utf8'),
      ]),
    );
    for (const path of this.wanted.keys()) if (!next.has(path)) this.dirty.add(path);
    for (const [path, data] of next)
      if (!(this.wanted.get(path)?.equals(data) ?? false)) this.dirty.add(path);
    this.wanted = next;
    const converged = this.loop.nextPass();
    this.loop.request();
    await converged;
  }

  /** Znodes of the published set (whether in place or not). */
  get wantedCount(): number {
    return this.wanted.size;
  }

  /** Znodes this session holds (see {@link held}). */
  get heldCount(): number {
    return this.held.size;
  }

  /** After a (re)connection: look at every znode again, at once. */
  connected(fresh: boolean): void {
    if (this.stopped) return;
    if (fresh) {
      this.watched.clear(); // watches died with the old session
      this.held.clear(); // so did its ephemeral znodes
      this.heldChanged();
      if (this.wanted.size > 0)
        this.options.log.info(`new ZooKeeper session: re-registering ${this.wanted.size} nodes`);
    }
    for (const path of this.wanted.keys()) this.dirty.add(path);
    if (this.dirty.size > 0) this.loop.retryNow();
  }

  /** Stops maintaining registrations (a successor takes over, or the session is closing). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.held.clear();
    this.heldChanged();
    await this.loop.stop();
  }

  /** Tells `onHeld` the count, when it changed. */
  private heldChanged(): void {
    if (this.held.size === this.reportedHeld) return;
    this.reportedHeld = this.held.size;
    this.options.onHeld?.(this.held.size);
  }

  /** Records that this session holds `path` (true) or no longer does (false). */
  private hold(path: string, held: boolean): void {
    if (this.stopped) return;
    if (held) this.held.add(path);
    else this.held.delete(path);
    this.heldChanged();
  }

  /** One pass over the dirty znodes, concurrently; the failed ones stay dirty. */
  private async pass(): Promise<void> {
    if (this.options.session.state !== 'CONNECTED') throw new Error('not connected to ZooKeeper');
    const paths = [...this.dirty];
    this.dirty.clear();
    const results = await Promise.allSettled(
      paths.map((path) => (this.wanted.has(path) ? this.ensure(path) : this.remove(path))),
    );
    const failed = paths.filter((_, index) => results[index]?.status === 'rejected');
    if (failed.length === 0) return;
    for (const path of failed) this.dirty.add(path);
    const first = results.find((result) => result.status === 'rejected');
    throw new Error(
      `${failed.length} of ${paths.length} znodes not converged (${describeError(first?.reason)})`,
    );
  }

  /** Converges one znode to the wanted payload, owned by our session (the 1.0 report_up rules). */
  private async ensure(path: string): Promise<void> {
    const { session, acl } = this.options;
    for (let attempt = 0; attempt < ENSURE_ATTEMPTS; attempt += 1) {
      const data = this.wanted.get(path);
      if (data === undefined) return; // unpublished meanwhile: the next pass deletes it
      const existing = await session.get(path).catch((error: unknown) => {
        if (hasCode(error, Code.noNode)) return undefined;
        throw error;
      });
      if (existing === undefined) {
        this.hold(path, false);
        if (await this.create(path, data)) {
          this.hold(path, true);
          return this.watch(path);
        }
      } else if (existing.stat.ephemeralOwner !== session.sessionId) {
        this.hold(path, false);
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
        this.hold(path, true);
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
    if (
      acl !== undefined &&
      !(await this.ignoring(session.setAcl(path, 0, acl), Code.badVersion, Code.noAuth))
    ) {
      // Someone changed the ACL in the window between create and setAcl (the binding cannot
      // create with an ACL): the znode is not trustworthy. Deleting needs rights on the parent,
      // which our ACL keeps, so it is deleted and created again.
      this.options.log.warn(
        'a registration was tampered with while it was being created; re-creating it',
        {
          znode: path,
        },
      );
      // Only the znode we created, at the version we saw: never one another session owns now.
      const found = await session.get(path).catch(() => undefined);
      if (found !== undefined && found.stat.ephemeralOwner === session.sessionId) {
        await this.ignoring(session.delete(path, found.stat.version), Code.noNode, Code.badVersion);
      }
      return false;
    }
    this.options.debug('created %s', path);
    return true;
  }

  private async remove(path: string): Promise<void> {
    await this.ignoring(this.options.session.delete(path, -1), Code.noNode);
    this.hold(path, false);
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
      if (event === 'deleted') this.hold(path, false);
      if (this.stopped || !this.wanted.has(path)) return;
      this.options.debug('%s: %s, converging', path, event);
      this.dirty.add(path);
      this.loop.request();
    };
    this.options.session.exists(path, onEvent).catch(() => this.watched.delete(path));
  }
}
