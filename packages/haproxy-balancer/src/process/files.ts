import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Atomic file replacement: a reader (HAProxy on reload, a human, the next writer) sees the old
 * file or the new one, never a torn mix (lighthouse 1.0 wrote in place, B19).
 */

/**
 * Writes `text` to a temp file in `path`'s directory, fsyncs it, and renames it over `path`.
 * `accept` sees the temp file before the rename; if it throws, `path` is left untouched.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  accept?: (temporary: string) => Promise<void>,
): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await accept?.(temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** A file's text, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether `path` is a directory (false when missing or unreadable). */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}
