import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { defineAgent } from '../../src/define.js';
import { loadConfigFile } from '../../src/config/index.js';
import { parseListen } from '../../src/config/validate-reporter.js';
import { createStaticResolver } from '../../src/plugins/static.js';
import { fakeHaproxy, fakeHttp, fakeTcp, fakeZookeeper } from '../helpers/config-fixtures.js';
import { dirWith, issuesOf } from '../helpers/config-load.js';

/** reporter.yaml, and the `agent:` section of a service file. */

const agentPlugin = (name: string) =>
  defineAgent({
    name,
    configSchema: Type.Object(
      {
        port: Type.Integer({ minimum: 1, maximum: 65535, description: 'Agent port.' }),
        interval: Type.Number({ default: 2, description: 'Seconds.' }),
      },
      { additionalProperties: false },
    ),
    validateConfig: (config) =>
      config.port === 1 ? [{ pointer: '/port', message: 'port 1 is reserved' }] : [],
    create: () => {
      throw new Error('not used by the loader tests');
    },
  });

const resolverWith = (...agents: string[]) =>
  createStaticResolver([
    fakeHaproxy,
    fakeZookeeper,
    fakeHttp,
    fakeTcp,
    ...agents.map((name) => agentPlugin(name)),
  ]);

const service = (agent: string) =>
  `discovery: zookeeper\nport: 8080\nchecks:\n  interval: 2\n  tcp:\n    rise: 1\n    fall: 1\n${agent}`;

async function load(file: string, text: string, resolver = resolverWith('haproxy')) {
  const { dir } = await dirWith({
    'discovery/zookeeper.yaml': 'hosts: ["zk:2181"]\n',
    [file]: text,
  });
  return loadConfigFile(dir, file, resolver);
}

describe('reporter.yaml', () => {
  it('defaults the state directory and has no health proxy', async () => {
    const result = await load('reporter.yaml', 'health_proxy: {listen: "[::1]:3333"}\n');
    expect(result.ok && result.entry).toMatchObject({
      kind: 'reporter',
      value: { stateDir: '/var/lib/lighthouse', healthProxy: { host: '::1', port: 3333 } },
    });
    const plain = await load('reporter.yaml', 'state_dir: /srv/lighthouse//state/\n');
    expect(plain.ok && plain.entry.kind === 'reporter' && plain.entry.value).toEqual({
      stateDir: '/srv/lighthouse/state/',
    });
  });

  it.each([
    ['state_dir: relative\n', '/state_dir: "relative" is not an absolute path'],
    ['state_dir: "/a\\nb"\n', '/state_dir: "/a\\u000ab" is not an absolute path'],
    ['health_proxy: {listen: "127.0.0.1"}\n', '/health_proxy/listen: "127.0.0.1" is not host:port'],
    ['health_proxy: {listen: "127.0.0.1:70000"}\n', 'is not host:port'],
    ['health_proxy: {listen: "bad host:80"}\n', 'is not a valid host name or IP address'],
    ['health_proxy: {port: 3333}\n', '/health_proxy'],
    ['metrics: true\n', '/metrics'],
    ['peer: {ip: "10.0.0.300"}\n', '/peer/ip: "10.0.0.300" is not an IPv4 or IPv6 address'],
    ['peer: {name: "a b"}\n', '/peer/name: "a b" is not a valid name'],
    ['peer: {port: 0}\n', '/peer/port'],
  ])('rejects %j', async (text, message) => {
    const issues = await issuesOf('reporter.yaml', text);
    expect(issues.map((issue) => `${issue.pointer}: ${issue.message}`).join('\n')).toContain(
      message,
    );
  });

  it("advertises no peer unless asked; peer: {} takes 1.0's port 1024", async () => {
    const none = await load('reporter.yaml', 'state_dir: /x\n');
    expect(none.ok && none.entry.kind === 'reporter' && none.entry.value.peer).toBeUndefined();
    const bare = await load('reporter.yaml', 'peer: {}\n');
    expect(bare.ok && bare.entry.kind === 'reporter' && bare.entry.value.peer).toEqual({
      port: 1024,
    });
    const full = await load('reporter.yaml', 'peer: {name: lb-1, ip: "10.0.0.9", port: 10000}\n');
    expect(full.ok && full.entry.kind === 'reporter' && full.entry.value.peer).toEqual({
      name: 'lb-1',
      ip: '10.0.0.9',
      port: 10000,
    });
  });

  it('parses listen addresses', () => {
    expect(parseListen('localhost:3333')).toEqual({ host: 'localhost', port: 3333 });
    expect(parseListen('[::1]:1')).toEqual({ host: '::1', port: 1 });
    expect(parseListen(':3333')).toHaveProperty('problem');
    expect(parseListen('::1:3333')).toHaveProperty('problem');
    expect(parseListen('host:0')).toHaveProperty('problem');
  });
});

describe("a service's agent: section", () => {
  it('uses the only agent plugin installed, with its defaults', async () => {
    const result = await load('services/web.yaml', service('agent:\n  port: 5555\n'));
    expect(result.ok && result.entry.kind === 'services' && result.entry.value.agent).toMatchObject(
      { plugin: { name: 'haproxy', kind: 'agents' }, config: { port: 5555, interval: 2 } },
    );
  });

  it('takes type: when several are installed, and asks for it otherwise', async () => {
    const two = resolverWith('haproxy', 'other');
    const chosen = await load(
      'services/web.yaml',
      service('agent:\n  type: other\n  port: 5555\n'),
      two,
    );
    expect(
      chosen.ok && chosen.entry.kind === 'services' && chosen.entry.value.agent?.plugin.name,
    ).toBe('other');
    const vague = await load('services/web.yaml', service('agent:\n  port: 5555\n'), two);
    expect(vague.ok ? [] : vague.issues.map((issue) => issue.message)).toEqual([
      'several agent plugins are installed (haproxy, other): say which with `type:`',
    ]);
  });

  it.each([
    ['agent:\n  port: 70000\n', '/agent/port'],
    ['agent:\n  port: 1\n', '/agent/port: port 1 is reserved'],
    ['agent:\n  port: 5555\n  bogus: 1\n', '/agent/bogus'],
    [
      'agent:\n  type: haproxi\n  port: 5555\n',
      '/agent/type: unknown agent "haproxi" (did you mean "haproxy"?)',
    ],
    ['agent: 5555\n', '/agent'],
  ])('reports %j', async (agent, message) => {
    const result = await load('services/web.yaml', service(agent));
    const issues = result.ok ? [] : result.issues;
    expect(issues.map((issue) => `${issue.pointer}: ${issue.message}`).join('\n')).toContain(
      message,
    );
  });

  it('says what to install when no agent plugin is', async () => {
    const result = await load(
      'services/web.yaml',
      service('agent:\n  port: 5555\n'),
      resolverWith(),
    );
    expect(result.ok ? [] : result.issues.map((issue) => issue.message)).toEqual([
      'no agent plugin is installed (install @lighthouse/haproxy-agent next to the CLI)',
    ]);
  });
});
