import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDir, createTempProject } from '@lighthouse/testing';
import { describe, expect, it, onTestFinished } from 'vitest';

/**
 * The plugin guide's example, built as the guide says, in a fresh directory outside the
 * monorepo: its package.json, its tsconfig.json and its check, with `@lighthouse/core` from a
 * packed tarball (the registry has no 0.1.0 yet) and everything else from the registry. Then
 * the CLI must list the built plugin as a working check.
 */

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const guide = join(root, 'docs', 'writing-plugins.md');
const cli = join(root, 'packages', 'cli', 'bin', 'lighthouse.js');

/** The `index`-th fenced block of `language` after `heading` in the guide. */
function block(text: string, heading: string, language: string, index = 0): string {
  const section = text.slice(text.indexOf(heading));
  const blocks = [...section.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))];
  const found = blocks[index]?.[1];
  if (found === undefined) throw new Error(`no ${language} block #${index} after "${heading}"`);
  return found;
}

describe('the plugin guide', () => {
  it('builds as written in a fresh directory, and the CLI lists the check it defines', async () => {
    const text = await readFile(guide, 'utf8');
    const manifest = JSON.parse(block(text, '## 1. The package', 'json', 0)) as {
      name: string;
      devDependencies: Record<string, string>;
    };
    const tsconfig = block(text, '## 1. The package', 'json', 1);
    const source = block(text, '## 3. A check', 'ts');

    const dir = await createTempDir({}, 'lh-guide-');
    onTestFinished(() => dir.cleanup());
    const { stdout: packed } = await run('npm', [
      'pack',
      join(root, 'packages', 'core'),
      '--pack-destination',
      dir.dir,
      '--silent',
    ]);
    const plugin = join(dir.dir, manifest.name);
    await mkdir(join(plugin, 'src'), { recursive: true });
    // What the guide cannot know: where @lighthouse/core comes from before it is published.
    // @lighthouse/testing is only for the plugin's own tests, which this build does not run.
    const devDependencies = { ...manifest.devDependencies };
    devDependencies['@lighthouse/core'] = `file:${join(dir.dir, packed.trim())}`;
    delete devDependencies['@lighthouse/testing'];
    await writeFile(
      join(plugin, 'package.json'),
      JSON.stringify({ ...manifest, devDependencies }, null, 2),
    );
    await writeFile(join(plugin, 'tsconfig.json'), tsconfig);
    await writeFile(join(plugin, 'src', 'index.ts'), source);

    const npm = (args: string[]) =>
      run('npm', args, { cwd: plugin, env: { ...process.env, npm_config_fund: 'false' } });
    await npm(['install', '--prefer-offline', '--no-audit', '--loglevel=error']);
    await npm(['run', 'build', '--silent']);

    const project = await createTempProject({ [manifest.name]: plugin });
    onTestFinished(() => project.cleanup());
    const listed = await run(process.execPath, [cli, 'plugins', '--root', project.dir], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(listed.stdout).toMatch(
      /^checks\s+memcached\s+lighthouse-check-memcached\s+1\.0\.0\s+ok$/m,
    );
  }, 180_000);
});
