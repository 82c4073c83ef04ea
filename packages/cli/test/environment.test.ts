import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTempDir } from '@lighthouse/testing';
import { installingProject } from '../src/environment.js';

describe('installingProject: the deployment a CLI is installed in', () => {
  it('is the directory holding the node_modules the CLI lives in, when it has a package.json', async () => {
    const deployment = await createTempDir({ 'package.json': '{}' });
    onTestFinished(() => deployment.cleanup());
    const cli = join(deployment.dir, 'node_modules', '@lighthouse', 'cli');
    await mkdir(cli, { recursive: true });
    expect(installingProject(cli)).toBe(deployment.dir);
  });

  it('is the distribution that nests it, for a global install of @lighthouse/all', async () => {
    const global = await createTempDir({
      'lib/node_modules/@lighthouse/all/package.json': '{}',
    });
    onTestFinished(() => global.cleanup());
    const all = join(global.dir, 'lib', 'node_modules', '@lighthouse', 'all');
    const cli = join(all, 'node_modules', '@lighthouse', 'cli');
    await mkdir(cli, { recursive: true });
    expect(installingProject(cli)).toBe(all);
  });

  it('is undefined without a package.json there, or outside any node_modules', async () => {
    const bare = await createTempDir();
    onTestFinished(() => bare.cleanup());
    const cli = join(bare.dir, 'lib', 'node_modules', '@lighthouse', 'cli');
    await mkdir(cli, { recursive: true });
    expect(installingProject(cli)).toBeUndefined();
    expect(installingProject(join(bare.dir, 'packages', 'cli'))).toBeUndefined();
  });
});
