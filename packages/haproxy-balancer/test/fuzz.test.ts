import type { ClusterState, Node } from '@lighthouse/core';
import fc from 'fast-check';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { SECTIONS, validateLine } from '../src/directives.js';
import { renderConfig } from '../src/render.js';
import { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';
import { serverOptionsProblem } from '../src/server-options.js';
import { validateClusterSection, validateHAProxyConfig } from '../src/validate.js';

/**
 * Hostile input everywhere a user or ZooKeeper can put text: it is either rejected by
 * validation, or it renders without a control character and without an extra line or stanza.
 */

const RUNS = { numRuns: 500, seed: 1234567 };

const FRAGMENTS = [
  '\n',
  '\r',
  '\u0000',
  '\t',
  '\u000b',
  '\u000c',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u001b',
  ' ',
  '#',
  '"',
  "'",
  '\\',
  ';',
  ';show servers state',
  '%',
  '[',
  ']',
  ':',
  '/',
  '\u200b',
  'é',
  'listen evil',
  'backend x',
  'server injected 127.0.0.1:1',
  'bind :80',
  'mode http',
  'timeout server 3s',
  'check',
  'weight',
];

/** Any string, biased towards control characters and HAProxy syntax. */
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 6 }).map((parts) => parts.join('')),
  fc.constantFrom('mode http', 'check', 'path_beg /api', 'web', '10.0.0.1', 'app01.example.com'),
);

/**
 * Usually a valid value, sometimes a hostile one or a valid one with a hostile tail (`mode http`
 * + "\nlisten evil"): most cases pass validation and render, and the attacks look plausible.
 */
const mostly = (...valid: string[]) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...valid), weight: 12 },
    { arbitrary: nasty, weight: 1 },
    {
      arbitrary: fc.tuple(fc.constantFrom(...valid), nasty).map(([head, tail]) => head + tail),
      weight: 1,
    },
  );
const lines = (...valid: string[]) => fc.array(mostly(...valid), { maxLength: 3 });

