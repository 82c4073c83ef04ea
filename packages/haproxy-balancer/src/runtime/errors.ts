/**
 * Typed failures of HAProxy's CLI. HAProxy 2.6 answers refusals in plain text on the same stream
 * as successes, so every reply is classified here once instead of string-matched by callers
 * (lighthouse 1.0 matched 1.x texts that 2.6 no longer prints, B6).
 */

/** Why HAProxy refused a command, from its 2.6 reply text. */
export type RefusalKind =
  | 'no-such-server'
  | 'no-such-backend'
  | 'already-exists'
  | 'not-dynamic'
  | 'server-busy'
  | 'not-in-maintenance'
  | 'unknown-command'
  | 'permission-denied'
  | 'refused';

/** HAProxy answered a command with a refusal. */
export class RuntimeCommandError extends Error {
  readonly kind: RefusalKind;
  readonly command: string;
  readonly reply: string;

  constructor(command: string, reply: string) {
    super(`HAProxy refused "${command}": ${reply.trim() || '(empty reply)'}`);
    this.name = 'RuntimeCommandError';
    this.kind = refusalKind(reply);
    this.command = command;
    this.reply = reply;
  }
}

/** The CLI socket could not be reached or did not answer in time. */
export class RuntimeConnectionError extends Error {
  readonly socketPath: string;
  /** HAProxy accepted the connection but did not answer in time: retrying would wait again. */
  readonly timedOut: boolean;
  /** Nothing listens on the socket (no such file, connection refused): no HAProxy serves it. */
  readonly nothingListens: boolean;

  constructor(
    socketPath: string,
    reason: string,
    options: { cause?: unknown; timedOut?: boolean } = {},
  ) {
    super(
      `HAProxy CLI ${socketPath}: ${reason}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'RuntimeConnectionError';
    this.socketPath = socketPath;
    this.timedOut = options.timedOut ?? false;
    const code = (options.cause as NodeJS.ErrnoException | undefined)?.code;
    this.nothingListens = code === 'ENOENT' || code === 'ECONNREFUSED';
  }
}

/**
 * HAProxy's replies did not match the commands sent (more replies than commands, output nobody
 * asked for, a reply of the wrong kind). The session was dropped, so no leftover can be read as a
 * later command's reply. Not retried: resending the same line would do the same.
 */
export class RuntimeProtocolError extends Error {
  readonly socketPath: string;

  constructor(socketPath: string, reason: string) {
    super(`HAProxy CLI ${socketPath}: ${reason}; session reset`);
    this.name = 'RuntimeProtocolError';
    this.socketPath = socketPath;
  }
}

const KINDS: readonly [RegExp, RefusalKind][] = [
  [/^No such server\./, 'no-such-server'],
  [/^(No such backend\.|Can't find backend)/, 'no-such-backend'],
  [/^Already exists a server/, 'already-exists'],
  [/dynamic load balancing|does not support dynamic servers/, 'not-dynamic'],
  [/connections attached|still has|queue/i, 'server-busy'],
  [/maintenance mode/, 'not-in-maintenance'],
  [/^Unknown command/, 'unknown-command'],
  [/^Permission denied/, 'permission-denied'],
];

/** The kind of a refusal text (measured on 2.6.12; `refused` when the text is not known). */
export function refusalKind(reply: string): RefusalKind {
  const text = reply.trim();
  return KINDS.find(([pattern]) => pattern.test(text))?.[1] ?? 'refused';
}
