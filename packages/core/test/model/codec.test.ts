import { describe, expect, it } from 'vitest';
import { decodeNode, encodeNode, MAX_PAYLOAD_BYTES } from '../../src/model/codec.js';
import type { Node } from '../../src/model/node.js';

// Captured from lighthouse 1.0 writing to a real ZooKeeper (reference/lighthouse-1.0.md §2).
const LIGHTHOUSE_1_0_PAYLOAD =
  '{"host": "localhost", "ip": "127.0.0.1", "metadata": "{\\"role\\": \\"primary\\"}", ' +
  '"peer": "{\\"ip\\": \\"127.0.0.1\\", \\"name\\": \\"localhost\\", \\"port\\": 1024}", "port": 28101}';

function decoded(payload: string | Uint8Array): Node {
  const result = decodeNode(payload);
  if (!result.ok) throw new Error(`expected a node, got: ${result.reason}`);
  return result.node;
}

function rejection(payload: string): string {
  const result = decodeNode(payload);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.node)}`);
  return result.reason;
}

describe('node payload codec', () => {
  it('reads a lighthouse 1.0 payload (metadata and peer as JSON strings)', () => {
    expect(decoded(LIGHTHOUSE_1_0_PAYLOAD)).toEqual({
      host: 'localhost',
      ip: '127.0.0.1',
      port: 28101,
      metadata: { role: 'primary' },
      peer: { name: 'localhost', ip: '127.0.0.1', port: 1024 },
    });
  });

  it('writes byte-for-byte what lighthouse 1.0 writes', () => {
    expect(encodeNode(decoded(LIGHTHOUSE_1_0_PAYLOAD))).toBe(LIGHTHOUSE_1_0_PAYLOAD);
  });

  it('reads the object form of metadata and peer, and bytes', () => {
    const payload = JSON.stringify({
      host: 'app01.example.com',
      ip: '10.0.0.5',
      port: 8080,
      metadata: { weight: 50, tags: ['a'] },
      peer: { name: 'app01.example.com', ip: '10.0.0.5', port: 1024 },
    });
    expect(decoded(new TextEncoder().encode(payload))).toMatchObject({
      host: 'app01.example.com',
      metadata: { weight: 50, tags: ['a'] },
      peer: { port: 1024 },
    });
  });

  it('round-trips: what we write reads back to the same node', () => {
    const node: Node = {
      host: 'web-1',
      ip: '::1',
      port: 443,
      metadata: { zone: 'eu-1', weight: 10, ü: 'ñ' },
    };
    const text = encodeNode(node);
    expect(text).not.toContain('peer');
    expect(text).toMatch(/^[\x20-\x7e]+$/); // Python's ensure_ascii: pure printable ASCII
    expect(decoded(text)).toEqual(node);
  });

  it('defaults host to the ip instead of crashing (1.0 bug B7), and never invents a peer (B22)', () => {
    const node = decoded('{"ip": "10.1.2.3", "port": 80}');
    expect(node.host).toBe('10.1.2.3');
    expect(node.peer).toBeUndefined();
    expect(node.metadata).toEqual({});
  });

  it('coerces digit-string ports written by old writers (1.0 bug B23)', () => {
    expect(decoded('{"ip": "10.1.2.3", "port": "8888"}').port).toBe(8888);
  });

  it.each([
    ['not JSON', 'server evil', /not JSON/],
    ['an array', '[1, 2]', /JSON object/],
    ['empty', '   ', /empty/],
    ['no ip', '{"port": 80}', /no "ip"/],
    ['no port', '{"ip": "10.0.0.1"}', /no "port"/],
    ['a port out of range', '{"ip": "10.0.0.1", "port": 70000}', /not a port/],
    ['a fractional port', '{"ip": "10.0.0.1", "port": 80.5}', /not a port/],
    ['a port with shell text', '{"ip": "10.0.0.1", "port": "80; rm -rf /"}', /not a port/],
    ['a host name', '{"ip": "example.com", "port": 80}', /not an IPv4 or IPv6/],
    [
      'an ip with a newline',
      '{"ip": "10.0.0.1\\n\\tserver x 6.6.6.6:80", "port": 80}',
      /not an IPv4/,
    ],
    [
      'a host with a newline',
      '{"host": "a\\nlisten evil", "ip": "10.0.0.1", "port": 80}',
      /not a valid host/,
    ],
    ['a host with a space', '{"host": "a b", "ip": "10.0.0.1", "port": 80}', /not a valid host/],
    [
      'a host label starting with a dash',
      '{"host": "-a.example", "ip": "10.0.0.1", "port": 80}',
      /not a valid host/,
    ],
    ['metadata that is an array', '{"ip": "10.0.0.1", "port": 80, "metadata": [1]}', /metadata/],
    [
      'metadata that is a broken JSON string',
      '{"ip": "10.0.0.1", "port": 80, "metadata": "{oops"}',
      /metadata.*not valid JSON/,
    ],
    [
      'a peer with a bad name',
      '{"ip": "10.0.0.1", "port": 80, "peer": {"name": "a\\nb", "ip": "10.0.0.1", "port": 1024}}',
      /peer:/,
    ],
    [
      'a peer without a port',
      '{"ip": "10.0.0.1", "port": 80, "peer": "{\\"name\\": \\"a\\", \\"ip\\": \\"10.0.0.1\\"}"}',
      /peer: .*not a port/,
    ],
  ])('rejects a payload with %s', (_what, payload, reason) => {
    expect(rejection(payload)).toMatch(reason);
  });

  it('rejects oversized payloads before parsing them', () => {
    const huge = JSON.stringify({
      ip: '10.0.0.1',
      port: 80,
      metadata: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) },
    });
    expect(rejection(huge)).toMatch(/bytes, more than/);
  });

  it('quotes hostile text in reasons without its control characters', () => {
    const reason = rejection('{"ip": "1.2.3.4\\r\\nx", "port": 80}');
    expect(reason).not.toMatch(/[\r\n]/);
    expect(reason).toContain('\\u000d');
  });
});
