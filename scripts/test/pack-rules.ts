// Rules for what a publishable package puts on the registry, used by pack.test.ts (which runs
// `npm pack --dry-run --json` after the build and gives `checkPack` the files it lists):
// - pack-build-info: no `*.tsbuildinfo` (tsc's incremental state, useless to an installer);
// - pack-test-file: nothing under a test/, tests/ or __tests__/ directory, no `*.test.*`/`*.spec.*`;
// - pack-source-map: each `sources` entry of a packed .map is packed too (or embedded in its
//   `sourcesContent`), and each packed .js/.d.ts's `sourceMappingURL` names a packed file;
// - pack-missing-doc: a README and a LICENSE at the package root;
// - pack-missing-entry: main, types, bin, every exports target and every "lighthouse" manifest
//   target is packed.
// `checkManifest` checks the registry metadata (package-metadata): a description, a license,
// the root's engines.node, a repository whose directory is the package's, and for a plugin the
// keywords lighthouse-plugin and lighthouse-<kind> for each kind it provides.
import { posix } from 'node:path';

export type PackRule =
  | 'pack-build-info'
  | 'pack-test-file'
  | 'pack-source-map'
  | 'pack-missing-doc'
  | 'pack-missing-entry'
  | 'package-metadata';

export interface PackProblem {
  rule: PackRule;
  /** Relative to the workspace root, '/'-separated. */
  file: string;
  message: string;
}

/** The package.json fields these rules read. */
export interface Manifest {
  name?: string;
  description?: string;
  license?: string;
  keywords?: string[];
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string } | string;
  main?: string;
  types?: string;
  typings?: string;
  bin?: string | Record<string, string>;
  exports?: unknown;
  lighthouse?: Record<string, unknown>;
}

/** The keyword a plugin package lists for each kind it provides (core's naming convention). */
export const PLUGIN_KEYWORDS: Record<string, string> = {
  checks: 'lighthouse-check',
  discovery: 'lighthouse-discovery',
  balancers: 'lighthouse-balancer',
  agents: 'lighthouse-agent',
};
const TEST_FILE = /(?:^|\/)(?:tests?|__tests__)\/|\.(?:test|spec)\.[^/]+$/;
const MAPPED_FILE = /\.(?:[cm]?js|d\.[cm]?ts)$/;
const SOURCE_MAPPING_URL = /^\/\/# sourceMappingURL=(\S+)$/;

/**
 * Every file a package.json points at, as { field, target } with target relative to the package
 * ('./dist/x.js' → 'dist/x.js'): main, types, bin, exports (every condition) and the
 * "lighthouse" manifest.
 */
