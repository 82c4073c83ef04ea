import { renderError } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { rootOption } from '../common-options.js';
import { configDirectory, commandPlugins } from '../environment.js';
import { ExitCode } from '../exit-codes.js';

/** Formats rows as left-aligned columns separated by two spaces. */
function table(rows: readonly string[][]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** `lighthouse plugins [config-dir]`: what is installed, from which package, and what is broken. */
export const pluginsCommand: Command = {
  name: 'plugins',
  summary: 'list installed plugins, their packages, and problems',
  usage: 'plugins [config-dir] [--root DIR]',
  details: [
    'Finds plugin packages (a "lighthouse" key in package.json) among the dependencies of the',
    'project root (and of @lighthouse/all when run through its bins), loads each one, and prints',
    'a table. Problems (a package that fails to load, an invalid manifest, two packages claiming',
    'one name) follow the table. With <config-dir>, the project root is the nearest package.json',
    'at or above it; without it, the nearest at or above the current directory.',
    '',
    'Exit codes: 0 all plugins load, 1 no plugin is installed or some plugin has a problem,',
    '2 usage error.',
  ].join('\n'),
  options: { ...rootOption.options },
  optionHelp: { ...rootOption.optionHelp },
  positionals: [{ name: 'config-dir', required: false }],
  async run(input) {
    const { positionals, io } = input;
    const configDir =
      positionals[0] === undefined ? undefined : await configDirectory(positionals[0]);
    const registry = await commandPlugins(input, configDir);
    const nothing = registry.nothingInstalled();
    if (nothing !== undefined) {
      io.stderr(renderError(nothing));
      return ExitCode.Invalid;
    }
    const statuses = await registry.loadAll();
    const rows = statuses.map(({ entry, ok }) => [
      entry.kind,
      entry.name,
      entry.packageName,
      entry.version ?? '-',
      ok ? 'ok' : 'ERROR',
    ]);
    for (const line of table([['KIND', 'NAME', 'PACKAGE', 'VERSION', 'STATUS'], ...rows]))
      io.stdout(line);
    const problems = [
      ...registry.problems(),
      ...statuses.flatMap((status) => (status.ok ? [] : [status.error])),
    ];
    for (const problem of problems) io.stderr(`\n${renderError(problem)}`);
    return problems.length > 0 ? ExitCode.Invalid : ExitCode.Ok;
  },
};
