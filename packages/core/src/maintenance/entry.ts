import { isRecord } from '../is-record.js';
import { hasControlCharacter, nameProblem, portProblem, printable } from '../model/names.js';

/**
 * One maintenance entry: one small JSON file in the maintenance directory, which an operator can
 * read with `cat` and which survives a reboot. This replaces hacheck's spool, whose files were
 * named straight after user input (`hadown ../x` wrote outside the spool), held only a reason,
 * and never expired. Here the file name is derived from a validated name, the content is
 * validated field by field, and the content must agree with the file name.
 */

/** `down`: the service is taken out (deregistered). `drain`: it stays registered, at weight 0. */
export type MaintenanceMode = 'down' | 'drain';

/** A maintenance entry as the program sees it; times are epoch milliseconds. */
export interface MaintenanceEntry {
  /** A service name, or {@link ALL} for every service on this host. */
  service: string;
  /** Only this port of the service (or, with `all`, every service on this port). */
  port?: number;
  mode: MaintenanceMode;
  /** Free text for humans; may be empty (hacheck allowed an empty reason too). */
  reason: string;
  /** When the entry was made. */
  since: number;
  /** When the entry lapses by itself; absent means "until removed". */
  until?: number;
  /** Who made the entry (the CLI fills in SUDO_USER and friends). */
  user?: string;
}

/** The reserved target that stands for every service on the host (hacheck's `all` file). */
export const ALL = 'all';

/** Entry files larger than this are refused unread; a real entry is a few hundred bytes. */
export const MAX_ENTRY_BYTES = 64 * 1024;

/** Longest accepted reason, in UTF-16 code units. */
export const MAX_REASON_LENGTH = 1000;

/** Longest accepted user name, in UTF-16 code units. */
export const MAX_USER_LENGTH = 256;

/** The outcome of decoding one entry file: the entry, or a short sentence saying what is wrong. */
export type DecodeEntryResult =
  { ok: true; entry: MaintenanceEntry } | { ok: false; problem: string };

const KEYS = new Set(['service', 'port', 'mode', 'reason', 'since', 'until', 'user']);

/**
 * Why `service` cannot name a maintenance target, or undefined when it can: it must be
 * {@link ALL} or a valid service name. `.`, `..`, `/` and control characters are refused with
 * their own messages even though the name rule already excludes them, because the target becomes
 * a file name and that must never depend on one regular expression staying strict. Spellings of
 * `all` in other cases (`ALL`, `All`) are refused as well: an operator who types them means the
 * whole host, and on a case-insensitive file system `All.json` would be `all.json`.
 */
export function targetProblem(service: string): string | undefined {
  if (typeof service !== 'string') return 'a maintenance target must be a string';
  if (service === ALL) return undefined;
  const quoted = `"${printable(service)}"`;
  if (service === '.' || service === '..') return `${quoted} cannot name a maintenance target`;
  if (service.includes('/')) return `${quoted} cannot name a maintenance target: it contains "/"`;
  if (hasControlCharacter(service))
    return `${quoted} cannot name a maintenance target: it contains a control character`;
  if (service.toLowerCase() === ALL)
    return `${quoted} cannot name a maintenance target: write "${ALL}" for the whole host`;
  return nameProblem(service);
}

/**
 * The file that holds the entry for (service, port): `web.json`, `web@8080.json`, `all.json`,
 * `all@8080.json`. `@` never occurs in a name, so the mapping is one-to-one. Throws an Error when
 * the target or the port is invalid, so no caller can build a path from unchecked input.
 */
export function entryFileName(service: string, port?: number): string {
  const problem = targetProblem(service) ?? (port === undefined ? undefined : portProblem(port));
  if (problem !== undefined) throw new Error(problem);
  return port === undefined ? `${service}.json` : `${service}@${port}.json`;
}

/**
 * The (service, port) an entry file name stands for, or undefined when `fileName` is not one that
 * {@link entryFileName} produces (`README`, `web.json.bak`, `web@0.json`, `web@08080.json`…).
 */
export function parseEntryFileName(
  fileName: string,
): { service: string; port?: number } | undefined {
  const match = /^([^@]*)(?:@(\d{1,5}))?\.json$/.exec(fileName);
  if (match === null) return undefined;
  const service = match[1] ?? '';
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (targetProblem(service) !== undefined) return undefined;
  if (port !== undefined && portProblem(port) !== undefined) return undefined;
  // The round trip refuses spellings entryFileName never writes, such as a leading zero.
  if (entryFileName(service, port) !== fileName) return undefined;
  return port === undefined ? { service } : { service, port };
}

