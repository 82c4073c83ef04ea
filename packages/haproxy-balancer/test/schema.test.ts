import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';

const PATHS = {
  config_file: '/etc/haproxy.cfg',
  socket_file: '/var/run/haproxy.sock',
  pid_file: '/var/run/haproxy.pid',
};

/** Every `properties` entry of a JSON schema, with its path. */
function properties(schema: unknown, path = ''): [string, Record<string, unknown>][] {
  if (typeof schema !== 'object' || schema === null) return [];
  const node = schema as Record<string, unknown>;
  const own = Object.entries((node['properties'] ?? {}) as Record<string, Record<string, unknown>>);
  return [
    ...own.map(([key, value]): [string, Record<string, unknown>] => [`${path}/${key}`, value]),
    ...Object.entries(node).flatMap(([key, value]) =>
      Array.isArray(value)
        ? value.flatMap((item, index) => properties(item, `${path}/${key}/${index}`))
        : properties(value, `${path}/${key}`),
    ),
  ];
}

describe('schemas', () => {
  it('accept every lighthouse 1.0 manual example', () => {
    const examples = [
      {
        ...PATHS,
        bind_address: '127.0.0.1',
        global: ['daemon', 'maxconn 40000', 'user haproxy', 'log /var/run/syslog local2'],
        defaults: ['balance roundrobin', 'timeout connect 10s'],
        stats: { port: 9009, uri: '/haproxy', timeouts: { connect: 4000, server: 30000 } },
      },
      {
        ...PATHS,
        bind_address: '0.0.0.0',
        global: ['daemon', 'user haproxy'],
        proxies: {
          business_partner: {
            port: 1100,
            upstreams: [{ host: 'b2b.partner.com', port: 88, max_conn: 400 }],
            options: ['mode http'],
          },
        },
      },
      { ...PATHS, meta_clusters: { webapi: { port: 8888, frontend: ['mode http'] } } },
    ];
    for (const example of examples) expect(Value.Check(HAProxyConfig, example)).toBe(true);
    for (const section of [
      { port: 8000, frontend: ['log global'], backend: ['mode http'] },
      { acl: 'path_beg /api/widgets', backend: ['mode http'] },
      { server_options: 'slowstart 60s' },
    ]) {
      expect(Value.Check(HAProxyClusterConfig, section)).toBe(true);
    }
  });

  it('accept the new optional keys', () => {
    const config = {
      ...PATHS,
      restart_interval: 0.5,
      haproxy_binary: '/usr/sbin/haproxy',
      server_state_file: '/var/lib/haproxy/state',
      master_socket: '/run/haproxy-master.sock',
      stats: { port: 1, timeouts: { client: '30s', connect: '500ms', server: 0 } },
    };
    expect(Value.Check(HAProxyConfig, config)).toBe(true);
  });

  it.each([
    ['a missing pid_file', { config_file: '/a', socket_file: '/b' }],
    ['a relative path', { ...PATHS, config_file: 'haproxy.cfg' }],
    ['a newline in a path', { ...PATHS, pid_file: '/run/x\n.pid' }],
    ['a space in the socket path', { ...PATHS, socket_file: '/run/a b.sock level admin' }],
    ['a comma in the master socket', { ...PATHS, master_socket: '/run/m.sock,mode,777' }],
    ['an unknown key', { ...PATHS, meta_cluster_ports: { webapi: 8888 } }],
    ['a meta cluster without port', { ...PATHS, meta_clusters: { webapi: {} } }],
    ['a proxy without upstreams', { ...PATHS, proxies: { p: { port: 1, upstreams: [] } } }],
    [
      'an upstream without port',
      { ...PATHS, proxies: { p: { port: 1, upstreams: [{ host: 'a' }] } } },
    ],
    ['a port out of range', { ...PATHS, stats: { port: 65536 } }],
    ['a stats uri without /', { ...PATHS, stats: { port: 1, uri: 'stats' } }],
    ['a stats uri with a space', { ...PATHS, stats: { port: 1, uri: '/a b' } }],
    ['a bad timeout', { ...PATHS, stats: { port: 1, timeouts: { client: '5 s' } } }],
    ['an unknown timeout', { ...PATHS, stats: { port: 1, timeouts: { queue: 5 } } }],
  ])('refuse %s', (_, config) => {
    expect(Value.Check(HAProxyConfig, config)).toBe(false);
  });

  it('refuse unknown cluster keys and bad ports', () => {
    expect(Value.Check(HAProxyClusterConfig, { ports: 1 })).toBe(false);
    expect(Value.Check(HAProxyClusterConfig, { port: 0 })).toBe(false);
    expect(Value.Check(HAProxyClusterConfig, { backend: 'mode http' })).toBe(false);
  });

  it('describe every property', () => {
    for (const schema of [HAProxyConfig, HAProxyClusterConfig]) {
      expect(properties(schema).length).toBeGreaterThan(4);
      const undocumented = properties(schema).filter(([, value]) => !value['description']);
      expect(undocumented.map(([path]) => path)).toEqual([]);
    }
  });
});
