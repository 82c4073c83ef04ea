import { describe, expect, it } from 'vitest';
import { nodeProblem } from '../../src/model/node.js';

const good = { host: 'app01.example.com', ip: '10.0.0.1', port: 8080, metadata: {} };
const peer = { name: 'app01', ip: '10.0.0.1', port: 1024 };

/** A copy of the good node with `changes` applied (a key set to undefined is removed). */
function withChanges(changes: Record<string, unknown>): Record<string, unknown> {
  const node: Record<string, unknown> = { ...good, ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete node[key];
  return node;
}

describe('nodeProblem', () => {
  it.each([
    ['a minimal node', good],
    ['an IPv6 address', { ...good, ip: 'fe80::1' }],
    ['an IP literal as host', { ...good, host: '10.0.0.1' }],
    ['an IPv6 literal as host', { ...good, host: '::1' }],
    ['a fully qualified host with a trailing dot', { ...good, host: 'app01.example.com.' }],
    ['port 1', { ...good, port: 1 }],
    ['port 65535', { ...good, port: 65535 }],
    ['nested JSON metadata', { ...good, metadata: { role: 'primary', tags: ['a', 1, null] } }],
    ['a valid peer', { ...good, peer }],
    ['a peer named by an IP', { ...good, peer: { ...peer, name: '10.0.0.1' } }],
    ['extra keys', { ...good, weight: 3 }],
  ])('accepts %s', (_label, value) => {
    expect(nodeProblem(value)).toBeUndefined();
  });

  it.each([null, undefined, 'app01:80', 42, [], [good]])('rejects the non-object %j', (value) => {
    expect(nodeProblem(value)).toBe('a node must be an object');
  });

  it.each([
    ['a missing ip', { ip: undefined }, '"ip" must be a string'],
    ['a numeric ip', { ip: 167772161 }, '"ip" must be a string'],
    ['a missing host', { host: undefined }, '"host" must be a string'],
    ['a numeric host', { host: 1 }, '"host" must be a string'],
  ])('rejects %s', (_label, changes, expected) => {
    expect(nodeProblem(withChanges(changes))).toBe(expected);
  });

  it.each([
    ['999.1.1.1'],
    ['10.0.0'],
    ['app01'],
    [''],
    ['10.0.0.1 '],
    ['10.0.0.1\nserver evil 6.6.6.6:80'],
    ['fe80::1%eth0 x'],
  ])('rejects the ip %j', (ip) => {
    expect(nodeProblem({ ...good, ip })).toMatch(/is not an IPv4 or IPv6 address$/);
  });

  it.each([
    ['bad host!'],
    ['a b'],
    [''],
    ['-app01'],
    ['app_01.example.com'],
    ['app01#1'],
    ['app01\nbackend evil'],
    [`${'a'.repeat(64)}.example.com`],
  ])('rejects the host %j', (host) => {
    expect(nodeProblem({ ...good, host })).toMatch(/is not a valid host name or IP address$/);
  });

  it.each([[0], [-1], [65536], [70000], [80.5], [NaN], [Infinity], ['80'], [null], [undefined]])(
    'rejects the port %j',
    (port) => {
      expect(nodeProblem({ ...good, port })).toMatch(
        /is not a port \(an integer from 1 to 65535\)$/,
      );
    },
  );

  it('quotes a hostile value without its control characters', () => {
    const problem = nodeProblem({ ...good, host: 'evil\nserver x 1.2.3.4:80' });
    expect(problem).toBeDefined();
    expect(problem).not.toMatch(/\n/);
    expect(problem).toContain('\\u000a');
  });

  it('reports the ip before the host and the host before the port', () => {
    const hostile = { host: 'bad host!', ip: '999.1.1.1', port: 70000, metadata: {} };
    expect(nodeProblem(hostile)).toMatch(/"999\.1\.1\.1" is not an IPv4/);
    expect(nodeProblem({ ...hostile, ip: '10.0.0.1' })).toMatch(/"bad host!" is not a valid host/);
    expect(nodeProblem({ ...hostile, ip: '10.0.0.1', host: 'app01' })).toMatch(
      /^70000 is not a port/,
    );
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['an array', []],
    ['a string', '{}'],
    ['a number', 1],
  ])('rejects metadata that is %s', (_label, metadata) => {
    expect(nodeProblem(withChanges({ metadata }))).toBe('"metadata" must be a JSON object');
  });

  it('rejects metadata that cannot be written as JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(nodeProblem({ ...good, metadata: cyclic })).toBe('"metadata" must be a JSON object');
    expect(nodeProblem({ ...good, metadata: { big: 1n } })).toBe(
      '"metadata" must be a JSON object',
    );
    const throwing = {
      toJSON() {
        throw new Error('nope');
      },
    };
    expect(nodeProblem({ ...good, metadata: { throwing } })).toBe(
      '"metadata" must be a JSON object',
    );
  });

  describe('peer', () => {
    it.each([
      ['null', null, '"peer" must be an object'],
      ['a string', 'app01:1024', '"peer" must be an object'],
      ['an array', [peer], '"peer" must be an object'],
      ['without a name', { ip: peer.ip, port: peer.port }, 'peer "name" must be a string'],
      ['with a numeric name', { ...peer, name: 7 }, 'peer "name" must be a string'],
      ['without an ip', { name: peer.name, port: peer.port }, 'peer "ip" must be a string'],
    ])('rejects a peer that is %s', (_label, value, expected) => {
      expect(nodeProblem({ ...good, peer: value })).toBe(expected);
    });

    it.each([
      ['an invalid name', { ...peer, name: 'bad peer!' }, /^peer: "bad peer!" is not a valid host/],
      ['an invalid ip', { ...peer, ip: '300.0.0.1' }, /^peer: "300\.0\.0\.1" is not an IPv4/],
      ['a host name as ip', { ...peer, ip: 'app01' }, /^peer: "app01" is not an IPv4/],
      ['port 0', { ...peer, port: 0 }, /^peer: 0 is not a port/],
      ['port 70000', { ...peer, port: 70000 }, /^peer: 70000 is not a port/],
      ['no port', { name: peer.name, ip: peer.ip }, /^peer: undefined is not a port/],
    ])('rejects a peer with %s', (_label, value, expected) => {
      expect(nodeProblem({ ...good, peer: value })).toMatch(expected);
    });

    it('checks the node itself before its peer', () => {
      expect(nodeProblem({ ...good, port: 0, peer: { ...peer, port: 0 } })).toMatch(
        /^0 is not a port/,
      );
    });
  });
});
