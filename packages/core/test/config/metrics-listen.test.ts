import { describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { loadConfigFile } from '../../src/config/index.js';
import { configJsonSchemas } from '../../src/config/json-schema.js';
import { dirWith, issuesOf, resolver } from '../helpers/config-load.js';

/** `metrics.listen` in reporter.yaml and writer.yaml: where the Prometheus exporter listens. */

describe.each(['reporter', 'writer'] as const)('metrics in %s.yaml', (daemon) => {
  const file = `${daemon}.yaml`;

  it('is absent by default: no exporter', async () => {
    const { dir } = await dirWith({ [file]: 'state_dir: /srv/lighthouse\n' });
    const result = await loadConfigFile(dir, file, resolver);
    expect(result.ok && result.entry.value).toEqual({ stateDir: '/srv/lighthouse' });
  });

  it.each([
    ['127.0.0.1:9100', { host: '127.0.0.1', port: 9100 }],
    ['[::1]:9100', { host: '::1', port: 9100 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
  ])('parses listen %j', async (listen, metrics) => {
    const { dir } = await dirWith({ [file]: `metrics:\n  listen: "${listen}"\n` });
    const result = await loadConfigFile(dir, file, resolver);
    expect(result.ok && result.entry).toMatchObject({
      kind: daemon,
      value: { stateDir: '/var/lib/lighthouse', metrics },
    });
  });

  it.each([
    ['  listen: "127.0.0.1"\n', 3, '/metrics/listen: "127.0.0.1" is not host:port'],
    ['  listen: "127.0.0.1:0"\n', 3, '/metrics/listen: "127.0.0.1:0" is not host:port'],
    ['  listen: "127.0.0.1:70000"\n', 3, '/metrics/listen: "127.0.0.1:70000" is not host:port'],
    ['  listen: ":9100"\n', 3, '/metrics/listen: ":9100" is not host:port'],
    [
      '  listen: "bad host:9100"\n',
      3,
      '/metrics/listen: ',
      'is not a valid host name or IP address',
    ],
    ['  listen: 9100\n', 3, '/metrics/listen'],
    ['  port: 9100\n', 2, '/metrics'],
  ] as const)(
    'rejects %j with the file, the line and the pointer',
    async (text, line, ...messages) => {
      const issues = await issuesOf(file, `# ${daemon}\nmetrics:\n${text}`);
      expect(issues.length).toBeGreaterThan(0);
      const shown = issues.map((issue) => `${issue.pointer}: ${issue.message}`).join('\n');
      for (const message of messages) expect(shown).toContain(message);
      expect(issues[0]).toMatchObject({ file, line });
    },
  );

  it('rejects metrics that is not a section, and reports state_dir alongside', async () => {
    expect((await issuesOf(file, 'metrics: true\n')).map((issue) => issue.pointer)).toEqual([
      '/metrics',
    ]);
    const both = await issuesOf(file, 'state_dir: relative\nmetrics: {listen: "nowhere"}\n');
    expect(both.map((issue) => issue.pointer).sort()).toEqual(['/metrics/listen', '/state_dir']);
  });

  it('is in the JSON Schema editors get, described', async () => {
    const schemas = (await configJsonSchemas(resolver)) as Record<string, TSchema>;
    const schema = schemas[daemon] as TSchema & {
      properties: Record<string, { description?: string }>;
    };
    expect(schema.properties['metrics']?.description).toMatch(/Prometheus/);
    expect(Value.Check(schema, { metrics: { listen: '127.0.0.1:9100' } })).toBe(true);
    expect(Value.Check(schema, { metrics: { listen: '127.0.0.1:9100', auth: 'x' } })).toBe(false);
  });
});

describe('reporter.yaml with both listeners', () => {
  it('keeps the health proxy and the exporter apart, each problem at its pointer', async () => {
    const { dir } = await dirWith({
      'reporter.yaml':
        'health_proxy: {listen: "127.0.0.1:3333"}\nmetrics: {listen: "127.0.0.1:9100"}\n',
    });
    const result = await loadConfigFile(dir, 'reporter.yaml', resolver);
    expect(result.ok && result.entry.value).toEqual({
      stateDir: '/var/lib/lighthouse',
      healthProxy: { host: '127.0.0.1', port: 3333 },
      metrics: { host: '127.0.0.1', port: 9100 },
    });
    const issues = await issuesOf(
      'reporter.yaml',
      'health_proxy: {listen: "127.0.0.1"}\nmetrics: {listen: "127.0.0.1"}\n',
    );
    expect(issues.map((issue) => [issue.pointer, issue.line])).toEqual([
      ['/health_proxy/listen', 1],
      ['/metrics/listen', 2],
    ]);
  });
});
