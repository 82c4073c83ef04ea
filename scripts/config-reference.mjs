#!/usr/bin/env node
// The key tables of docs/configuration.md, generated from the config files' JSON Schemas (those
// `lighthouse schema` writes: core's TypeBox schemas plus the sections of every first-party
// plugin, found through @lighthouse/all's dependencies). The schemas' `description`s are the
// single source: a key added, removed or re-described in a schema shows up here, and the check
// fails until the doc is regenerated. Hand-written prose and examples around the tables stay.
//
// A table lives between two marker comments; the id names a schema (`service`,
// `balancer-haproxy`) or a subtree of one (`service/checks.http`), whose keys are then listed
// relative to it and left out of the schema's own table:
//   <!-- generated:service begin -->  …  <!-- generated:service end -->
// Every schema must have its own section, and every section must name a schema key.
//
// Run after `tsc -b` (it imports @lighthouse/core's dist/):
//   node scripts/config-reference.mjs          rewrite docs/configuration.md
//   node scripts/config-reference.mjs --check  exit 1 naming the drifted sections
// The tables are formatted with the repository's prettier settings, so the output is stable
// under `prettier --write`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';

const root = resolve(import.meta.dirname, '..');

/** The generated document and the command that regenerates it. */
export const DOC = join(root, 'docs', 'configuration.md');
export const FIX = 'node scripts/config-reference.mjs';

const MARKER = /<!-- generated:([^\s>]+) (begin|end) -->/g;
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------------
// Cells

/** Escapes a cell's text for a GFM table: `|` always; `\\`, `<` and `*` outside code spans. */
export function escapeCell(text) {
  const spans = text
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(`[^`]*`)/);
  return spans
    .map((span, index) => (index % 2 === 1 ? span : span.replace(/[\\<*]/g, (c) => `\\${c}`)))
    .join('')
    .replaceAll('|', '\\|');
}

/** A JSON value as inline code (strings bare unless empty or padded). */
function code(value) {
  const text =
    typeof value === 'string' && value.trim() === value && value !== ''
      ? value
      : JSON.stringify(value);
  return `\`${text}\``;
}

function jsonType(value) {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function bounds(schema) {
  const { minimum: min, maximum: max, exclusiveMinimum: xmin, exclusiveMaximum: xmax } = schema;
  if (min !== undefined && max !== undefined) return [`${min}–${max}`];
  return [
    min !== undefined && `≥ ${min}`,
    xmin !== undefined && `> ${xmin}`,
    max !== undefined && `≤ ${max}`,
    xmax !== undefined && `< ${xmax}`,
  ].filter(Boolean);
}

/** The type column: JSON types, `a[]` for arrays, `[a, b]` for tuples, numeric bounds. */
export function typeOf(schema, withBounds = true) {
  if ('const' in schema) return jsonType(schema.const);
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(jsonType))].join(' or ');
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches))
    return [...new Set(branches.map((branch) => typeOf(branch, withBounds)))].join(' or ');
  const types = [schema.type ?? 'any'].flat();
  return types
    .map((type) => {
      if (type === 'array') return arrayType(schema);
      if (type !== 'integer' && type !== 'number') return type;
      const range = withBounds ? bounds(schema).join(', ') : '';
      return range === '' ? type : `${type} ${range}`;
    })
    .join(' or ');
}

function arrayType(schema) {
  if (Array.isArray(schema.items))
    return `[${schema.items.map((item) => typeOf(item, false)).join(', ')}]`;
  if (!isObject(schema.items)) return 'array';
  const item = typeOf(schema.items, false);
  return item.includes(' ') ? `(${item})[]` : `${item}[]`;
}

/** The description column: the schema's description, then its allowed values. */
export function describeKey(schema) {
  const parts = [schema.description ?? ''];
  if ('const' in schema) parts.push(`Value: ${code(schema.const)}.`);
  if (Array.isArray(schema.enum)) parts.push(`One of: ${schema.enum.map(code).join(', ')}.`);
  return parts.filter((part) => part !== '').join(' ');
}

// ---------------------------------------------------------------------------------------------
// Rows

/** A placeholder key for a patternProperties / additionalProperties entry. */
const placeholder = (pattern) => (pattern === '^.*$' ? '<name>' : '<key>');
/** An empty schema (`{}`: anything) has nothing to list. */
const hasContent = (schema) => isObject(schema) && Object.keys(schema).length > 0;

