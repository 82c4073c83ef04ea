import { describe, expect, it } from 'vitest';
import {
  hasControlCharacter,
  hostProblem,
  ipProblem,
  nameProblem,
  portProblem,
  printable,
} from '../../src/model/names.js';

describe('name and address validation', () => {
  it.each(['web', 'api_widgets', 'pg-db', 'svc.v2', 'a:1', '0day'])(
    'accepts the name %s',
    (name) => {
      expect(nameProblem(name)).toBeUndefined();
    },
  );
  it.each(['', 'a b', 'a\nb', '-web', '_web', 'web#1', 'x'.repeat(129), 'wéb'])(
    'rejects the name %j',
    (name) => {
      expect(nameProblem(name)).toMatch(/not a valid name/);
    },
  );
  it.each(['localhost', 'app01.example.com', 'app01.example.com.', '10.0.0.1', '::1', 'fe80::1'])(
    'accepts the host %s',
    (host) => {
      expect(hostProblem(host)).toBeUndefined();
    },
  );
  it.each(['', 'a..b', 'a_b.example', '-a', 'a-', 'a b', `${'a'.repeat(64)}.com`])(
    'rejects the host %j',
    (host) => {
      expect(hostProblem(host)).toBeDefined();
    },
  );
  it('validates ips and ports', () => {
    expect(ipProblem('127.0.0.1')).toBeUndefined();
    expect(ipProblem('localhost')).toMatch(/not an IPv4/);
    expect(portProblem(1)).toBeUndefined();
    expect(portProblem(65535)).toBeUndefined();
    for (const bad of [0, 65536, 1.5, '80', null]) expect(portProblem(bad)).toMatch(/not a port/);
  });
  it('finds control characters, including unicode line separators', () => {
    for (const text of ['a\nb', 'a\rb', 'a\tb', 'a\u0000', 'a\u2028b', 'a\u0085b'])
      expect(hasControlCharacter(text)).toBe(true);
    expect(hasControlCharacter('plain text: ok')).toBe(false);
    expect(printable('a\nb')).toBe('a\\u000ab');
  });
});
