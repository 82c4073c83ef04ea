#!/usr/bin/env node
// Workspace invariants that neither npm nor tsc enforce (the idea of jest's scripts/buildTs.mjs):
// - each package's tsconfig references are exactly its workspace dependencies and peers;
// - the root solution tsconfig references every workspace package;
// - every package exports ./package.json (plugin discovery resolves it) and points types into dist;
// - @lighthouse/testing is only ever a devDependency;
// - every file named by a "lighthouse" manifest exists after the build;
// - every package declares the same engines.node as the root;
// - no src/index.ts re-exports with `export * from` (type-only `export type *` is deliberate);
// and the import rules of scripts/workspace-rules.mjs, read from the sources:
// - undeclared-dependency: src/ imports only declared dependencies, peers and optional
//   dependencies (test/ also devDependencies and the root's devDependencies);
// - core-imports-lighthouse: @lighthouse/core's src/ imports no other @lighthouse/* package;
// - plugin-imports-plugin: a plugin package's src/ imports no other plugin and not @lighthouse/cli;
// - package-cycle: no cycle among workspace packages (declared dependencies and src/ imports);
// - file-cycle: no cycle among the files of one package's src/ (relative imports).
// Run after `tsc -b`: `node scripts/check-workspace.mjs`. Exits 1 listing every problem, one a line.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { checkImports, formatProblem, listWorkspacePackages } from './workspace-rules.mjs';

const root = resolve(import.meta.dirname, '..');
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const rootPkg = readJson(join(root, 'package.json'));
const problems = [];

const packageDirs = listWorkspacePackages(root).map((entry) => entry.dir);
const byName = new Map(packageDirs.map((dir) => [readJson(join(dir, 'package.json')).name, dir]));

const solution = readJson(join(root, 'tsconfig.json'));
const solutionRefs = new Set(solution.references.map((ref) => resolve(root, ref.path)));

for (const dir of packageDirs) {
  const where = relative(root, dir);
  const pkg = readJson(join(dir, 'package.json'));
  const tsconfig = readJson(join(dir, 'tsconfig.json'));

  const needed = new Set(
    Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })
      .filter((name) => byName.has(name))
      .map((name) => byName.get(name)),
  );
  const refs = new Set((tsconfig.references ?? []).map((ref) => resolve(dir, ref.path)));
  for (const dep of needed)
    if (!refs.has(dep))
      problems.push(`${where}/tsconfig.json: missing reference to ${relative(dir, dep)}`);
  for (const ref of refs)
    if (!needed.has(ref))
      problems.push(
        `${where}/tsconfig.json: references ${relative(dir, ref)}, which is not a dependency`,
      );
  if (!solutionRefs.has(dir))
    problems.push(`tsconfig.json: the solution does not reference ${where}`);

  if (pkg.exports?.['./package.json'] !== './package.json')
    problems.push(`${where}/package.json: must export "./package.json"`);
  if (pkg.types !== undefined && !pkg.types.startsWith('./dist/'))
    problems.push(`${where}/package.json: "types" must point into ./dist`);
  if (pkg.type !== 'module') problems.push(`${where}/package.json: must be "type": "module"`);
  if (pkg.engines?.node !== rootPkg.engines.node)
    problems.push(`${where}/package.json: engines.node must be "${rootPkg.engines.node}"`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    if (pkg[field]?.['@lighthouse/testing'] !== undefined && pkg.name !== '@lighthouse/testing') {
      problems.push(
        `${where}/package.json: @lighthouse/testing may only be a devDependency (found in ${field})`,
      );
    }
  }

  const manifest = pkg.lighthouse;
  if (manifest !== undefined) {
    for (const kind of ['checks', 'discovery', 'balancers', 'agents']) {
      for (const [name, target] of Object.entries(manifest[kind] ?? {})) {
        const file = typeof target === 'string' ? target : target.target;
        if (!existsSync(join(dir, file)))
          problems.push(
            `${where}/package.json: lighthouse.${kind}.${name} points at ${file}, which does not exist after the build`,
          );
      }
    }
  }

  // A public surface is chosen, not inherited: an index lists its exports by name.
  const index = join(dir, 'src', 'index.ts');
  if (existsSync(index)) {
    readFileSync(index, 'utf8')
      .split('\n')
      .forEach((line, at) => {
        if (/^\s*export\s+\*\s+from\b/.test(line))
          problems.push(
            `${where}/src/index.ts:${at + 1}: "export *" re-exports a module's internals; list the exports by name`,
          );
      });
  }
}

problems.push(...checkImports(root).map(formatProblem));

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`check-workspace: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-workspace: ${packageDirs.length} packages consistent`);
