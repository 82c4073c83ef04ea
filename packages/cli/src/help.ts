import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from './command.js';
import { cliPackageDir } from './environment.js';

/** The guides `--help` points at, in the order an operator needs them. */
const GUIDES = ['install.md', 'configuration.md', 'cli.md', 'operating.md', 'writing-plugins.md'];

/**
 * Where the docs are: the copy packed into the installed package (`prepack` puts the
 * repository's docs/ there), else the repository's own docs/ when run from a checkout.
 */
function docsDirectory(): string | undefined {
  return [join(cliPackageDir, 'docs'), join(cliPackageDir, '..', '..', 'docs')].find((dir) =>
    existsSync(join(dir, 'cli.md')),
  );
}

const ENVIRONMENT = [
  'Environment:',
  '  DEBUG=lighthouse:*   developer traces by namespace (lighthouse:core:*, lighthouse:plugin:*)',
  '  NO_COLOR=1           no colours in pretty logs',
].join('\n');

/** `lighthouse --help`: every command with its summary. */
export function globalHelp(program: string, commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `Usage: ${program} <command> [options]`,
    '',
    'Service discovery for HAProxy fleets: the reporter registers the healthy services this',
    'machine provides; the writer keeps the local HAProxy routing to the healthy members of the',
    'services it consumes.',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Options:',
    '  -h, --help     show help (also: <command> --help)',
    '  -V, --version  show the version',
    '',
    ENVIRONMENT,
    '',
    'Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 runtime failure.',
    '',
    'Plugins (checks, discovery, balancers) come from the dependencies of the project at or above',
    'the config directory, or of --root DIR; "lighthouse plugins" lists them. @lighthouse/all is',
    'this command with every first-party plugin.',
    '',
    `Docs: ${docsDirectory() ?? 'docs/ in the lighthouse repository'} (${GUIDES.join(', ')})`,
  ].join('\n');
}

/** `lighthouse <command> --help`. */
export function commandHelp(program: string, command: Command, standalone: boolean): string {
  const usage = standalone ? command.usage.replace(`${command.name} `, '') : command.usage;
  const entries = Object.entries(command.optionHelp);
  const width = Math.max(0, ...entries.map(([name]) => name.length));
  return [
    `Usage: ${program} ${usage}`,
    '',
    `${command.summary[0]?.toUpperCase() ?? ''}${command.summary.slice(1)}.`,
    '',
    command.details,
    '',
    'Options:',
    ...entries.map(([name, text]) => `  --${name.padEnd(width)}  ${text}`),
    `  --${'help'.padEnd(width)}  show this help`,
    '',
    ENVIRONMENT,
  ].join('\n');
}