/** The keys directly under an object schema, with what makes each one required. */
function childrenOf(schema) {
  const required = new Set(schema.required ?? []);
  const dependents = Object.entries(schema.dependentRequired ?? {});
  const named = Object.entries(schema.properties ?? {}).map(([name, child]) => ({
    name,
    schema: child,
    required: required.has(name),
    requiredWith: dependents.filter(([, needs]) => needs.includes(name)).map(([key]) => key),
  }));
  const patterned = Object.entries(schema.patternProperties ?? {})
    .filter(([, child]) => hasContent(child))
    .map(([pattern, child]) => ({ name: placeholder(pattern), schema: child, open: true }));
  const rest = hasContent(schema.additionalProperties)
    ? [{ name: '<name>', schema: schema.additionalProperties, open: true }]
    : [];
  return [...named, ...patterned, ...rest].map((child) => ({
    required: false,
    requiredWith: [],
    open: false,
    ...child,
  }));
}

/** What is nested under a key: its object's keys, or those of its array's items (`a[]`). */
function nested(schema) {
  if (isObject(schema.items)) return { suffix: '[]', schema: schema.items };
  return { suffix: '', schema };
}

/** Whether a key's parent is always there, optional, or one of many (a map entry, an array item). */
const PRESENT = 'present';
const OPTIONAL = 'optional';
const EACH = 'each';

/** The required column: a key with a default is never required of the user (it is filled in). */
function requiredCell(child, prefix, parent) {
  const at = (key) => `\`${prefix === '' ? key : `${prefix}.${key}`}\``;
  if (child.required && !('default' in child.schema)) {
    if (parent === PRESENT) return 'yes';
    return parent === EACH ? `in each \`${prefix}\`` : `with \`${prefix}\``;
  }
  return child.requiredWith.map((key) => `with ${at(key)}`).join(', ');
}

/**
 * Every key of an object schema, depth first in schema order: `{ key, schema, type, required,
 * default, description }`. `prefix` is the parent's key; `parent` says whether the parent is
 * always there (the document, or a required key of such a parent), optional, or one of many.
 */
export function collectRows(schema, prefix = '', parent = PRESENT) {
  return childrenOf(schema).flatMap((child) => {
    const key = prefix === '' ? child.name : `${prefix}.${child.name}`;
    const row = {
      key,
      schema: child.schema,
      type: typeOf(child.schema),
      required: requiredCell(child, prefix, parent),
      default: 'default' in child.schema ? code(child.schema.default) : '',
      description: describeKey(child.schema),
    };
    const inner = nested(child.schema);
    const kind =
      child.open || inner.suffix !== ''
        ? EACH
        : parent === PRESENT && child.required
          ? PRESENT
          : OPTIONAL;
    return [row, ...collectRows(inner.schema, `${key}${inner.suffix}`, kind)];
  });
}