/** ISO-8601 for a valid epoch-ms time; any other value passes through for decode to refuse. */
function isoTime(ms: unknown): unknown {
  if (typeof ms !== 'number') return ms;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * The file content for an entry: 2-space indented JSON with a trailing newline, keys in a fixed
 * order, times as ISO-8601 UTC. Never throws: a value that cannot be represented (a NaN time)
 * is written as something {@link decodeEntry} refuses, which is how writers validate.
 */
export function encodeEntry(entry: MaintenanceEntry): string {
  const json: Record<string, unknown> = { service: entry.service };
  if (entry.port !== undefined) json['port'] = entry.port;
  json['mode'] = entry.mode;
  json['reason'] = entry.reason;
  json['since'] = isoTime(entry.since);
  if (entry.until !== undefined) json['until'] = isoTime(entry.until);
  if (entry.user !== undefined) json['user'] = entry.user;
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * `2026-03-01T12:00:00Z`, with optional milliseconds and a `±hh:mm` offset instead of `Z`.
 * Date.parse alone is too lenient: it accepts `2026-02-30` (as March 2nd) and `24:00:00`, and
 * guesses at other shapes. So the shape is matched first, and the calendar fields must survive
 * a round trip through Date unchanged.
 */
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function parseIsoTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || !ISO_TIME.test(value)) return undefined;
  const fields = value.slice(0, 19);
  const calendar = Date.parse(`${fields}Z`);
  if (Number.isNaN(calendar) || new Date(calendar).toISOString().slice(0, 19) !== fields)
    return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Why a free-text field is unacceptable, or undefined. */
function textProblem(value: unknown, field: string, max: number): string | undefined {
  if (typeof value !== 'string') return `"${field}" must be a string`;
  if (value.length > max) return `"${field}" is longer than ${max} characters`;
  if (hasControlCharacter(value)) return `"${field}" contains a control character (newline, tab…)`;
  return undefined;
}

/**
 * Reads and validates one entry file. `fileName` is the file's name inside the maintenance
 * directory; the content must name the same target (`web@8080.json` must say service "web",
 * port 8080), so a copied or renamed file cannot silently act on another service. Refuses texts
 * over {@link MAX_ENTRY_BYTES}, unknown keys, and anything not exactly as documented on
 * {@link MaintenanceEntry}. A leading byte-order mark is tolerated (some editors add one).
 */
export function decodeEntry(text: string, fileName: string): DecodeEntryResult {
  const fail = (problem: string): DecodeEntryResult => ({ ok: false, problem });
  if (Buffer.byteLength(text, 'utf8') > MAX_ENTRY_BYTES)
    return fail(`is larger than ${MAX_ENTRY_BYTES / 1024} KiB`);
  let json: unknown;
  try {
    json = JSON.parse(text.startsWith('\ufeff') ? text.slice(1) : text);
  } catch {
    return fail('is not valid JSON');
  }
  if (!isRecord(json)) return fail('must hold a JSON object');
  const unknown = Object.keys(json).filter((key) => !KEYS.has(key));
  if (unknown.length > 0)
    return fail(`has unknown key${unknown.length > 1 ? 's' : ''} ${quoteList(unknown)}`);

  const { service, port, mode, reason, since, until, user } = json;
  if (typeof service !== 'string') return fail('"service" must be a string');
  const serviceProblem = targetProblem(service);
  if (serviceProblem !== undefined) return fail(serviceProblem);
  const badPort = port === undefined ? undefined : portProblem(port);
  if (badPort !== undefined) return fail(`"port": ${badPort}`);
  if (mode !== 'down' && mode !== 'drain') return fail('"mode" must be "down" or "drain"');
  const reasonProblem = textProblem(reason, 'reason', MAX_REASON_LENGTH);
  if (reasonProblem !== undefined) return fail(reasonProblem);
  const sinceMs = parseIsoTime(since);
  if (sinceMs === undefined) return fail('"since" must be an ISO-8601 time');
  const untilMs = until === undefined ? undefined : parseIsoTime(until);
  if (until !== undefined && untilMs === undefined) return fail('"until" must be an ISO-8601 time');
  if (untilMs !== undefined && untilMs <= sinceMs)
    return fail('"until" must be later than "since"');
  if (user !== undefined) {
    const userProblem = textProblem(user, 'user', MAX_USER_LENGTH);
    if (userProblem !== undefined) return fail(userProblem);
    if (user === '') return fail('"user" must not be empty (leave it out instead)');
  }

  const portNumber = port as number | undefined;
  const expected = entryFileName(service, portNumber);
  if (expected !== fileName) {
    const target = portNumber === undefined ? 'no port' : `port ${portNumber}`;
    return fail(
      `names "${printable(service)}" with ${target} (${expected}) but the file is "${printable(fileName, 255)}"`,
    );
  }

  const entry: MaintenanceEntry = { service, mode, reason: reason as string, since: sinceMs };
  if (portNumber !== undefined) entry.port = portNumber;
  if (untilMs !== undefined) entry.until = untilMs;
  if (user !== undefined) entry.user = user as string;
  return { ok: true, entry };
}

/** `"a", "b"` with hostile keys escaped and the list cut short. */
function quoteList(keys: string[]): string {
  const shown = keys.slice(0, 3).map((key) => `"${printable(key, 40)}"`);
  return keys.length > 3 ? `${shown.join(', ')} and ${keys.length - 3} more` : shown.join(', ');
}
