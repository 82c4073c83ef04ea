import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { configJsonSchemas, renderError } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { rootOption } from '../common-options.js';
import { commandPlugins } from '../environment.js';
import { ExitCode } from '../exit-codes.js';

/** `lighthouse schema`: the JSON Schemas of every config file type, for editors. */
export const schemaCommand: Command = {
  name: 'schema',
  summary: 'write JSON Schemas of the config files, for editor completion and checking',
  usage: 'schema [--out DIR] [--root DIR]',
  details: [
    'Builds JSON Schemas (draft 2020-12) for logging.yaml, cluster and service files, and the',
    'files of every installed balancer and discovery plugin; the cluster and service schemas',
    'include the sections of the installed balancers and checks.',
    '',
    'Without --out, prints one JSON object keyed by schema name. With --out, writes',
    '<name>.schema.json files there. To use them in VS Code (YAML extension):',
    '  "yaml.schemas": { "./schemas/service.schema.json": "services/*.yaml" }',
    '',
    'Exit codes: 0 ok, 2 usage error, 3 could not write.',
  ].join('\n'),
  options: { out: { type: 'string' }, ...rootOption.options },
  optionHelp: {
    out: 'DIR    write one <name>.schema.json per file type into DIR',
    ...rootOption.optionHelp,
  },
  positionals: [],
  async run(input) {
    const { values, io } = input;
    const resolver = await commandPlugins(input);
    // The schemas still build without plugins, but would lack every plugin's section.
    const nothing = resolver.nothingInstalled();
    if (nothing !== undefined) io.stderr(renderError(nothing));
    const schemas = await configJsonSchemas(resolver);
    const out = values['out'];
    if (typeof out !== 'string') {
      io.stdout(JSON.stringify(schemas, null, 2));
      return ExitCode.Ok;
    }
    const dir = resolve(out);
    await mkdir(dir, { recursive: true });
    for (const [name, schema] of Object.entries(schemas)) {
      await writeFile(join(dir, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`);
      io.stdout(join(dir, `${name}.schema.json`));
    }
    return ExitCode.Ok;
  },
};
