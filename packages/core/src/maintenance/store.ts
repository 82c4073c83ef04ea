import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import { ensureDirectory } from '../ensure-directory.js';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { isRecord } from '../is-record.js';
import { portProblem, printable } from '../model/names.js';
import { compareText } from '../model/node.js';
import {
  ALL,
  decodeEntry,
  encodeEntry,
  entryFileName,
  MAX_ENTRY_BYTES,
  parseEntryFileName,
  targetProblem,
} from './entry.js';
import type { MaintenanceEntry } from './entry.js';

/**
 * The maintenance directory: one JSON file per entry (see entry.ts). Unlike hacheck's spool,
 * reading never fails open silently — every file that is not a valid entry comes back as an
 * issue for the caller to show or act on — and writing is atomic, so a reader never sees half an
 * entry. Nothing here watches the directory; the reporter does that and calls readMaintenance.
 */

/** A file in the maintenance directory that is not a valid entry, and why. */
export interface MaintenanceIssue {
  /** The file's name inside the directory, control characters escaped (it is for display). */
  file: string;
  /** A short sentence, shown as `<file>: <problem>`. */
  problem: string;
}

/** Everything the maintenance directory says, valid or not. */
export interface MaintenanceState {
  /** Valid entries sorted by file name, expired ones included (the caller knows `now`). */
  entries: MaintenanceEntry[];
  /** Files that are not valid entries, sorted by file name. */
  issues: MaintenanceIssue[];
}

const ENTRY_NAMES = 'entries are named <service>.json or <service>@<port>.json';
const NOT_AN_ENTRY = `is not a maintenance entry (${ENTRY_NAMES})`;
const A_LINK = 'is a symbolic link, not a maintenance entry (links are never followed)';

/** `open` flags for reading an entry: never through a symbolic link, never blocking on a FIFO. */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function errorCode(error: unknown): string | undefined {
  return isRecord(error) && typeof error['code'] === 'string' ? error['code'] : undefined;
}

function describe(error: unknown): string {
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

/** The names in `dir`, or none when it does not exist; other failures reject naming the dir. */
async function listNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(compareText);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw new Error(
      `cannot read the maintenance directory "${printable(dir, 255)}": ${describe(error)}`,
      { cause: error },
    );
  }
}

/** Reads at most MAX_ENTRY_BYTES + 1 bytes, so an oversized file is noticed without reading it. */
async function readCapped(handle: FileHandle): Promise<Buffer> {
  const buffer = Buffer.alloc(MAX_ENTRY_BYTES + 1);
  let length = 0;
  while (length < buffer.length) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}

/**
 * The text of one entry file, a problem, or undefined when the file vanished meanwhile (an
 * operator removed it; that is the new state, not an issue). The name was lstat-ed as a regular
 * file, but it may have been swapped since, so the open refuses links and the handle is checked.
 */
async function readEntryText(
  path: string,
): Promise<{ text: string } | { problem: string } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return { problem: A_LINK };
    return { problem: `cannot be read (${describe(error)})` };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { problem: NOT_AN_ENTRY };
    const bytes = stat.size > MAX_ENTRY_BYTES ? undefined : await readCapped(handle);
    if (bytes === undefined || bytes.length > MAX_ENTRY_BYTES)
      return { problem: `is larger than ${MAX_ENTRY_BYTES / 1024} KiB` };
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
    } catch {
      return { problem: 'is not UTF-8 text' };
    }
  } catch (error) {
    return { problem: `cannot be read (${describe(error)})` };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** One directory member: an entry, an issue, or nothing (skipped or vanished). */
async function readMember(
  dir: string,
  name: string,
): Promise<{ entry: MaintenanceEntry } | { problem: string } | undefined> {
  if (parseEntryFileName(name) === undefined) return { problem: NOT_AN_ENTRY };
  const path = join(dir, name);
  try {
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) return { problem: A_LINK };
    if (stat.isDirectory())
      return { problem: `is a directory, not a maintenance entry (${ENTRY_NAMES})` };
    if (!stat.isFile()) return { problem: NOT_AN_ENTRY };
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    return { problem: `cannot be read (${describe(error)})` };
  }
  const read = await readEntryText(path);
  if (read === undefined || 'problem' in read) return read;
  const decoded = decodeEntry(read.text, name);
  return decoded.ok ? { entry: decoded.entry } : { problem: decoded.problem };
}

/**
 * Reads the maintenance directory. A missing directory is an empty state. Dotfiles are skipped
 * (that includes our own `.<name>.<random>.tmp` files mid-write); every other member that is not
 * a valid entry — a corrupt or oversized file, a `README`, a directory, a symbolic link (never
 * followed) — is an issue, never an exception. Rejects only when the directory itself cannot be
 * read (EACCES, ENOTDIR), with an Error naming it.
 */
export async function readMaintenance(dir: string): Promise<MaintenanceState> {
  const state: MaintenanceState = { entries: [], issues: [] };
  for (const name of await listNames(dir)) {
    if (name.startsWith('.')) continue;
    const member = await readMember(dir, name);
    if (member === undefined) continue;
    if ('entry' in member) state.entries.push(member.entry);
    else state.issues.push({ file: printable(name, 255), problem: member.problem });
  }
  return state;
}

