import type { ClusterState, Node, Peer } from '@lighthouse/core';
import type { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';

/**
 * The golden scenarios: lighthouse 1.0's manual examples (§3.2.2, §3.2.4) and one per stanza
 * type or edge case. Paths point into /tmp/lighthouse-golden: `haproxy -c` opens none of them,
 * and a stray real run could only touch /tmp.
 */

export interface Scenario {
  /** Golden file name without `.cfg`. */
  name: string;
  config: HAProxyConfig;
  clusters: ClusterState<HAProxyClusterConfig>[];
  /** The renderer's warnings, exactly. */
  warnings: string[];
}

const PATHS = {
  config_file: '/tmp/lighthouse-golden/haproxy.cfg',
  socket_file: '/tmp/lighthouse-golden/haproxy.sock',
  pid_file: '/tmp/lighthouse-golden/haproxy.pid',
};

/** A discovered node, optionally with metadata and the HAProxy peer on its machine. */
export function node(host: string, ip: string, port: number, metadata = {}, peer?: Peer): Node {
  return { host, ip, port, metadata, ...(peer === undefined ? {} : { peer }) };
}

/** The manual's haproxy.yaml (§3.2.2), stats included. */
const MANUAL_HAPROXY: HAProxyConfig = {
  ...PATHS,
  bind_address: '127.0.0.1',
  global: ['daemon', 'maxconn 40000', 'user haproxy', 'log /var/run/syslog local2'],
  defaults: [
    'balance roundrobin',
    'timeout connect 10s',
    'timeout client 20s',
    'timeout server 20s',
  ],
  stats: { port: 9009, uri: '/haproxy', timeouts: { connect: 4000, server: 30000 } },
};

export const SCENARIOS: Scenario[] = [
  {
    // Manual §3.2.2 haproxy.yaml + §3.2.4 clusters/webapp.yaml.
    name: 'webapp',
    config: MANUAL_HAPROXY,
    clusters: [
      {
        name: 'webapp',
        discovered: true,
        config: { port: 8000, frontend: ['log global'], backend: ['mode http'] },
        nodes: [
          node('app02.example.com', '10.0.1.13', 8000),
          node('app01.example.com', '10.0.1.12', 8000),
        ],
      },
    ],
    warnings: [],
  },
  {
    // Manual §3.2.4 meta cluster: widgets + sprockets behind meta_clusters.webapi, including the
    // manual's `maxconn 500` backend line (HAProxy 2.6 ignores it there with a warning).
    name: 'meta-cluster',
    config: { ...PATHS, meta_clusters: { webapi: { port: 8888, frontend: ['mode http'] } } },
    clusters: [
      {
        name: 'widgets',
        discovered: true,
        metaCluster: 'webapi',
        config: { acl: 'path_beg /api/widgets', backend: ['mode http'] },
        nodes: [node('app01.example.com', '10.0.1.12', 9001)],
      },
      {
        name: 'sprockets',
        discovered: true,
        metaCluster: 'webapi',
        config: { acl: 'path_beg /api/sprockets', backend: ['mode http', 'maxconn 500'] },
        nodes: [node('app02.example.com', '10.0.1.13', 9002)],
      },
      {
        name: 'gadgets',
        discovered: true,
        metaCluster: 'webapi',
        config: { backend: ['mode http'] },
        nodes: [],
      },
      { name: 'orphan', discovered: true, metaCluster: 'nowhere', config: {}, nodes: [] },
    ],
    warnings: [
      'meta cluster "nowhere" (used by orphan) is not configured in meta_clusters: no frontend for it',
      'cluster "gadgets" is in meta cluster "webapi" but has no acl: not routed',
    ],
  },
  {
    // Manual §3.2.2 "Proxies". The partner's name cannot be resolved here; `init-addr` lets
    // HAProxy start anyway (advisable in production too: a reload must not fail on DNS).
    name: 'proxy',
    config: {
      ...PATHS,
      bind_address: '0.0.0.0',
      global: ['daemon', 'user haproxy'],
      proxies: {
        business_partner: {
          port: 1100,
          upstreams: [
            { host: 'b2b.partner.com', port: 88, max_conn: 400 },
            { host: '192.0.2.10', port: 88 },
          ],
          options: ['mode http', 'default-server init-addr last,libc,none'],
        },
        audit: {
          port: 1200,
          bind_address: '127.0.0.1',
          upstreams: [{ host: '2001:db8::10', port: 443 }],
        },
      },
    },
    clusters: [],
    warnings: [],
  },
  {
    name: 'stats',
    config: {
      ...PATHS,
      defaults: ['mode http', 'timeout connect 5s', 'timeout client 1m', 'timeout server 1m'],
      stats: { port: 9009, timeouts: { client: '30s', connect: 4000, server: 30000 } },
    },
    clusters: [],
    warnings: [],
  },
  {
    // 1.0 rendered `default_backend empty` without `backend empty`: fatal on HAProxy 2.6.
    name: 'empty-cluster',
    config: { ...PATHS },
    clusters: [{ name: 'empty', discovered: true, config: { port: 8100 }, nodes: [] }],
    warnings: [],
  },
  {
    name: 'ipv6',
    config: { ...PATHS, bind_address: '::1' },
    clusters: [
      {
        name: 'v6app',
        discovered: true,
        config: { port: 8200, backend: ['mode tcp'], server_options: 'check' },
        nodes: [
          node(
            'app01.example.com',
            '2001:db8::1',
            8000,
            {},
            { name: 'app01', ip: '2001:db8::1', port: 1024 },
          ),
          node('2001:db8::2', '2001:db8::2', 8000),
          node('scoped', 'fe80::1%lo', 8000),
        ],
      },
    ],
    warnings: [
      'cluster "v6app": node "scoped:8000" skipped: "fe80::1%lo": HAProxy does not support IPv6 zone ids',
    ],
  },
  {
    name: 'weights',
    config: { ...PATHS, defaults: ['mode http'] },
    clusters: [
      {
        name: 'weighted',
        discovered: true,
        config: {
          port: 8300,
          backend: ['balance roundrobin', 'cookie SRV insert indirect nocache'],
          server_options: 'check  inter 2s   weight 10',
        },
        nodes: [
          node('w0.example.com', '10.0.2.1', 80, { weight: 0 }),
          node('w256.example.com', '10.0.2.2', 80, { weight: 256 }),
          node('wtext.example.com', '10.0.2.3', 80, { weight: '50' }),
          node('whigh.example.com', '10.0.2.4', 80, { weight: 300 }),
          node('wnone.example.com', '10.0.2.5', 80),
        ],
      },
    ],
    warnings: [
      'cluster "weighted": node "whigh.example.com:80": metadata.weight 300 is not an integer from 0 to 256; ignored',
      'cluster "weighted": node "wtext.example.com:80": metadata.weight "50" is not an integer from 0 to 256; ignored',
    ],
  },
  {
    name: 'peers',
    // A local peer no node advertises: listed at peer_address, whatever this machine's addresses.
    config: { ...PATHS, peer_name: 'lb-local', peer_address: '127.0.0.1:10000' },
    clusters: [
      {
        name: 'sessions',
        discovered: true,
        config: {
          port: 8400,
          backend: ['stick-table type ip size 100k expire 30m peers sessions', 'stick on src'],
        },
        nodes: [
          node(
            'app02.example.com',
            '10.0.3.2',
            7000,
            {},
            { name: 'app02', ip: '10.0.3.2', port: 1024 },
          ),
          node(
            'app01.example.com',
            '10.0.3.1',
            7000,
            {},
            { name: 'app01', ip: '10.0.3.1', port: 1024 },
          ),
          node(
            'app01.example.com',
            '10.0.3.1',
            7001,
            {},
            { name: 'app01', ip: '10.0.3.1', port: 1024 },
          ),
          node(
            'app03.example.com',
            '10.0.3.3',
            7000,
            {},
            { name: 'app01', ip: '10.0.3.3', port: 1024 },
          ),
          node('app04.example.com', '10.0.3.4', 7000),
        ],
      },
      {
        name: 'nopeers',
        discovered: true,
        config: {},
        nodes: [node('app01.example.com', '10.0.3.1', 7100)],
      },
    ],
    warnings: [
      'cluster "sessions": peer app01 10.0.3.3:1024 skipped: its name or address is already listed',
    ],
  },
  {
    name: 'server-state',
    config: {
      ...PATHS,
      server_state_file: '/tmp/lighthouse-golden/server-state',
      global: ['stats timeout 30s'],
      defaults: ['timeout connect 3s'],
    },
    clusters: [
      {
        name: 'stateful',
        discovered: true,
        config: { server_options: 'check' },
        nodes: [node('a', '10.0.4.1', 80)],
      },
    ],
    warnings: [],
  },
  {
    // The node metadata the writer honours: drain, agent-check, and hostile values of both.
    name: 'node-metadata',
    config: { ...PATHS },
    clusters: [
      {
        name: 'herald',
        discovered: true,
        config: { port: 8500, server_options: 'check inter 2s weight 100' },
        nodes: [
          node('drained', '10.0.5.1', 80, { state: 'drain', weight: 50 }),
          node('agent', '10.0.5.2', 80, { agent_port: 5555, agent_inter: 0.5 }),
          node('both', '10.0.5.3', 80, { state: 'drain', agent_port: 5555 }),
          node('evil', '10.0.5.4', 80, { state: 1, agent_port: '5555; rm -rf /' }),
          node('slow', '10.0.5.5', 80, { agent_port: 5555, agent_inter: 7200 }),
        ],
      },
    ],
    warnings: [
      'cluster "herald": node "evil:80": metadata.agent_port "5555; rm -rf /" is not an integer from 1 to 65535; no agent-check',
      'cluster "herald": node "evil:80": metadata.state 1 is not a string; ignored (the server stays ready)',
      'cluster "herald": node "slow:80": metadata.agent_inter 7200 is not a number of seconds above 0 and at most 3600; no agent-check',
    ],
  },
];
