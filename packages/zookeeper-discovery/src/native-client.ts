import ZooKeeper from 'zookeeper';

/**
 * The only file that touches the native `zookeeper` client. It wraps ONE native handle in typed,
 * promise-returning calls that keep the C client's numeric result codes, and it makes the handle
 * unusable the moment it is closed: the native client segfaults when used after close or expiry,
 * and its completions and pending watches may still fire afterwards (watches once with type -1).
 */

type NativeClient = InstanceType<typeof ZooKeeper>;
const constants = ZooKeeper.constants;

/** C client result codes the plugin acts on. */
export const Code = {
  connectionLoss: constants.ZCONNECTIONLOSS,
  noNode: constants.ZNONODE,
  nodeExists: constants.ZNODEEXISTS,
  badVersion: constants.ZBADVERSION,
  noAuth: constants.ZNOAUTH,
  closing: constants.ZCLOSING,
  /** Close codes of a handle the native client shut down itself. */
  sessionExpired: constants.ZOO_EXPIRED_SESSION_STATE,
  authFailed: constants.ZOO_AUTH_FAILED_STATE,
} as const;

/** ACL permission bits. */
export const Permission = { read: constants.ZOO_PERM_READ, all: constants.ZOO_PERM_ALL } as const;

/** One ACL entry, as the native client takes it. */
export interface AclEntry {
  perms: number;
  scheme: string;
  auth: string;
}

/** The parts of a znode's stat the plugin uses. */
export interface Stat {
  version: number;
  aversion: number;
  /** Hex session id of the owner, `'0'` for a persistent znode. */
  ephemeralOwner: string;
}

/** A watch notification, without the session-state pseudo events the native client also sends. */
export type WatchEvent = 'created' | 'deleted' | 'changed' | 'child';
/** Called at most once: ZooKeeper watches are one-shot. */
export type Watcher = (event: WatchEvent) => void;

const watchEvents = new Map<number, WatchEvent>([
  [constants.ZOO_CREATED_EVENT, 'created'],
  [constants.ZOO_DELETED_EVENT, 'deleted'],
  [constants.ZOO_CHANGED_EVENT, 'changed'],
  [constants.ZOO_CHILD_EVENT, 'child'],
]);

/** A failed ZooKeeper call: the C client's result `code`, the operation and the znode. */
export class ZooKeeperError extends Error {
  constructor(
    readonly code: number,
    readonly operation: string,
    readonly path: string,
    detail: string,
  ) {
    super(`ZooKeeper ${operation} ${path} failed: ${detail} (${code})`);
    this.name = 'ZooKeeperError';
  }
}

/** True when `error` is a {@link ZooKeeperError} with one of `codes`. */
export function hasCode(error: unknown, ...codes: number[]): boolean {
  return error instanceof ZooKeeperError && codes.includes(error.code);
}

/** Result codes of a call that failed for want of a live connection or session, not the znode's. */
const connectionCodes = [
  constants.ZCONNECTIONLOSS,
  constants.ZOPERATIONTIMEOUT,
  constants.ZSESSIONEXPIRED,
  constants.ZSESSIONMOVED,
  constants.ZCLOSING,
];

/**
 * True when `error` says the connection or session failed (the call may well succeed once
 * reconnected), false when the server answered with an error about the znode itself (NOAUTH…).
 */
export function isConnectionError(error: unknown): boolean {
  return hasCode(error, ...connectionCodes);
}

/** What a {@link NativeHandle} reports about its connection. */
export interface HandleEvents {
  /** Connected (again): `sessionId` is hex, `timeoutMs` the negotiated session timeout. */
  connected(sessionId: string, timeoutMs: number): void;
  /** The connection dropped; the client is trying the ensemble again. */
  connecting(): void;
  /** The native client closed itself (session expired, auth failed…); `code` says why. */
  closed(code: number): void;
}

/** Connection settings of one native handle. */
export interface HandleOptions {
  /** `host:port,…[/chroot]`. */
  connectString: string;
  sessionTimeoutMs: number;
  auth?: { scheme: string; credentials: string } | undefined;
}

type Callback = (rc: number, error: unknown, ...results: unknown[]) => void;

/** One native client, from init to close; never reused after close (see the file comment). */
export class NativeHandle {
  private client: NativeClient | undefined;
  private readonly pending = new Set<(error: ZooKeeperError) => void>();

