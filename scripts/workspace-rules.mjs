// Import rules for the workspace, checked from the TypeScript sources (no build needed).
// `checkImports(root)` returns one problem per broken rule; scripts/check-workspace.mjs prints
// them. The rules:
// - undeclared-dependency: a package's src/ imports only packages its package.json declares in
//   dependencies, peerDependencies or optionalDependencies (type-only imports count; Node
//   built-ins and the package's own name are fine). Its test/ may also import its
//   devDependencies and the root package.json's devDependencies.
// - core-imports-lighthouse: @lighthouse/core's src/ imports no other @lighthouse/* package.
// - plugin-imports-plugin: a plugin package (one whose package.json has a "lighthouse" key)
//   imports, from src/, neither another plugin package nor @lighthouse/cli.
// - package-cycle: no cycle among workspace packages. An edge is a declared dependency,
//   peerDependency or optionalDependency on a workspace package, or a src/ import of one
//   (devDependencies and test imports are not part of the graph: they do not shape the build).
// - file-cycle: no cycle among the files of one package's src/, following relative imports
//   ('./x.js' is src/x.ts; type-only imports count). One problem per elementary cycle.
// Imports are read from the syntax tree (typescript's parser, so comments and strings never
// count): import and import type, export … from, side-effect import, import('literal') and
// import('literal') types, import x = require('literal').
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const DECLARED = ['dependencies', 'peerDependencies', 'optionalDependencies'];
const SOURCE_FILE = /\.(?:[cm]?ts|tsx)$/;
/** Directories never scanned; test fixtures are data (fake plugin projects), not tests. */
const SKIP_DIRS = {
  src: new Set(['node_modules', 'dist']),
  test: new Set(['node_modules', 'dist', 'fixtures']),
};
/** Cycles listed per strongly connected component before the rest are summarised. */
const MAX_CYCLES_PER_COMPONENT = 25;
/** Search steps per strongly connected component before the rest are summarised. */
const MAX_STEPS_PER_COMPONENT = 200_000;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const toPosix = (path) => path.split(sep).join('/');

/**
 * The workspace packages named by the root package.json's "workspaces" (`dir/*` or `dir`
 * patterns), each as { name, dir, pkg }, in a stable order.
 */
export function listWorkspacePackages(root) {
  const rootPkg = readJson(join(root, 'package.json'));
  const dirs = (rootPkg.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const base = join(root, pattern.slice(0, -2));
    if (!existsSync(base)) return [];
    return readdirSync(base, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(base, entry.name))
      .sort();
  });
  return dirs
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => {
      const pkg = readJson(join(dir, 'package.json'));
      return { name: pkg.name, dir, pkg };
    });
}

/** One problem as a line: `file:line: rule: message`. */
export function formatProblem(problem) {
  return `${problem.file}:${problem.line}: ${problem.rule}: ${problem.message}`;
}

/** Every TypeScript file under dir, outside the `skip` directories, sorted. */
function listSourceFiles(dir, skip) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!skip.has(entry.name)) files.push(...listSourceFiles(path, skip));
    } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) files.push(path);
  }
  return files.sort();
}

/**
 * The module specifiers a TypeScript file imports, each with its 1-based line and whether the
 * import is type-only (erased from the JavaScript).
 */
export function readImports(file, text = readFileSync(file, 'utf8')) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const imports = [];
  const add = (literal, typeOnly) => {
    if (literal === undefined || !ts.isStringLiteralLike(literal)) return;
    const { line } = source.getLineAndCharacterOfPosition(literal.getStart(source));
    imports.push({ specifier: literal.text, line: line + 1, typeOnly });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier, allTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference))
        add(node.moduleReference.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      if (ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return imports;
}

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'), or undefined. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#'))
    return undefined;
  if (specifier.startsWith('node:') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The .ts file a relative import from `file` names, or undefined when there is none. */
function resolveRelative(file, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(file), specifier);
  const candidates = [
    target
      .replace(/\.js$/, '.ts')
      .replace(/\.mjs$/, '.mts')
      .replace(/\.cjs$/, '.cts'),
    target.replace(/\.jsx$/, '.tsx'),
    target,
    `${target}.ts`,
    join(target, 'index.ts'),
  ];
  return candidates.find(
    (candidate) =>
      SOURCE_FILE.test(candidate) && existsSync(candidate) && statSync(candidate).isFile(),
  );
}

