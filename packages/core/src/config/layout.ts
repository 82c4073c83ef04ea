import { readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { ConfigIssue } from '../errors.js';
import { describeError } from '../errors.js';
import { compareText } from '../model/node.js';
import type { ConfigKind, RootConfigKind } from './types.js';
import { ConfigKinds, RootConfigKinds } from './types.js';

/**
 * Which files of a config directory are config files, and the name each file gives. Only
 * `*.yaml`/`*.yml` count (any case), never dotfiles, so editor swap files, `~` backups and
 * `.bak` copies are not loaded (lighthouse 1.0 loaded them at start-up as extra clusters). The
 * name is the file name minus that one extension (1.0 removed ".yaml" anywhere in the name).
 */

/** A config file: its kind, its path relative to the config directory, and its file-given name. */
export interface ConfigFileRef {
  kind: ConfigKind;
  /** Relative to the config directory, with `/` separators: `clusters/web.yaml`. */
  file: string;
  /** The file name without its extension (`web`); clusters and services may override it. */
  fileName: string;
}

const EXTENSION = /\.ya?ml$/i;

/** The name a file gives, or undefined when it is not a config file name. */
function nameOfFile(base: string): string | undefined {
  if (base.startsWith('.') || !EXTENSION.test(base)) return undefined;
  const name = base.replace(EXTENSION, '');
  return name === '' ? undefined : name;
}

function isRootKind(kind: string): kind is RootConfigKind {
  return (RootConfigKinds as readonly string[]).includes(kind);
}

/** Whether files of `kind` live in a subdirectory named after it (all but the root files). */
export function isSubdirectoryKind(kind: string): kind is Exclude<ConfigKind, RootConfigKind> {
  return !isRootKind(kind) && (ConfigKinds as readonly string[]).includes(kind);
}

/** Classifies a path relative to the config directory; undefined when it is not a config file. */
export function configFileRef(relative: string): ConfigFileRef | undefined {
  const parts = relative.split(sep).join('/').split('/');
  const [first, second] = parts;
  if (parts.length === 1 && first !== undefined) {
    const name = nameOfFile(first);
    return name !== undefined && isRootKind(name)
      ? { kind: name, file: first, fileName: name }
      : undefined;
  }
  if (
    parts.length !== 2 ||
    first === undefined ||
    second === undefined ||
    !isSubdirectoryKind(first)
  ) {
    return undefined;
  }
  const fileName = nameOfFile(second);
  return fileName === undefined ? undefined : { kind: first, file: `${first}/${second}`, fileName };
}

/** The directory (relative to the config directory) that holds files of `kind`. */
export function kindDirectory(kind: ConfigKind): string {
  return isRootKind(kind) ? '' : kind;
}

/** Every config file of the given kinds: kind order, then byte order of the path. */
export async function listConfigFiles(
  dir: string,
  kinds: readonly ConfigKind[],
): Promise<{ refs: ConfigFileRef[]; issues: ConfigIssue[] }> {
  const refs: ConfigFileRef[] = [];
  const issues: ConfigIssue[] = [];
  for (const kind of ConfigKinds.filter((one) => kinds.includes(one))) {
    const relative = kindDirectory(kind);
    let names: string[];
    try {
      names = await readdir(join(dir, relative));
    } catch (error) {
      // A missing directory is an empty one (lighthouse 1.0 crashed at start-up, B30).
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        issues.push({
          file: relative === '' ? '.' : `${relative}/`,
          pointer: '',
          message: `cannot list the directory: ${describeError(error)}`,
        });
      }
      continue;
    }
    const found = names
      .map((name) => configFileRef(relative === '' ? name : `${relative}/${name}`))
      .filter((ref): ref is ConfigFileRef => ref?.kind === kind)
      .sort((a, b) => compareText(a.file, b.file));
    refs.push(...found);
  }
  return { refs, issues };
}

/**
 * Whether `dir` has anything of a config directory in it: a root file (`reporter.yaml`,
 * `writer.yaml`, `logging.yaml`) or a kind's subdirectory (`services/`, `clusters/`,
 * `discovery/`, `balancers/`), even an empty one. `lighthouse validate` refuses a directory
 * without any, rather than call it valid: it is most likely not the config directory meant.
 */
export async function hasConfigLayout(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch((): string[] => []);
  const found = await Promise.all(
    names.map(async (name) => {
      if (!isSubdirectoryKind(name)) return configFileRef(name) !== undefined;
      return (await stat(join(dir, name)).catch(() => undefined))?.isDirectory() === true;
    }),
  );
  return found.includes(true);
}
