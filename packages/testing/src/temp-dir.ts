import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** File contents: text as is, anything else written as JSON (which YAML reads too). */
export type FileContent = string | Record<string, unknown> | unknown[];

/** A temporary directory with helpers to change files the way editors and tools do. */
export interface TempDir {
  dir: string;
  /** Writes `relative` in place (creating parent directories). */
  write(relative: string, content: FileContent): Promise<void>;
  /** Writes a sibling temp file and renames it over `relative`, like editors and `sed -i`. */
  writeAtomic(relative: string, content: FileContent): Promise<void>;
  remove(relative: string): Promise<void>;
  cleanup(): Promise<void>;
}

function text(content: FileContent): string {
  return typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
}

/** Creates a temporary directory holding `files` (paths relative to it). */
export async function createTempDir(
  files: Record<string, FileContent> = {},
  prefix = 'lighthouse-',
): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const write = async (relative: string, content: FileContent): Promise<void> => {
    await mkdir(dirname(join(dir, relative)), { recursive: true });
    await writeFile(join(dir, relative), text(content));
  };
  let counter = 0;
  const handle: TempDir = {
    dir,
    write,
    async writeAtomic(relative, content) {
      const target = join(dir, relative);
      const temporary = join(dirname(target), `.${counter++}.tmp`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(temporary, text(content));
      await rename(temporary, target);
    },
    async remove(relative) {
      await rm(join(dir, relative), { force: true });
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
  for (const [relative, content] of Object.entries(files)) await write(relative, content);
  return handle;
}

/** A config directory laid out like lighthouse's (`clusters/web.yaml`…). Same as createTempDir. */
export const createTempConfigDir = (files: Record<string, FileContent> = {}): Promise<TempDir> =>
  createTempDir(files, 'lighthouse-config-');

/**
 * A temporary npm project whose package.json depends on `packages` (name → directory), each
 * linked into node_modules the way `npm install <dir>` links local packages. This is how tests
 * (and plugin authors) check that a plugin package is found through its `"lighthouse"` key.
 */
export async function createTempProject(
  packages: Record<string, string>,
  files: Record<string, FileContent> = {},
): Promise<TempDir> {
  const project = await createTempDir(
    {
      'package.json': {
        name: 'lighthouse-temp-project',
        private: true,
        dependencies: Object.fromEntries(Object.keys(packages).map((name) => [name, '*'])),
      },
      ...files,
    },
    'lighthouse-project-',
  );
  for (const [name, directory] of Object.entries(packages)) {
    const link = join(project.dir, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(directory, link, 'dir');
  }
  return project;
}
