import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import Value from 'typebox/value';
import type { AnyPlugin, PluginKind } from '@lighthouse/core';
import {
  FIRST_PARTY_PLUGINS,
  PluginManifest,
  PluginRegistry,
  pluginShapeProblems,
} from '@lighthouse/core/engine';
import { missingDescriptions } from '@lighthouse/testing';

/** A documented example config per plugin: the schema must accept it (defaults applied). */
const examples: Record<string, { config: unknown; cluster?: unknown }> = {
  'checks/http': { config: { uri: '/health' } },
  'checks/tcp': { config: { query: 'ruok', response: 'imok' } },
  'checks/redis': { config: { password: 'secret' } },
  'discovery/zookeeper': { config: { hosts: ['zk01:2181'], path: '/lighthouse/services' } },
  'agents/haproxy': { config: { port: 5555, weight: { file: '/run/web/load' } } },
  'balancers/haproxy': {
    config: {
      config_file: '/etc/haproxy.cfg',
      socket_file: '/var/run/haproxy.sock',
      pid_file: '/var/run/haproxy.pid',
    },
    cluster: { port: 8000, frontend: ['log global'], backend: ['mode http'] },
  },
};

/** @lighthouse/all: its dependencies are every first-party plugin. */
const allPackageDir = fileURLToPath(new URL('..', import.meta.url));
const registry = await PluginRegistry.discover({ selfPackageDirs: [allPackageDir] });
const statuses = await registry.loadAll();
const firstParty = statuses.filter((status) => status.entry.packageName.startsWith('@lighthouse/'));

describe('first-party plugins (meta-tests)', () => {
  it('are all found, one per documented example', () => {
    expect(firstParty.map(({ entry }) => `${entry.kind}/${entry.name}`).sort()).toEqual(
      Object.keys(examples).sort(),
    );
  });

  it("are core's catalogue for install advice, package for package", () => {
    const catalogue = Object.entries(FIRST_PARTY_PLUGINS).flatMap(([kind, byName]) =>
      Object.entries(byName).map(([name, pkg]) => `${kind}/${name} ${pkg}`),
    );
    expect(
      firstParty.map(({ entry }) => `${entry.kind}/${entry.name} ${entry.packageName}`).sort(),
    ).toEqual(catalogue.sort());
  });

  describe.each(
    firstParty.map((status) => [`${status.entry.kind}/${status.entry.name}`, status] as const),
  )('%s', (key, status) => {
    const plugin = (): AnyPlugin => {
      if (!status.ok) throw status.error;
      return status.plugin;
    };

    it('has a valid manifest whose target exists', async () => {
      const pkg = JSON.parse(await readFile(join(status.entry.packageDir, 'package.json'), 'utf8'));
      expect(Value.Check(PluginManifest, pkg.lighthouse)).toBe(true);
      await expect(readFile(status.entry.file)).resolves.toBeDefined();
    });

    it('default-exports a plugin of the right shape', () => {
      expect(
        pluginShapeProblems(plugin(), status.entry.kind as PluginKind, status.entry.name),
      ).toEqual([]);
    });

    it('accepts its documented example and rejects unknown keys', () => {
      const { configSchema } = plugin();
      const example = examples[key]?.config;
      expect(Value.Check(configSchema, Value.Default(configSchema, structuredClone(example)))).toBe(
        true,
      );
      expect(Value.Check(configSchema, { ...(example as object), unexpected: true })).toBe(false);
      const cluster = examples[key]?.cluster;
      const current = plugin();
      if (current.kind === 'balancers') {
        expect(Value.Check(current.clusterSchema, cluster)).toBe(true);
        expect(
          Value.Check(current.clusterSchema, { ...(cluster as object), unexpected: true }),
        ).toBe(false);
      }
    });

    it('describes every property of its schemas', () => {
      const current = plugin();
      expect(missingDescriptions(current.configSchema)).toEqual([]);
      if (current.kind === 'balancers')
        expect(missingDescriptions(current.clusterSchema)).toEqual([]);
    });

    it('keeps its user-facing schema as reviewed (snapshot)', async () => {
      const current = plugin();
      const schemas =
        current.kind === 'balancers'
          ? { config: current.configSchema, cluster: current.clusterSchema }
          : { config: current.configSchema };
      await expect(`${JSON.stringify(schemas, null, 2)}\n`).toMatchFileSnapshot(
        `./__snapshots__/${key.replace('/', '-')}.schema.json`,
      );
    });
  });
});