/** Tarjan's strongly connected components of a graph given as Map<node, Map<node, edge>>. */
function components(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const result = [];
  const connect = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      result.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return result;
}

/**
 * The elementary cycles of a graph (Map<node, Map<node, edge>>), each as its list of nodes
 * starting from the smallest, at most `limit` per strongly connected component; `truncated`
 * lists the components (their nodes) whose cycles were not all listed.
 */
export function findCycles(graph, limit = MAX_CYCLES_PER_COMPONENT) {
  const cycles = [];
  const truncated = [];
  for (const component of components(graph)) {
    const members = new Set(component);
    const selfLoop = component.length === 1 && graph.get(component[0])?.has(component[0]);
    if (component.length < 2 && !selfLoop) continue;
    const found = [];
    let steps = 0;
    const enough = () => found.length >= limit || steps >= MAX_STEPS_PER_COMPONENT;
    // Cycles through `start` that stay among members after it (each cycle found once, from its
    // smallest node). Exponential in the worst case, hence the limits.
    for (const start of component) {
      const path = [start];
      const onPath = new Set(path);
      const walk = (node) => {
        for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
          if (enough()) return;
          steps += 1;
          if (!members.has(next) || next < start) continue;
          if (next === start) found.push([...path]);
          else if (!onPath.has(next)) {
            path.push(next);
            onPath.add(next);
            walk(next);
            onPath.delete(next);
            path.pop();
          }
        }
      };
      walk(start);
      if (enough()) {
        truncated.push(component);
        break;
      }
    }
    cycles.push(...found);
  }
  return { cycles, truncated };
}

/** Adds from → to; the first import found replaces a package.json declaration as evidence. */
const addEdge = (graph, from, to, evidence) => {
  if (!graph.has(from)) graph.set(from, new Map());
  const edges = graph.get(from);
  const known = edges.get(to);
  if (known === undefined || (known.how === 'declares' && evidence.how === 'imports'))
    edges.set(to, evidence);
};

/** The 1-based line of package.json that lists dep in one of the DECLARED fields, or 1. */
function declarationLine(text, dep) {
  let section;
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    section = /^\s*"([^"]+)":\s*\{/.exec(line)?.[1] ?? section;
    if (DECLARED.includes(section) && line.includes(`"${dep}":`)) return i + 1;
  }
  return 1;
}

/**
 * Checks every workspace package's imports against the rules above. Returns the problems, each
 * { rule, file (relative to root, '/'-separated), line, specifier, message }, sorted.
 */
