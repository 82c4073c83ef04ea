// Types for scripts/config-reference.mjs (imported by scripts/test).

/** A JSON Schema as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/** One row of a key table. */
export interface Row {
  /** Dotted path; `<name>` for any map key, `a[]` for each item of the list `a`. */
  key: string;
  schema: JsonSchema;
  type: string;
  /** `yes`, `with \`x\``, `in each \`x\`` or empty. */
  required: string;
  /** Inline code, or empty. */
  default: string;
  description: string;
}

/** docs/configuration.md, absolute. */
export const DOC: string;
/** The command that regenerates the document. */
export const FIX: string;

/** Escapes a cell's text for a GFM table (collapses whitespace, escapes `|`, `\`, `<`, `*`). */
export function escapeCell(text: string): string;
/** The type column of a schema. */
export function typeOf(schema: JsonSchema, withBounds?: boolean): string;
/** The description column of a schema: its description, then its allowed values. */
export function describeKey(schema: JsonSchema): string;
/** Every key of an object schema, depth first in schema order. */
export function collectRows(
  schema: JsonSchema,
  prefix?: string,
  parent?: 'present' | 'optional' | 'each',
): Row[];
/** A GFM table of rows (unpadded). */
export function renderTable(rows: readonly Row[]): string;
/** A section id's schema name and subtree key (`''`: the whole schema). */
export function parseSectionId(id: string): { schema: string; path: string };
/** The table of every section id (default: one per schema), keyed by id. */
export function renderTables(
  schemas: Record<string, object>,
  ids?: readonly string[],
): Record<string, string>;
/** The section ids of a document's markers, in order. */
export function sectionIds(markdown: string): string[];
/** Markers naming no schema key, and schemas without a section. */
export function sectionProblems(markdown: string, schemas: Record<string, object>): string[];
/** Each section's current content, keyed by id; throws on unbalanced or repeated markers. */
export function sections(markdown: string): Record<string, string>;
/** The document with each section's content replaced by its table. */
export function spliceGenerated(markdown: string, tables: Record<string, string>): string;
/** The ids of the sections whose content differs between two versions of the document. */
export function driftedSections(current: string, generated: string): string[];
/** Tables formatted as prettier formats them inside `file`. */
export function formatTables(
  tables: Record<string, string>,
  file?: string,
): Promise<Record<string, string>>;
/** The config JSON Schemas with every first-party plugin installed (needs the build). */
export function loadSchemas(): Promise<Record<string, object>>;
/** The document as it is, as it should be, and its section problems. */
export function generate(
  file?: string,
): Promise<{ current: string; generated: string; problems: string[] }>;