export function entryPoints(pkg: Manifest): { field: string; target: string }[] {
  const entries: { field: string; target: string }[] = [];
  const add = (field: string, target: unknown) => {
    if (typeof target === 'string') entries.push({ field, target: posix.normalize(target) });
  };
  add('main', pkg.main);
  add('types', pkg.types ?? pkg.typings);
  if (typeof pkg.bin === 'string') add('bin', pkg.bin);
  else for (const [name, target] of Object.entries(pkg.bin ?? {})) add(`bin.${name}`, target);
  const walk = (value: unknown, field: string): void => {
    if (typeof value === 'string') add(field, value);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${field}[${i}]`));
    else if (value !== null && typeof value === 'object')
      for (const [key, item] of Object.entries(value))
        walk(item, `${field}[${JSON.stringify(key)}]`);
  };
  walk(pkg.exports, 'exports');
  for (const kind of Object.keys(PLUGIN_KEYWORDS)) {
    const plugins = (pkg.lighthouse?.[kind] ?? {}) as Record<string, unknown>;
    for (const [name, target] of Object.entries(plugins))
      add(
        `lighthouse.${kind}.${name}`,
        typeof target === 'string' ? target : (target as { target?: unknown } | null)?.target,
      );
  }
  return entries;
}

/** The path `ref` (relative to the packed `file`) names, relative to the package, or undefined for a URL. */
function resolveRelative(file: string, ref: string): string | undefined {
  if (/^[a-z][a-z\d+.-]*:/i.test(ref) || ref.startsWith('/')) return undefined;
  return posix.normalize(posix.join(posix.dirname(file), ref));
}

/** A pattern target of "exports" ('./dist/*.js') as a regular expression over packed paths. */
const patternOf = (target: string) =>
  new RegExp(`^${target.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.+')}$`);

/**
 * Checks one package's pack. `files` are the paths `npm pack --dry-run --json` lists
 * ('/'-separated, relative to the package); `readFile(path)` reads one of them; `where` is the
 * package's directory relative to the workspace root. Returns the problems, sorted.
 */
export function checkPack(options: {
  where: string;
  pkg: Manifest;
  files: string[];
  readFile: (path: string) => string;
  /** Whether a path relative to the package exists on disk (to tell stale build output). */
  exists?: (path: string) => boolean;
}): PackProblem[] {
  const { where, pkg, readFile, exists } = options;
  const packed = new Set(options.files);
  const problems: PackProblem[] = [];
  const report = (rule: PackRule, file: string, message: string) =>
    problems.push({ rule, file: `${where}/${file}`, message: `${pkg.name}: ${message}` });
  /** Why `ref`, named by the packed `file`, is not packed, or undefined when it is. */
  const unpacked = (file: string, ref: string) => {
    const target = resolveRelative(file, ref);
    if (target !== undefined && packed.has(target)) return undefined;
    if (target !== undefined && exists?.(target) === false)
      return `, which does not exist: ${file} is stale output of a deleted source (delete dist/ and build again)`;
    return ', which is not packed';
  };

  for (const file of [...packed].sort()) {
    if (file.endsWith('.tsbuildinfo'))
      report(
        'pack-build-info',
        file,
        `packs TypeScript build info ${file} (exclude it in "files")`,
      );
    if (TEST_FILE.test(file)) report('pack-test-file', file, `packs the test file ${file}`);
    if (file.endsWith('.map')) {
      let map: { sources?: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
      try {
        map = JSON.parse(readFile(file)) as typeof map;
      } catch (error) {
        report('pack-source-map', file, `cannot read the source map ${file}: ${String(error)}`);
        continue;
      }
      const root = map.sourceRoot ? map.sourceRoot.replace(/\/?$/, '/') : '';
      (map.sources ?? []).forEach((source, i) => {
        if (typeof map.sourcesContent?.[i] === 'string') return;
        const why = unpacked(file, `${root}${source}`);
        if (why !== undefined) report('pack-source-map', file, `${file} maps to ${source}${why}`);
      });
    } else if (MAPPED_FILE.test(file)) {
      const lastLine = readFile(file).trimEnd().split('\n').at(-1) ?? '';
      const url = SOURCE_MAPPING_URL.exec(lastLine)?.[1];
      if (url === undefined || url.startsWith('data:')) continue;
      const why = unpacked(file, url);
      if (why !== undefined)
        report('pack-source-map', file, `${file} names the source map ${url}${why}`);
    }
  }

  const top = [...packed].filter((file) => !file.includes('/'));
  if (!top.some((file) => /^readme(?:\.|$)/i.test(file)))
    report('pack-missing-doc', 'README.md', 'packs no README');
  if (!top.some((file) => /^(?:licen[cs]e|copying)(?:\.|$)/i.test(file)))
    report('pack-missing-doc', 'LICENSE', 'packs no LICENSE');

  for (const { field, target } of entryPoints(pkg)) {
    const found = target.includes('*')
      ? [...packed].some((file) => patternOf(target).test(file))
      : packed.has(target);
    if (!found)
      report(
        'pack-missing-entry',
        'package.json',
        `"${field}" points at ${target}, which is not packed`,
      );
  }
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.rule.localeCompare(b.rule));
}

/**
 * Checks the registry metadata of one publishable package.json (rule package-metadata); `where`
 * is its directory relative to the workspace root.
 */
export function checkManifest(options: {
  where: string;
  pkg: Manifest;
  rootPkg: Manifest;
}): PackProblem[] {
  const { where, pkg, rootPkg } = options;
  const problems: PackProblem[] = [];
  const report = (message: string) =>
    problems.push({
      rule: 'package-metadata',
      file: `${where}/package.json`,
      message: `${pkg.name}: ${message}`,
    });
  if (typeof pkg.description !== 'string' || pkg.description.trim() === '')
    report('no "description"');
  if (typeof pkg.license !== 'string' || pkg.license === '') report('no "license"');
  if (pkg.engines?.node !== rootPkg.engines?.node)
    report(`"engines.node" must be the root's ${JSON.stringify(rootPkg.engines?.node)}`);
  const repository = typeof pkg.repository === 'object' ? pkg.repository : undefined;
  if (typeof repository?.url !== 'string') report('no "repository" { type, url, directory }');
  else if (repository.directory !== where) report(`"repository.directory" must be "${where}"`);
  if (pkg.lighthouse !== undefined) {
    const kinds = Object.keys(PLUGIN_KEYWORDS).filter(
      (kind) => Object.keys(pkg.lighthouse?.[kind] ?? {}).length > 0,
    );
    for (const keyword of [
      'lighthouse-plugin',
      ...kinds.map((kind) => PLUGIN_KEYWORDS[kind] ?? kind),
    ])
      if (!(pkg.keywords ?? []).includes(keyword))
        report(`a plugin's "keywords" must include "${keyword}"`);
  }
  return problems;
}

/** One problem as a line: `file: rule: message`. */
export const formatPackProblem = (problem: PackProblem) =>
  `${problem.file}: ${problem.rule}: ${problem.message}`;