/** A GFM table of rows (unpadded; prettier pads it). */
export function renderTable(rows) {
  const header = ['key', 'type', 'required', 'default', 'description'];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(header.map(() => '---')),
    ...rows.map((row) =>
      line([
        escapeCell(`\`${row.key}\``),
        escapeCell(row.type),
        escapeCell(row.required),
        escapeCell(row.default),
        escapeCell(row.description),
      ]),
    ),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Sections

/** Splits a section id into its schema name and the key of the subtree (`''`: the whole schema). */
export function parseSectionId(id) {
  const slash = id.indexOf('/');
  return slash === -1
    ? { schema: id, path: '' }
    : { schema: id.slice(0, slash), path: id.slice(slash + 1) };
}

const under = (key, path) => key.startsWith(`${path}.`) || key.startsWith(`${path}[]`);

/** The rows of a section: a schema's keys, or a subtree's keys relative to it. */
function sectionRows(schemas, id) {
  const { schema: name, path } = parseSectionId(id);
  const schema = schemas[name];
  if (!isObject(schema)) return undefined;
  if (path === '') return collectRows(schema);
  const row = collectRows(schema).find((candidate) => candidate.key === path);
  if (row === undefined) return undefined;
  return collectRows(nested(row.schema).schema);
}

/**
 * The table of every section id (default: one per schema), keyed by id. A subtree with its own
 * section keeps its row in the enclosing table; the keys under it are listed only in its own.
 * Ids naming no schema key are left out (see {@link sectionProblems}).
 */
export function renderTables(schemas, ids = Object.keys(schemas)) {
  const tables = {};
  for (const id of ids) {
    const rows = sectionRows(schemas, id);
    if (rows === undefined) continue;
    const { schema, path } = parseSectionId(id);
    const elsewhere = ids
      .map(parseSectionId)
      .filter((other) => other.schema === schema && other.path !== path)
      .filter((other) => path === '' || under(other.path, path))
      .map((other) => other.path.slice(path.length).replace(/^(\.|\[\]\.?)/, ''));
    tables[id] = renderTable(rows.filter((row) => !elsewhere.some((sub) => under(row.key, sub))));
  }
  return tables;
}

/** The section ids of a document's markers, in order (each id once). */
export function sectionIds(markdown) {
  const ids = [...markdown.matchAll(MARKER)].filter((m) => m[2] === 'begin').map((m) => m[1]);
  return [...new Set(ids)];
}

/** Markers without a schema key to render, and schemas without a section of their own. */
export function sectionProblems(markdown, schemas) {
  const ids = sectionIds(markdown);
  const rendered = renderTables(schemas, ids);
  return [
    ...ids
      .filter((id) => !(id in rendered))
      .map((id) => `section "${id}" names no key of the config schemas`),
    ...Object.keys(schemas)
      .filter((name) => !ids.includes(name))
      .map((name) => `schema "${name}" has no <!-- generated:${name} begin --> section`),
  ];
}

/** Each section's current content, keyed by id; throws on unbalanced or repeated markers. */
export function sections(markdown) {
  const found = {};
  let open;
  for (const match of markdown.matchAll(MARKER)) {
    const [marker, id, edge] = match;
    if (edge === 'begin') {
      if (open !== undefined) throw new Error(`${marker} inside section "${open.id}"`);
      if (id in found) throw new Error(`section "${id}" appears twice`);
      open = { id, from: match.index + marker.length };
    } else {
      if (open?.id !== id) throw new Error(`${marker} without its begin marker`);
      found[id] = markdown.slice(open.from, match.index);
      open = undefined;
    }
  }
  if (open !== undefined) throw new Error(`section "${open.id}" has no end marker`);
  return found;
}

/** The document with each section's content replaced by its table (sections without one stay). */
export function spliceGenerated(markdown, tables) {
  sections(markdown);
  return markdown.replace(
    /(<!-- generated:([^\s>]+) begin -->)[\s\S]*?(<!-- generated:\2 end -->)/g,
    (whole, begin, id, end) =>
      id in tables ? `${begin}\n\n${tables[id].trim()}\n\n${end}` : whole,
  );
}

/** The ids of the sections whose content differs between two versions of the document. */
export function driftedSections(current, generated) {
  const before = sections(current);
  const after = sections(generated);
  return Object.keys(after).filter((id) => before[id] !== after[id]);
}

/** Tables formatted as prettier formats them inside `file` (it pads columns). */
export async function formatTables(tables, file = DOC) {
  const options = { ...(await prettier.resolveConfig(file)), parser: 'markdown' };
  const entries = await Promise.all(
    Object.entries(tables).map(async ([id, table]) => [id, await prettier.format(table, options)]),
  );
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------
// The command

/** The config JSON Schemas with every first-party plugin installed (needs the build). */
export async function loadSchemas() {
  const { PluginRegistry, configJsonSchemas } = await import('@lighthouse/core/engine');
  const all = join(root, 'packages', 'all');
  const registry = await PluginRegistry.discover({ projectRoot: all, selfPackageDirs: [all] });
  const broken = [
    ...registry.problems().map((problem) => problem.message),
    ...(await registry.loadAll()).flatMap((status) => (status.ok ? [] : [status.error.message])),
  ];
  if (broken.length > 0) throw new Error(`plugins could not be loaded:\n${broken.join('\n')}`);
  return configJsonSchemas(registry);
}

/** The document as it should be: `{ current, generated, problems }`. */
export async function generate(file = DOC) {
  const current = readFileSync(file, 'utf8');
  const schemas = await loadSchemas();
  const tables = await formatTables(renderTables(schemas, sectionIds(current)), file);
  return {
    current,
    generated: spliceGenerated(current, tables),
    problems: sectionProblems(current, schemas),
  };
}

async function main(argv) {
  const check = argv.includes('--check');
  const where = relative(root, DOC);
  const { current, generated, problems } = await generate();
  for (const problem of problems) console.error(`${where}: ${problem}`);
  if (check) {
    const drifted = driftedSections(current, generated);
    if (drifted.length > 0)
      console.error(
        `${where} is out of date with the config schemas; drifted sections: ${drifted.join(', ')}.\n` +
          `Regenerate it with \`${FIX}\` (after \`tsc -b\`), or \`npm run docs:config\`.`,
      );
    return drifted.length > 0 || problems.length > 0 ? 1 : 0;
  }
  if (generated !== current) {
    writeFileSync(DOC, generated);
    console.log(`${where}: regenerated ${driftedSections(current, generated).join(', ')}`);
  }
  return problems.length > 0 ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    const unbuilt = error?.code === 'ERR_MODULE_NOT_FOUND' ? ' (run `tsc -b` first)' : '';
    console.error(`config-reference: ${error?.message ?? error}${unbuilt}`);
    process.exitCode = 1;
  }
}
