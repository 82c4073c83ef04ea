import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../src/plugins/manifest.js';

const dir = '/srv/lh/node_modules/lighthouse-check-x';

describe('readManifest', () => {
  it('reads the plain and the { target, export } forms', () => {
    expect(
      readManifest(
        {
          apiVersion: 2,
          checks: { http: './dist/http.js' },
          discovery: { consul: { target: 'dist/index.js', export: 'consul' } },
          balancers: { nginx: { target: './dist/nginx.js' } },
        },
        dir,
      ),
    ).toEqual({
      status: 'valid',
      targets: [
        { kind: 'checks', name: 'http', file: join(dir, 'dist/http.js'), exportName: 'default' },
        {
          kind: 'discovery',
          name: 'consul',
          file: join(dir, 'dist/index.js'),
          exportName: 'consul',
        },
        {
          kind: 'balancers',
          name: 'nginx',
          file: join(dir, 'dist/nginx.js'),
          exportName: 'default',
        },
      ],
    });
  });

  it('tells a package without the key from one whose key belongs to another tool', () => {
    expect(readManifest(undefined, dir)).toEqual({ status: 'absent' });
    for (const key of ['^11.0.0', null, [], { ci: { collect: {} } }]) {
      expect(readManifest(key, dir)).toEqual({ status: 'foreign' });
    }
  });

  it('rejects another apiVersion before looking at anything else, keeping the claimed names', () => {
    expect(readManifest({ apiVersion: 3, checks: { a: 1 }, future: true }, dir)).toEqual({
      status: 'invalid',
      reasons: [
        '/apiVersion: 3 is not supported (this lighthouse implements plugin API version 2)',
      ],
      suggestion:
        'Install a version of the package built for plugin API version 2, or a lighthouse that implements version 3',
      claims: [{ kind: 'checks', name: 'a' }],
    });
  });

  it.each([
    [{ apiVersion: '1' }, '/apiVersion: must be integer'],
    [{ apiVersion: 2, checks: [] }, '/checks: must be object'],
    [
      { apiVersion: 2, checks: { a: '' } },
      '/checks/a: must be a file path or { "target": file, "export": name }',
    ],
    [
      { apiVersion: 2, checks: { a: { target: './a.js', exprt: 'a' } } },
      '/checks/a: must be a file path',
    ],
    [
      { apiVersion: 2, check: {} },
      '/check: is not a known key (expected apiVersion, checks, discovery, balancers or agents)',
    ],
    [
      { apiVersion: 2, checks: { 'has space': './a.js' } },
      '/checks: "has space" is not a valid name',
    ],
    [
      { apiVersion: 2, checks: { a: '../a.js' } },
      '/checks/a: target "../a.js" points outside the package',
    ],
    [{ apiVersion: 2, checks: { a: './dist/../../a.js' } }, 'points outside the package'],
    [{ apiVersion: 2, checks: { a: '.' } }, '/checks/a: target "." points outside the package'],
    [
      { apiVersion: 2, checks: { a: '/etc/a.js' } },
      '/checks/a: target "/etc/a.js" must be relative to the package',
    ],
  ])('rejects %j: %s', (key, reason) => {
    const reading = readManifest(key, dir);
    expect(reading.status).toBe('invalid');
    expect(reading.status === 'invalid' && reading.reasons.join('\n')).toContain(reason);
  });

  it('accepts a manifest that declares no plugin yet', () => {
    expect(readManifest({ apiVersion: 2 }, dir)).toEqual({ status: 'valid', targets: [] });
  });
});
