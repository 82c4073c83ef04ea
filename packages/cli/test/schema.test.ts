import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('lighthouse schema', () => {
  let out: string | undefined;
  afterEach(async () => {
    if (out !== undefined) await rm(out, { recursive: true, force: true });
  });

  it('writes one JSON Schema per config file type, including the installed plugins', async () => {
    out = await mkdtemp(join(tmpdir(), 'lighthouse-schema-'));
    const run = await runCli(['schema', '--out', out]);
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'balancer-haproxy.schema.json',
      'cluster.schema.json',
      'discovery-zookeeper.schema.json',
      'logging.schema.json',
      'reporter.schema.json',
      'service.schema.json',
      'writer.schema.json',
    ]);
    const service = JSON.parse(await readFile(join(out, 'service.schema.json'), 'utf8'));
    expect(service.$schema).toMatch(/json-schema\.org/);
    expect(service.properties.checks.properties.http.required).toEqual(
      expect.arrayContaining(['rise', 'fall', 'uri']),
    );
    expect(service.properties.checks.properties.redis).toBeDefined();
    const cluster = JSON.parse(await readFile(join(out, 'cluster.schema.json'), 'utf8'));
    expect(cluster.properties.haproxy.properties.port.description).toEqual(expect.any(String));
  });

  it('prints all schemas as one JSON object without --out', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    expect(Object.keys(JSON.parse(run.stdout)).sort()).toEqual([
      'balancer-haproxy',
      'cluster',
      'discovery-zookeeper',
      'logging',
      'reporter',
      'service',
      'writer',
    ]);
  });
});
