import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`, one level at a time. Node's own `mkdir(…, {recursive: true})` never returns for a
 * path below /proc or /sys (the kernel answers ENOENT for every level and Node keeps retrying),
 * so a mistyped `state_dir` would hang the reporter and `lighthouse down`; this fails instead.
 */
export async function ensureDirectory(path: string, mode = 0o755): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    try {
      await mkdir(dir, { mode });
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') break;
      if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
      missing.push(dir);
    }
  }
  // The deepest existing ancestor is found: create the missing levels top-down.
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir, { mode });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