/** Makes a rename or unlink durable. Some platforms cannot fsync a directory; that is fine. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Best effort: the data itself was fsync-ed before the rename.
  }
}

/**
 * Writes `entry` atomically and returns the final path. The entry is validated first by
 * round-tripping it through the file format, so what is written is exactly what
 * {@link readMaintenance} accepts; an invalid entry throws an Error with the problem and nothing
 * is written. The file name comes only from {@link entryFileName} of the validated target, so no
 * input writes outside `dir`. Creates `dir` (mode 0o755) when missing. The file is made as a temp
 * file in `dir`, set to mode 0o644 whatever the umask (the reporter may run as another user than
 * the operator), fsync-ed, and renamed over the entry; a concurrent reader sees the old entry or
 * the new one, never a partial file, and concurrent writers leave exactly one of their files.
 */
export async function writeMaintenance(dir: string, entry: MaintenanceEntry): Promise<string> {
  if (!isRecord(entry)) throw new Error('a maintenance entry must be an object');
  const name = entryFileName(entry.service, entry.port);
  const text = encodeEntry(entry);
  const decoded = decodeEntry(text, name);
  if (!decoded.ok) throw new Error(`invalid maintenance entry: ${decoded.problem}`);

  await ensureDirectory(dir);
  const final = join(dir, name);
  // A leading dot hides the temp file from readers; the random part keeps concurrent writers
  // apart, and 'wx' (O_EXCL) refuses to reuse any existing path, a planted symbolic link included.
  const temp = join(dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.chmod(0o644);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, final);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  return final;
}

/** Unlinks one member unless it is a directory; false when there was nothing to remove. */
async function removeFile(dir: string, name: string): Promise<boolean> {
  const path = join(dir, name);
  try {
    if ((await lstat(path)).isDirectory()) return false;
    await unlink(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw new Error(`cannot remove "${printable(path, 255)}": ${describe(error)}`, {
      cause: error,
    });
  }
}

/**
 * Removes the entries for a target and returns the removed file names, sorted:
 * - `service` and `port`: `<service>@<port>.json` only;
 * - `service` alone: `<service>.json` and every `<service>@<port>.json`;
 * - `all` with `port`: every entry for that port (`<any>@<port>.json`, `all@<port>.json` included);
 * - `all` alone: every entry that decodes — the whole machine is back up. Files that are issues
 *   (corrupt, foreign) stay for a human to look at; a corrupt `web.json` goes with `web`.
 *
 * Apart from `all` alone, files are chosen by name, whatever their content, so a corrupt entry can
 * be removed. Links are removed, never followed; directories are left alone. Missing files and a
 * missing directory are fine. Throws an Error for an invalid target or port, before touching
 * anything.
 */
export async function removeMaintenance(
  dir: string,
  service: string,
  port?: number,
): Promise<string[]> {
  const problem = targetProblem(service) ?? (port === undefined ? undefined : portProblem(port));
  if (problem !== undefined) throw new Error(problem);

  let names: string[];
  if (service === ALL && port === undefined) {
    const { entries } = await readMaintenance(dir);
    names = entries.map((entry) => entryFileName(entry.service, entry.port));
  } else if (service !== ALL && port !== undefined) {
    names = [entryFileName(service, port)];
  } else {
    names = (await listNames(dir)).filter((name) => {
      const target = parseEntryFileName(name);
      if (target === undefined) return false;
      return service === ALL ? target.port === port : target.service === service;
    });
  }

  const removed: string[] = [];
  for (const name of names) if (await removeFile(dir, name)) removed.push(name);
  if (removed.length > 0) await syncDirectory(dir);
  return removed.sort(compareText);
}

const MODE_RANK = { down: 0, drain: 1 } as const;

/** 0 for service@port, 1 for service, 2 for all@port, 3 for all: lower is more specific. */
function specificity(entry: MaintenanceEntry, service: string): number {
  return (entry.service === service ? 0 : 2) + (entry.port === undefined ? 1 : 0);
}

/** True while an entry is in force: it has no `until`, or `until` is still ahead. */
function isActive(entry: MaintenanceEntry, now: number): boolean {
  return entry.until === undefined || entry.until > now;
}

/**
 * The entry in force for `service` on `port` at `now`, or undefined when it is not in
 * maintenance. Entries for `service` or `all`, without a port or with this port, count unless
 * expired (`until <= now`); `since` does not delay an entry (it records when it was made). `down`
 * beats `drain` — taking a service out is never softened by a broader drain — then the most
 * specific entry wins (service@port, service, all@port, all), then the earliest `since`, then the
 * earliest in `entries`.
 */
export function effectiveMaintenance(
  entries: readonly MaintenanceEntry[],
  service: string,
  port: number,
  now: number,
): MaintenanceEntry | undefined {
  let best: MaintenanceEntry | undefined;
  for (const entry of entries) {
    if (entry.service !== service && entry.service !== ALL) continue;
    if (entry.port !== undefined && entry.port !== port) continue;
    if (!isActive(entry, now)) continue;
    if (best === undefined || outranks(entry, best, service)) best = entry;
  }
  return best;
}

function outranks(a: MaintenanceEntry, b: MaintenanceEntry, service: string): boolean {
  const order =
    MODE_RANK[a.mode] - MODE_RANK[b.mode] ||
    specificity(a, service) - specificity(b, service) ||
    a.since - b.since;
  return order < 0;
}

/**
 * The earliest `until` after `now`, or undefined when no entry will lapse. The reporter sets a
 * timer for it so an entry ends on time without waiting for a file event. Note that it may be
 * months ahead, beyond setTimeout's limit of 2^31-1 ms (about 24.8 days): clamp the delay.
 */
export function nextExpiry(entries: readonly MaintenanceEntry[], now: number): number | undefined {
  let next: number | undefined;
  for (const { until } of entries) {
    if (until !== undefined && until > now && (next === undefined || until < next)) next = until;
  }
  return next;
}
