import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Type from 'typebox';
import type { PluginResolver } from '../../src/contracts/resolver.js';
import { defineBalancer, defineCheck, defineDiscovery } from '../../src/define.js';
import { createStaticResolver } from '../../src/plugins/static.js';

/**
 * Fixtures for the config-directory tests: small stand-ins for the real plugins (only their
 * schemas matter here), temporary config directories, and a polling wait.
 */

const notUsed = (): never => {
  throw new Error('config tests never create plugin instances');
};
/** The kind of rule a real plugin adds beyond its schema (the HAProxy balancer checks lines). */
function lineRules(section: string, lines: readonly string[] | undefined) {
  return (lines ?? []).flatMap((line, index) =>
    /[\n\r\t]/.test(line)
      ? [{ pointer: `/${section}/${index}`, message: 'a line must not contain control characters' }]
      : [],
  );
}

const lines = (description: string) => Type.Optional(Type.Array(Type.String(), { description }));

/** A stand-in for the `haproxy` balancer: lighthouse 1.0's keys. */
export const fakeHaproxy = defineBalancer({
  name: 'haproxy',
  configSchema: Type.Object(
    {
      config_file: Type.String({ description: 'haproxy.cfg path' }),
      socket_file: Type.String({ description: 'admin socket' }),
      pid_file: Type.String({ description: 'pid file' }),
      bind_address: Type.Optional(Type.String({ description: 'bind address' })),
      global: lines('global lines'),
      defaults: lines('defaults lines'),
      meta_clusters: Type.Optional(
        Type.Record(
          Type.String(),
          Type.Object(
            { port: Type.Integer({ description: 'port' }), frontend: lines('frontend lines') },
            { additionalProperties: false },
          ),
          { description: 'meta clusters' },
        ),
      ),
      proxies: Type.Optional(
        Type.Record(Type.String(), Type.Unknown(), { description: 'proxies' }),
      ),
      stats: Type.Optional(
        Type.Object(
          {
            port: Type.Integer({ description: 'port' }),
            uri: Type.String({ default: '/', description: 'uri' }),
            timeouts: Type.Optional(
              Type.Record(Type.String(), Type.Integer(), { description: 'timeouts' }),
            ),
          },
          { additionalProperties: false, description: 'stats' },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  clusterSchema: Type.Object(
    {
      port: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 65535, description: 'frontend port' }),
      ),
      acl: Type.Optional(Type.String({ description: 'meta cluster ACL' })),
      frontend: lines('frontend lines'),
      backend: lines('backend lines'),
      server_options: Type.Optional(Type.String({ description: 'server options' })),
    },
    { additionalProperties: false },
  ),
  validateConfig: (config) => lineRules('global', config.global),
  validateClusterConfig: (section) => [
    ...lineRules('frontend', section.frontend),
    ...lineRules('backend', section.backend),
  ],
  create: notUsed,
});

/** A stand-in for the `zookeeper` discovery. */
export const fakeZookeeper = defineDiscovery({
  name: 'zookeeper',
  configSchema: Type.Object(
    {
      hosts: Type.Array(Type.String(), { minItems: 1, description: 'host:port list' }),
      path: Type.String({ description: 'base path' }),
    },
    { additionalProperties: false },
  ),
  create: notUsed,
});

/** Stand-ins for the bundled checks. */
export const fakeHttp = defineCheck({
  name: 'http',
  configSchema: Type.Object(
    {
      uri: Type.String({ description: 'path to GET' }),
      method: Type.Optional(Type.String({ default: 'GET', description: 'method' })),
      https: Type.Optional(Type.Boolean({ default: false, description: 'use TLS' })),
    },
    { additionalProperties: false },
  ),
  validateConfig: (config) =>
    config.uri.startsWith('/') ? [] : [{ pointer: '/uri', message: 'must start with "/"' }],
  create: notUsed,
});
export const fakeRedis = defineCheck({
  name: 'redis',
  configSchema: Type.Object({}, { additionalProperties: false }),
  create: notUsed,
});
export const fakeTcp = defineCheck({
  name: 'tcp',
  configSchema: Type.Object(
    {
      query: Type.Optional(Type.String({ description: 'what to send' })),
      response: Type.Optional(Type.String({ description: 'what to expect' })),
    },
    { additionalProperties: false },
  ),
  validateConfig: (config) => {
    // Stands in for a plugin whose own rules crash.
    if (config.query === 'boom') throw new Error('rules exploded');
    return [];
  },
  create: notUsed,
});

/** A resolver knowing every stand-in above. */
export function fakeResolver(): PluginResolver {
  return createStaticResolver([fakeHaproxy, fakeZookeeper, fakeHttp, fakeRedis, fakeTcp]);
}

/** A temporary config directory and the file operations the tests perform on it. */
export interface ConfigDirFixture {
  dir: string;
  path(relative: string): string;
  write(relative: string, text: string): Promise<void>;
  /** Writes a sibling temporary file and renames it over `relative`, like editors do. */
  writeAtomic(relative: string, text: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(relative: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Creates a temporary config directory holding `files` (relative path → text). */
export async function makeConfigDir(files: Record<string, string> = {}): Promise<ConfigDirFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'lighthouse-config-'));
  const path = (relative: string) => join(dir, relative);
  const write = async (relative: string, text: string) => {
    await mkdir(dirname(path(relative)), { recursive: true });
    await writeFile(path(relative), text);
  };
  for (const [relative, text] of Object.entries(files)) await write(relative, text);
  return {
    dir,
    path,
    write,
    async writeAtomic(relative, text) {
      const temporary = `${path(relative)}.tmp~`;
      await writeFile(temporary, text);
      await rename(temporary, path(relative));
    },
    rename: (from, to) => rename(path(from), path(to)),
    remove: (relative) => rm(path(relative), { recursive: true, force: true }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Polls `condition` every 10 ms until it holds, or fails after `timeoutMs` saying `what`. */
export async function waitFor(
  condition: () => boolean,
  what: string | (() => string),
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      const described = typeof what === 'string' ? what : what();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
