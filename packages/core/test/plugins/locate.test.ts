import { describe, expect, it } from 'vitest';
import { findProjectRoot, isPackageName, locatePackage } from '../../src/plugins/locate.js';
import { project } from './helpers.js';

describe('locating packages', () => {
  it.each(['lighthouse-check-http', '@acme/lighthouse-check-x', 'JSONStream', 'a.b_c~d'])(
    'accepts the package name %s',
    (name) => expect(isPackageName(name)).toBe(true),
  );

  it.each(['', '../evil', '/abs', '.hidden', '@scope', '@scope/', 'a/b', '@a/b/c'])(
    'refuses to resolve %j as a package name',
    (name) => expect(isPackageName(name)).toBe(false),
  );

  it('finds the nearest package.json at or above a directory', () => {
    expect(findProjectRoot(project('valid-esm', 'etc', 'lighthouse', 'services'))).toBe(
      project('valid-esm'),
    );
    expect(findProjectRoot(project('valid-esm'))).toBe(project('valid-esm'));
    expect(findProjectRoot('/')).toBeUndefined();
  });

  it('asks Node first', async () => {
    await expect(
      locatePackage('@acme/lighthouse-check-x', project('scoped-package')),
    ).resolves.toBe(project('scoped-package', 'node_modules', '@acme', 'lighthouse-check-x'));
  });

  it('walks up node_modules when exports hide package.json', async () => {
    await expect(
      locatePackage('lighthouse-check-hidden', project('not-exported-package-json', 'etc')),
    ).resolves.toBe(
      project('not-exported-package-json', 'node_modules', 'lighthouse-check-hidden'),
    );
  });

  it('finds nothing that is not installed', async () => {
    await expect(
      locatePackage('lighthouse-check-ghost', project('no-lighthouse-key')),
    ).resolves.toBeUndefined();
  });
});
