import { afterEach } from 'vitest';
import type { ConfigChange, ConfigWatcher } from '../../src/config/index.js';
import { watchConfigDir } from '../../src/config/index.js';
import type { ConfigKind } from '../../src/config/types.js';
import type { ConfigIssue } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { fakeResolver, makeConfigDir, waitFor } from './config-fixtures.js';
import type { ConfigDirFixture } from './config-fixtures.js';
import { manualExamples } from './config-manual-examples.js';

/**
 * Watcher sessions for the watch tests: a temporary config directory, a watcher on it, and a
 * log of every handler call. Tests wait for what they expect with a polling deadline; where a
 * test asserts that nothing (more) happens, it waits a bounded quiet period: QUIET is several
 * times the debounce plus chokidar's event latency, so a duplicate or spurious event would have
 * arrived by then.
 */
export const QUIET = 400;
export const quiet = () => new Promise((resolve) => setTimeout(resolve, QUIET));

export const zookeeper = manualExamples['discovery/zookeeper.yaml'] ?? '';
export const cluster = (port: number, extra = '') =>
  `${extra}discovery: zookeeper\nhaproxy:\n  port: ${port}\n`;

export interface Session {
  fixture: ConfigDirFixture;
  watcher: ConfigWatcher;
  /** Every handler call, in order: `add clusters/web`, `issues clusters/web.yaml: …`. */
  log: string[];
  changes: ConfigChange[];
  errors: string[];
  /** Resolves once `log` holds `count` lines. */
  until(count: number): Promise<void>;
}

/** Sessions to close after the current test (register extra ones by pushing). */
export const sessions: Session[] = [];
afterEach(async () => {
  for (const session of sessions.splice(0)) {
    await session.watcher.close();
    await session.fixture.cleanup();
  }
});

export function describeChange(change: ConfigChange): string {
  const entry = change.type === 'remove' ? change.previous : change.entry;
  return `${change.type} ${entry.kind}/${entry.name}`;
}

/** Starts a watcher on a new directory holding `files`; closed after the test. */
export async function start(
  files: Record<string, string>,
  options: {
    kinds?: ConfigKind[];
    dir?: (fixture: ConfigDirFixture) => string;
    onChange?: (change: ConfigChange) => void;
  } = {},
): Promise<Session> {
  const fixture = await makeConfigDir(files);
  const log: string[] = [];
  const changes: ConfigChange[] = [];
  const errors: string[] = [];
  const { logger } = createLogger({
    level: 'warn',
    format: 'json',
    write: (line) => errors.push(line),
  });
  const watcher = await watchConfigDir({
    dir: options.dir?.(fixture) ?? fixture.dir,
    kinds: options.kinds ?? ['logging', 'balancers', 'discovery', 'clusters', 'services'],
    resolver: fakeResolver(),
    log: logger,
    onChange(change) {
      log.push(describeChange(change));
      changes.push(change);
      options.onChange?.(change);
    },
    onIssues(file: string, issues: ConfigIssue[]) {
      log.push(`issues ${file}: ${issues.map((issue) => issue.message).join('; ')}`);
    },
  });
  const session: Session = {
    fixture,
    watcher,
    log,
    changes,
    errors,
    until: (count) =>
      waitFor(
        () => log.length >= count,
        () => `${count} handler calls, got ${JSON.stringify(log)}`,
      ),
  };
  sessions.push(session);
  return session;
}

/** `kind/name:file` of every entry in force. */
export const names = (watcher: ConfigWatcher) =>
  watcher.current().map((entry) => `${entry.kind}/${entry.name}:${entry.file}`);

/** Live timers and fs watches of this process (what would keep it from exiting). */
export function handleCounts(): { timers: number; watches: number } {
  const resources = process.getActiveResourcesInfo();
  return {
    timers: resources.filter((resource) => resource === 'Timeout').length,
    watches: resources.filter(
      (resource) => resource === 'FSEventWrap' || resource === 'StatWatcher',
    ).length,
  };
}
