import yaml from 'js-yaml';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import {
  CheckEngineKeys,
  CheckSection,
  ClusterFile,
  configJsonSchemas,
  LoggingFile,
  ReporterFile,
  ServiceFile,
  WriterFile,
} from '../../src/config/index.js';
import { fakeHaproxy, fakeResolver } from '../helpers/config-fixtures.js';
import { manualExamples } from '../helpers/config-manual-examples.js';

/** Pointers of every property (at any depth) that lacks a description. */
function undescribed(schema: unknown, pointer = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const properties = (node['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const own = Object.entries(properties).flatMap(([key, property]) => [
    ...(typeof property['description'] === 'string' ? [] : [`${pointer}/${key}`]),
    ...undescribed(property, `${pointer}/${key}`),
  ]);
  const nested = ['additionalProperties', 'items'].flatMap((key) =>
    undescribed(node[key], `${pointer}/${key}`),
  );
  return [...own, ...nested];
}

describe('core schemas', () => {
  it.each<[string, TSchema]>([
    ['LoggingFile', LoggingFile],
    ['ReporterFile', ReporterFile],
    ['WriterFile', WriterFile],
    ['ClusterFile', ClusterFile],
    ['ServiceFile', ServiceFile],
    ['CheckEngineKeys', CheckEngineKeys],
    ['CheckSection', CheckSection],
  ])('%s describes every property', (_, schema) => {
    expect(undescribed(schema)).toEqual([]);
  });
});

describe('configJsonSchemas', () => {
  it('writes one draft 2020-12 document per file type and installed plugin', async () => {
    const schemas = await configJsonSchemas(fakeResolver());
    expect(Object.keys(schemas).sort()).toEqual([
      'balancer-haproxy',
      'cluster',
      'discovery-zookeeper',
      'logging',
      'reporter',
      'service',
      'writer',
    ]);
    for (const schema of Object.values(schemas)) {
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: expect.any(String),
        description: expect.any(String),
      });
    }
    expect(schemas['cluster']).toMatchObject({
      additionalProperties: false,
      required: ['discovery'],
      properties: {
        haproxy: {
          ...JSON.parse(JSON.stringify(fakeHaproxy.clusterSchema)),
          description: expect.any(String),
        },
      },
    });
    expect(schemas['service']).toMatchObject({
      properties: {
        checks: {
          additionalProperties: false,
          properties: {
            interval: { type: 'number' },
            http: {
              required: ['rise', 'fall', 'uri'],
              properties: { rise: {}, fall: {}, timeout: {}, uri: {}, method: {} },
            },
          },
        },
      },
    });
  });

  it('accepts the manual examples and rejects what the loader rejects', async () => {
    const schemas = await configJsonSchemas(fakeResolver());
    const check = (name: string, text: string) =>
      Value.Check(schemas[name] as TSchema, yaml.load(text));
    expect(check('logging', manualExamples['logging.yaml'] ?? '')).toBe(true);
    expect(check('balancer-haproxy', manualExamples['balancers/haproxy.yaml'] ?? '')).toBe(true);
    expect(check('discovery-zookeeper', manualExamples['discovery/zookeeper.yaml'] ?? '')).toBe(
      true,
    );
    for (const file of [
      'clusters/webapp.yaml',
      'clusters/widgets.yaml',
      'clusters/sprockets.yaml',
    ]) {
      expect(check('cluster', manualExamples[file] ?? '')).toBe(true);
    }
    expect(check('service', manualExamples['services/cache.yaml'] ?? '')).toBe(true);
    expect(check('cluster', 'discovery: zookeeper\nhaproxi: {port: 80}\n')).toBe(false);
    expect(check('writer', 'state_dir: /var/lib/lighthouse\n')).toBe(true);
    expect(check('writer', 'state_dir: /x\nhealth_proxy: {listen: "127.0.0.1:1"}\n')).toBe(false);
    expect(
      check('service', 'port: 1\ndiscovery: zk\nchecks: {interval: 1, http: {rise: 1, fall: 1}}\n'),
    ).toBe(false);
    expect(
      check('service', 'port: 1\ndiscovery: zk\nchecks: {interval: 1, htp: {rise: 1, fall: 1}}\n'),
    ).toBe(false);
  });
});