/** Column-0 lines that are not comments: the stanza headers. */
function headers(text: string): string[] {
  return text.split('\n').filter((line) => /^[^#\s]/.test(line));
}

function expectWellFormed(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
  expect(text).not.toMatch(/[ \t]$/m);
  expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
  expect(new Set(headers(text)).size).toBe(headers(text).length);
}

const BASE = { config_file: '/etc/h.cfg', socket_file: '/run/h.sock', pid_file: '/run/h.pid' };

describe('fuzz', () => {
  it('config, names, lines, acl and server_options: rejected or harmless', () => {
    const input = fc.record({
      global: lines('daemon', 'maxconn 100', 'log stdout local0', 'stats timeout 1m'),
      defaults: lines('mode http', 'timeout connect 5s', 'option httplog', 'no option httpclose'),
      bindAddress: fc.option(mostly('127.0.0.1', '::1', '*', 'localhost'), { nil: undefined }),
      socketFile: mostly('/run/h.sock', '/tmp/a b.sock'),
      metaName: mostly('web', 'api.v1'),
      metaFrontend: lines('mode http', 'option forwardfor'),
      proxyName: mostly('partner', 'p-2'),
      proxyOptions: lines('mode tcp', 'balance leastconn'),
      upstreamHost: mostly('b2b.example.com', '192.0.2.1', '2001:db8::1'),
      statsUri: mostly('/stats', '/'),
      clusterName: mostly('webapp', 'web', 'partner', 'a:b'),
      metaCluster: fc.option(mostly('web', 'other'), { nil: undefined }),
      acl: fc.option(mostly('path_beg /api', 'hdr(host) -i a.example'), { nil: undefined }),
      frontend: lines('log global', 'option httplog'),
      backend: lines('mode http', 'balance roundrobin', 'cookie SRV insert'),
      serverOptions: mostly('check', 'check inter 2s', '', 'slowstart 10s'),
    });
    let rendered = 0;
    fc.assert(
      fc.property(input, (i) => {
        const config = {
          ...BASE,
          socket_file: i.socketFile,
          global: i.global,
          defaults: i.defaults,
          ...(i.bindAddress === undefined ? {} : { bind_address: i.bindAddress }),
          meta_clusters: { [i.metaName]: { port: 8000, frontend: i.metaFrontend } },
          proxies: {
            [i.proxyName]: {
              port: 8001,
              options: i.proxyOptions,
              upstreams: [{ host: i.upstreamHost, port: 80 }],
            },
          },
          stats: { port: 8002, uri: i.statsUri },
        };
        const section = {
          port: 8003,
          frontend: i.frontend,
          backend: i.backend,
          server_options: i.serverOptions,
          ...(i.acl === undefined ? {} : { acl: i.acl }),
        };
        const accepted =
          Value.Check(HAProxyConfig, config) &&
          validateHAProxyConfig(config).length === 0 &&
          Value.Check(HAProxyClusterConfig, section) &&
          validateClusterSection(section).length === 0;
        if (!accepted) return;
        const cluster: ClusterState<HAProxyClusterConfig> = {
          name: i.clusterName,
          discovered: true,
          config: section,
          nodes: [{ host: 'app01', ip: '10.0.0.1', port: 80, metadata: {} }],
          ...(i.metaCluster === undefined ? {} : { metaCluster: i.metaCluster }),
        };
        const { text } = renderConfig(config, [cluster]);
        rendered++;
        expectWellFormed(text);
        const allowed = new Set([
          'global',
          'defaults',
          `frontend ${i.metaName}`,
          `frontend ${i.clusterName}`,
          `backend ${i.clusterName}`,
          `listen ${i.proxyName}`,
          'listen stats',
        ]);
        for (const header of headers(text)) expect(allowed).toContain(header);
        for (const line of i.global) expect(text).toContain(`\n    ${line.trim()}\n`);
      }),
      RUNS,
    );
    expect(rendered).toBeGreaterThan(RUNS.numRuns / 20);
  });

  it('node data from ZooKeeper: skipped or rendered as one strict line', () => {
    const ip = fc.oneof(nasty, fc.ipV4(), fc.ipV6());
    const port = fc.oneof(
      fc.integer({ min: -5, max: 70_000 }),
      fc.anything(),
    ) as fc.Arbitrary<number>;
    const peer = fc.record({ name: nasty, ip, port });
    const node: fc.Arbitrary<Node> = fc.record({
      host: fc.oneof(nasty, fc.domain()),
      ip,
      port,
      metadata: fc.record(
        {
          weight: fc.anything(),
          state: fc.oneof(fc.constant('drain'), fc.anything()),
          agent_port: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.anything()),
          agent_inter: fc.oneof(fc.double(), fc.anything()),
        },
        { requiredKeys: [] },
      ),
      peer: fc.option(peer, { nil: undefined }),
    });
    const server = new RegExp(
      '^ {4}server [A-Za-z0-9_.:-]+ (\\[[0-9a-fA-F:.]+\\]|[0-9.]+):[0-9]{1,5}' +
        '( agent-check agent-port [0-9]{1,5}( agent-inter [0-9]{1,7}ms)?)?( weight [0-9]{1,3})?' +
        '( # drain \\(metadata\\.state\\), set at runtime)?$',
    );
    const peerLine = /^ {4}peer [A-Za-z0-9_.:-]+ (\[[0-9a-fA-F:.]+\]|[0-9.]+):[0-9]{1,5}$/;
    let servers = 0;
    fc.assert(
      fc.property(fc.array(node, { maxLength: 6 }), (nodes) => {
        const { text, backends } = renderConfig(BASE, [
          { name: 'c', discovered: true, config: {}, nodes },
        ]);
        servers += backends.get('c')?.length ?? 0;
        expectWellFormed(text);
        for (const header of headers(text)) {
          expect(['global', 'defaults', 'backend c', 'peers c']).toContain(header);
        }
        for (const line of text.split('\n')) {
          if (line.startsWith('    server ')) expect(line).toMatch(server);
          if (line.startsWith('    peer ')) expect(line).toMatch(peerLine);
        }
      }),
      RUNS,
    );
    expect(servers).toBeGreaterThan(RUNS.numRuns / 10);
  });

  it('an accepted line is one line with a keyword', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SECTIONS), nasty, (section, line) => {
        if (validateLine(section, line) !== undefined) return;
        // eslint-disable-next-line no-control-regex
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(line.trim()).not.toBe('');
        expect(line.trim().startsWith('#')).toBe(false);
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });

  it('accepted server_options hold only plain words', () => {
    fc.assert(
      fc.property(nasty, (options) => {
        if (serverOptionsProblem(options) !== undefined) return;
        expect(options).toMatch(/^ *([!-~]+ +)*[!-~]* *$/);
        expect(options).not.toMatch(/["'#;\\]/);
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });
});