  constructor(options: HandleOptions, events: HandleEvents) {
    const client = new ZooKeeper({
      connect: options.connectString,
      timeout: options.sessionTimeoutMs,
      debug_level: 0, // the C client would print to stderr; the session logs what matters
      host_order_deterministic: false,
    });
    this.client = client;
    client.on('connect', () => {
      if (this.client === client) events.connected(client.client_id.toString(), client.timeout);
    });
    client.on('connecting', () => {
      if (this.client === client) events.connecting();
    });
    client.on('close', (_client: unknown, code: unknown) => {
      if (this.client !== client) return; // our own close()
      this.dispose();
      events.closed(typeof code === 'number' ? code : 0);
    });
    client.init({});
    if (options.auth !== undefined) {
      // Sent again by the C client on every reconnect; digest auth never fails at this point.
      client.add_auth(options.auth.scheme, options.auth.credentials, () => undefined);
    }
  }

  /** Closes the session (ephemeral znodes vanish at once) and fails every pending call. */
  close(): void {
    const client = this.client;
    this.dispose();
    client?.close();
  }

  private dispose(): void {
    this.client = undefined;
    const failures = [...this.pending];
    this.pending.clear();
    for (const fail of failures)
      fail(new ZooKeeperError(Code.closing, 'call', '', 'session closed'));
  }

  /** Runs one asynchronous native call; settles once, even if the handle is closed meanwhile. */
  private call(
    operation: string,
    path: string,
    start: (client: NativeClient, done: Callback) => unknown,
  ): Promise<void>;
  private call<T>(
    operation: string,
    path: string,
    start: (client: NativeClient, done: Callback) => unknown,
    result: (...results: unknown[]) => T,
  ): Promise<T>;
  private call<T>(
    operation: string,
    path: string,
    start: (client: NativeClient, done: Callback) => unknown,
    result?: (...results: unknown[]) => T,
  ): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const client = this.client;
      if (client === undefined) {
        reject(new ZooKeeperError(Code.closing, operation, path, 'session closed'));
        return;
      }
      const fail = (error: ZooKeeperError) => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      const rc = start(client, (code, message, ...results) => {
        if (!this.pending.delete(fail)) return; // already failed by close()
        if (code !== 0) reject(new ZooKeeperError(code, operation, path, String(message)));
        else {
          // Never throw into the native callback: that would be an uncaught exception.
          try {
            resolve(result?.(...results));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }
      });
      if (typeof rc === 'number' && rc < 0)
        fail(new ZooKeeperError(rc, operation, path, 'rejected by the client'));
    });
  }

  /** Wraps a watcher: drops session pseudo events and anything after this handle closed. */
  private watch(watcher: Watcher): (type: number) => void {
    return (type) => {
      const event = watchEvents.get(type);
      if (event !== undefined && this.client !== undefined) watcher(event);
    };
  }

  get(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    return this.call(
      'get',
      path,
      (client, done) =>
        watcher === undefined
          ? client.a_get(path, false, done)
          : client.aw_get(path, this.watch(watcher), done),
      (stat, data) => ({
        stat: toStat(stat),
        data: Buffer.isBuffer(data) ? data : Buffer.alloc(0), // an empty znode may read as null
      }),
    );
  }

  getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    return this.call(
      'getChildren',
      path,
      (client, done) =>
        watcher === undefined
          ? client.a_get_children(path, false, done)
          : client.aw_get_children(path, this.watch(watcher), done),
      (children) => (Array.isArray(children) ? children.map(String) : []),
    );
  }

  /** The stat, or undefined when the znode does not exist (the watcher then awaits its creation). */
  async exists(path: string, watcher?: Watcher): Promise<Stat | undefined> {
    try {
      return await this.call(
        'exists',
        path,
        (client, done) =>
          watcher === undefined
            ? client.a_exists(path, false, done)
            : client.aw_exists(path, this.watch(watcher), done),
        toStat,
      );
    } catch (error) {
      if (hasCode(error, Code.noNode)) return undefined;
      throw error;
    }
  }

  create(path: string, data: Buffer, ephemeral: boolean): Promise<void> {
    const flags = ephemeral ? constants.ZOO_EPHEMERAL : constants.ZOO_PERSISTENT;
    return this.call('create', path, (client, done) => client.a_create(path, data, flags, done));
  }

  set(path: string, data: Buffer, version: number): Promise<void> {
    return this.call('set', path, (client, done) => client.a_set(path, data, version, done));
  }

  delete(path: string, version: number): Promise<void> {
    return this.call('delete', path, (client, done) => client.a_delete_(path, version, done));
  }

  setAcl(path: string, version: number, acl: readonly AclEntry[]): Promise<void> {
    return this.call('setAcl', path, (client, done) =>
      client.a_set_acl(path, version, [...acl], done),
    );
  }
}

/** Checks the fields we use: the native stat object is untyped at the boundary. */
function toStat(value: unknown): Stat {
  const stat = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const { version, aversion, ephemeralOwner } = stat;
  if (
    typeof version !== 'number' ||
    typeof aversion !== 'number' ||
    typeof ephemeralOwner !== 'string'
  ) {
    throw new TypeError('the native client returned a malformed stat');
  }
  return { version, aversion, ephemeralOwner };
}
