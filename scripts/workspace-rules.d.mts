// Types for scripts/workspace-rules.mjs (imported by scripts/test).

/** The name of a rule scripts/workspace-rules.mjs checks. */
export type Rule =
  | 'undeclared-dependency'
  | 'core-imports-lighthouse'
  | 'plugin-imports-plugin'
  | 'package-cycle'
  | 'file-cycle';

/** One broken rule, at the import (or package.json) that breaks it. */
export interface Problem {
  rule: Rule;
  /** Relative to the workspace root, '/'-separated. */
  file: string;
  /** 1-based. */
  line: number;
  /** The imported specifier ('' when a problem has none, such as a summary of many cycles). */
  specifier: string;
  message: string;
}

/** One import of a source file. */
export interface Import {
  specifier: string;
  /** 1-based. */
  line: number;
  /** Erased from the JavaScript (`import type`, `export type`, `import('x')` types). */
  typeOnly: boolean;
}

/** A workspace package. */
export interface WorkspacePackage {
  name: string;
  dir: string;
  pkg: Record<string, unknown>;
}

/** Checks every workspace package's imports under `root`; the problems, sorted. */
export function checkImports(root: string): Problem[];
/** `file:line: rule: message`. */
export function formatProblem(problem: Problem): string;
/** The workspace packages named by root's package.json "workspaces". */
export function listWorkspacePackages(root: string): WorkspacePackage[];
/** The imports of one TypeScript file (read from disk unless `text` is given). */
export function readImports(file: string, text?: string): Import[];
/** The package a bare specifier names, or undefined for relative paths and Node built-ins. */
export function packageOf(specifier: string): string | undefined;
/** Elementary cycles of a graph, at most `limit` per strongly connected component. */
export function findCycles<Node extends string, Edge>(
  graph: Map<Node, Map<Node, Edge>>,
  limit?: number,
): { cycles: Node[][]; truncated: Node[][] };
