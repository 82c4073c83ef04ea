import { copyFile, rename, stat, truncate } from 'node:fs/promises';
import { describeError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';

/**
 * HAProxy's stderr file (`<config_file>.stderr.log`). In daemon mode (`-W -D`) HAProxy writes to
 * it while it starts (alerts, warnings, why a start failed) and then points its stderr at
 * /dev/null (measured on 2.6.12), so it mostly holds start-up output; a process that still has
 * it open keeps writing in place, so it cannot be renamed away. It is capped in place instead, the
 * way logrotate's `copytruncate` does: the text so far goes to `<file>.1` (replacing the older
 * copy) and the file is truncated; HAProxy writes in append mode and carries on at its new end.
 * At a start, the previous run's file becomes `<file>.1` whole: it may say why HAProxy died.
 */

/** Above this size the file is capped (HAProxy writes alerts here, rarely more than a few KiB). */
export const STDERR_CAP_BYTES = 1024 * 1024;

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/** Copies the file to `<file>.1` and empties it, if it grew past `capBytes`. */
export async function capStderrLog(path: string, capBytes = STDERR_CAP_BYTES): Promise<boolean> {
  if ((await sizeOf(path)) <= capBytes) return false;
  await copyFile(path, `${path}.1`);
  await truncate(path, 0);
  return true;
}

/**
 * Before a start: keeps the previous run's output as `<file>.1` (the start writes a new file).
 * Best effort: a rename that fails (permissions, a directory in the way) must not stop HAProxy
 * from starting; the start then appends to the old file.
 */
export async function keepPreviousStderrLog(path: string): Promise<void> {
  if ((await sizeOf(path)) > 0) await rename(path, `${path}.1`).catch(() => undefined);
}

/** Caps the file after syncs, checked at most every 10 s: a stat per sync is not needed. */
export class StderrLogCap {
  private checkedAt = 0;

  constructor(
    private readonly path: string,
    private readonly log: Logger,
  ) {}

  async check(): Promise<void> {
    if (Date.now() - this.checkedAt < 10_000) return;
    this.checkedAt = Date.now();
    try {
      if (await capStderrLog(this.path))
        this.log.info('capped HAProxy stderr log', { file: this.path });
    } catch (error) {
      this.log.warn('could not cap the HAProxy stderr log', { error: describeError(error) });
    }
  }
}
