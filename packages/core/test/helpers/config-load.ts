import { afterEach } from 'vitest';
import { loadConfigFile } from '../../src/config/index.js';
import type { ConfigIssue } from '../../src/errors.js';
import { fakeResolver, makeConfigDir } from './config-fixtures.js';
import type { ConfigDirFixture } from './config-fixtures.js';

/** Temporary config directories for the loader tests, removed after each test. */

/** The resolver of the stand-in plugins. */
export const resolver = fakeResolver();
let fixture: ConfigDirFixture | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  fixture = undefined;
});

/** A new temporary config directory holding `files` (removed after the test). */
export async function dirWith(files: Record<string, string>): Promise<ConfigDirFixture> {
  fixture = await makeConfigDir(files);
  return fixture;
}

/** Loads one file written with `text` and returns its issues (none when valid). */
export async function issuesOf(file: string, text: string): Promise<ConfigIssue[]> {
  const { dir } = await dirWith({ [file]: text });
  const result = await loadConfigFile(dir, file, resolver);
  return result.ok ? [] : result.issues;
}
