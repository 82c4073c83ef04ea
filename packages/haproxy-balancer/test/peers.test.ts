import type { ClusterState, Node } from '@lighthouse/core';
import { describe, expect, it } from 'vitest';
import { peersFingerprint, structureFingerprint } from '../src/fingerprint.js';
import { referencedPeers } from '../src/render-clusters.js';
import { renderConfig } from '../src/render.js';
import { checkWithHAProxy } from './haproxy-check.js';
import type { HAProxyClusterConfig, HAProxyConfig } from '../src/schema.js';

const CONFIG: HAProxyConfig = {
  config_file: '/tmp/h.cfg',
  socket_file: '/tmp/h.sock',
  pid_file: '/tmp/h.pid',
  peer_name: 'me',
  peer_address: '127.0.0.1:1024',
};

const node = (host: string, ip: string, peer?: string): Node => ({
  host,
  ip,
  port: 80,
  metadata: {},
  ...(peer === undefined ? {} : { peer: { name: peer, ip, port: 1024 } }),
});

const web = (backend: string[], nodes: Node[]): ClusterState<HAProxyClusterConfig> => ({
  name: 'web',
  discovered: true,
  config: { port: 8080, backend },
  nodes,
});

const TABLE = ['stick-table type ip size 1k peers web', 'stick on src'];

describe('peers', () => {
  it('finds the sections directive lines name', () => {
    expect([
      ...referencedPeers(['stick-table type ip size 1k peers web', 'peers  other x']),
    ]).toEqual(['web', 'other']);
    expect(
      referencedPeers(['stick-table type ip size 1k', 'http-request set-var(txn.peers) str(x)'])
        .size,
    ).toBe(0);
  });

  it('renders no section, and no localpeer, when nothing references it', () => {
    const text = renderConfig(CONFIG, [web([], [node('a', '10.0.0.1', 'a')])]).text;
    expect(text).not.toMatch(/^peers /m);
    expect(text).not.toContain('localpeer');
  });

  it('lists the local peer in a referenced section: its node, else peer_address', () => {
    const alone = renderConfig(CONFIG, [web(TABLE, [node('a', '10.0.0.1', 'a')])]).text;
    expect(alone).toContain('    localpeer me\n');
    expect(alone).toContain('peers web\n    peer me 127.0.0.1:1024\n    peer a 10.0.0.1:1024\n');
    const member = renderConfig(CONFIG, [web(TABLE, [node('me', '127.0.0.1', 'me')])]).text;
    expect(member).toContain('peers web\n    peer me 127.0.0.1:1024\n');
    const empty = renderConfig(CONFIG, [web(TABLE, [])]).text;
    expect(empty).toContain('peers web\n    peer me 127.0.0.1:1024\n');
  });

  it('keeps peers out of the structure: a change of peers alone is not structural', () => {
    const fingerprints = (nodes: Node[]) => {
      const clusters = [web(TABLE, nodes)];
      const text = renderConfig(CONFIG, clusters).text;
      return {
        structure: structureFingerprint(text, clusters, new Set(['web'])),
        peers: peersFingerprint(text),
      };
    };
    const one = fingerprints([node('a', '10.0.0.1', 'a')]);
    const two = fingerprints([node('a', '10.0.0.1', 'a'), node('b', '10.0.0.2', 'b')]);
    expect(two.structure).toBe(one.structure);
    expect(two.peers).not.toBe(one.peers);
    // The renderer's own peers text fingerprints as the whole file does (a restarted writer
    // compares the file's with what it renders).
    const rendered = renderConfig(CONFIG, [web(TABLE, [node('a', '10.0.0.1', 'a')])]);
    expect(peersFingerprint(rendered.peersText)).toBe(peersFingerprint(rendered.text));
    const none = renderConfig(CONFIG, [web([], [])]);
    expect(peersFingerprint(none.peersText)).toBe(peersFingerprint(none.text));
  });

  it("skips another machine's peer that carries this HAProxy's name (HAProxy would bind its IP)", () => {
    const rendered = renderConfig(CONFIG, [web(TABLE, [node('other', '10.0.0.9', 'me')])]);
    expect(rendered.text).toContain('peers web\n    peer me 127.0.0.1:1024\n');
    expect(rendered.text).not.toContain('10.0.0.9:1024');
    expect(rendered.warnings.join('\n')).toContain(
      "peer me at 10.0.0.9 skipped: it has this HAProxy's peer name but not one of its addresses",
    );
  });

  it('gives a referenced name that is no cluster a section with the local peer, so the file stays valid', () => {
    const clusters = [web(['stick-table type ip size 1k peers nosuch', 'stick on src'], [])];
    const rendered = renderConfig(CONFIG, clusters);
    expect(rendered.text).toContain('peers nosuch\n    peer me 127.0.0.1:1024\n');
    const check = checkWithHAProxy(rendered.text);
    expect(check.output).not.toMatch(/unable to find sync peers/);
    expect(check.valid).toBe(true);
  });
});