export function checkImports(root) {
  const rootPkg = readJson(join(root, 'package.json'));
  const packages = listWorkspacePackages(root);
  const byName = new Map(packages.map((entry) => [entry.name, entry]));
  const isPlugin = (name) => byName.get(name)?.pkg.lighthouse !== undefined;
  const rel = (file) => toPosix(relative(root, file));
  const problems = [];
  const packageGraph = new Map();

  for (const { name, dir, pkg } of packages) {
    const declared = new Set(DECLARED.flatMap((field) => Object.keys(pkg[field] ?? {})));
    const forTests = new Set([
      ...declared,
      ...Object.keys(pkg.devDependencies ?? {}),
      ...Object.keys(rootPkg.devDependencies ?? {}),
    ]);
    packageGraph.set(name, new Map());
    const manifestText = readFileSync(join(dir, 'package.json'), 'utf8');
    for (const dep of declared)
      if (byName.has(dep) && dep !== name)
        addEdge(packageGraph, name, dep, {
          file: `${rel(dir)}/package.json`,
          line: declarationLine(manifestText, dep),
          specifier: dep,
          how: 'declares',
        });

    const srcDir = join(dir, 'src');
    const fileGraph = new Map();
    for (const [area, allowed] of [
      ['src', declared],
      ['test', forTests],
    ]) {
      for (const file of listSourceFiles(join(dir, area), SKIP_DIRS[area])) {
        if (area === 'src') fileGraph.set(file, new Map());
        for (const { specifier, line, typeOnly } of readImports(file)) {
          const report = (rule, message) =>
            problems.push({ rule, file: rel(file), line, specifier, message });
          const target = resolveRelative(file, specifier);
          if (area === 'src' && target?.startsWith(srcDir + sep))
            addEdge(fileGraph, file, target, { file: rel(file), line, specifier, typeOnly });
          const dep = packageOf(specifier);
          if (dep === undefined || dep === name) continue;
          if (!allowed.has(dep)) {
            const where =
              area === 'src'
                ? 'dependencies, peerDependencies or optionalDependencies'
                : "its dependencies, devDependencies or the root's devDependencies";
            report(
              'undeclared-dependency',
              `${name} ${area}/ imports '${specifier}' but does not declare ${dep} in ${where}`,
            );
          }
          if (area !== 'src') continue;
          if (byName.has(dep))
            addEdge(packageGraph, name, dep, { file: rel(file), line, specifier, how: 'imports' });
          if (name === '@lighthouse/core' && dep.startsWith('@lighthouse/'))
            report(
              'core-imports-lighthouse',
              `@lighthouse/core imports '${specifier}': core must not depend on any other @lighthouse/* package`,
            );
          if (isPlugin(name) && (isPlugin(dep) || dep === '@lighthouse/cli'))
            report(
              'plugin-imports-plugin',
              `plugin ${name} imports '${specifier}': a plugin must not import ${
                dep === '@lighthouse/cli' ? '@lighthouse/cli' : `another plugin (${dep})`
              }`,
            );
        }
      }
    }

    const srcRel = (file) => toPosix(relative(srcDir, file));
    const { cycles, truncated } = findCycles(fileGraph);
    for (const cycle of cycles) {
      const first = fileGraph.get(cycle[0]).get(cycle[1 % cycle.length]);
      const path = [...cycle, cycle[0]]
        .map((file, i) => {
          const edge =
            i < cycle.length ? fileGraph.get(file).get(cycle[(i + 1) % cycle.length]) : undefined;
          return srcRel(file) + (edge?.typeOnly ? ' (type-only)' : '');
        })
        .join(' -> ');
      problems.push({
        rule: 'file-cycle',
        file: first.file,
        line: first.line,
        specifier: first.specifier,
        message: `import cycle in ${name} src/ through '${first.specifier}': ${path}`,
      });
    }
    for (const component of truncated)
      problems.push({
        rule: 'file-cycle',
        file: rel(component[0]),
        line: 1,
        specifier: '',
        message: `too many import cycles to list among ${name} src/ files ${component
          .map(srcRel)
          .join(', ')} (the first ones found are listed)`,
      });
  }

  const { cycles, truncated } = findCycles(packageGraph);
  for (const cycle of cycles) {
    const steps = cycle.map((from, i) => {
      const to = cycle[(i + 1) % cycle.length];
      const edge = packageGraph.get(from).get(to);
      return { from, to, edge, how: `${edge.how} ${to} (${edge.file}:${edge.line})` };
    });
    // Reported at an import when the cycle has one (that is what to change), else a declaration.
    const { edge: first } = steps.find((step) => step.edge.how === 'imports') ?? steps[0];
    problems.push({
      rule: 'package-cycle',
      file: first.file,
      line: first.line,
      specifier: first.specifier,
      message: `workspace package cycle: ${[...cycle, cycle[0]].join(' -> ')} (${steps
        .map((step) => `${step.from} ${step.how}`)
        .join('; ')})`,
    });
  }

  for (const component of truncated)
    problems.push({
      rule: 'package-cycle',
      file: `${rel(byName.get(component[0]).dir)}/package.json`,
      line: 1,
      specifier: '',
      message: `too many cycles to list among workspace packages ${component.join(', ')} (the first ones found are listed)`,
    });

  return problems.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.rule.localeCompare(b.rule) ||
      a.message.localeCompare(b.message),
  );
}
