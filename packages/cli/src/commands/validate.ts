import { formatIssue, issueSuggestions } from '@lighthouse/core';
import type { ConfigIssue } from '@lighthouse/core';
import { ConfigKinds, hasConfigLayout, loadConfigDir } from '@lighthouse/core/engine';
import type { Command, Io } from '../command.js';
import { rootOption } from '../common-options.js';
import { configDirectory, commandPlugins } from '../environment.js';
import { ExitCode } from '../exit-codes.js';

/** Prints one line per issue on stdout and a count on stderr; returns exit code 1. */
export function printIssues(issues: readonly ConfigIssue[], dir: string, io: Io): number {
  for (const issue of issues) io.stdout(formatIssue(issue));
  io.stderr(`${issues.length} problem(s) in ${dir}`);
  for (const suggestion of issueSuggestions(issues)) io.stderr(`Try this: ${suggestion}`);
  return ExitCode.Invalid;
}

/** What `validate` says, on stderr, about a directory with nothing of lighthouse in it. */
function nothingToValidate(dir: string): string[] {
  return [
    `${dir}: no lighthouse config files here (no reporter.yaml, writer.yaml, logging.yaml, services/, clusters/, discovery/ or balancers/); is this the config directory?`,
    'A config directory holds services/<name>.yaml (what this machine provides: the reporter), clusters/<name>.yaml and balancers/<name>.yaml (what it consumes: the writer), discovery/<name>.yaml (for both), and optionally reporter.yaml, writer.yaml and logging.yaml.',
  ];
}

/** `lighthouse validate <config-dir>`: every file of every kind, one line per problem. */
export const validateCommand: Command = {
  name: 'validate',
  summary: 'check every file of a config directory; one line per problem',
  usage: 'validate <config-dir> [--root DIR]',
  details: [
    'Parses and validates logging.yaml, reporter.yaml, writer.yaml, balancers/, discovery/,',
    'clusters/ and services/ with the schemas of core and of the plugins the files name, plus',
    'cross-file rules (a cluster or service naming a discovery method with no',
    'discovery/<name>.yaml). Nothing is started.',
    '',
    'Output: one line per problem, "file:line: /json/pointer: message", on stdout, and a count',
    'and what to do about them ("Try this:" lines, e.g. the package to install) on stderr;',
    'without problems, "ok: N file(s) valid in DIR" on stdout. A directory with none',
    'of those files and subdirectories is an error, explained on stderr: it is most likely not',
    'the config directory meant.',
    'Exit codes: 0 valid, 1 problems found or nothing to validate, 2 usage error.',
    '',
    'Example: lighthouse validate /etc/lighthouse',
  ].join('\n'),
  options: { ...rootOption.options },
  optionHelp: { ...rootOption.optionHelp },
  positionals: [{ name: 'config-dir', required: true }],
  async run(input) {
    const { positionals, io } = input;
    const dir = await configDirectory(positionals[0] ?? '');
    const resolver = await commandPlugins(input, dir);
    const { entries, issues } = await loadConfigDir({ dir, kinds: ConfigKinds, resolver });
    if (issues.length > 0) return printIssues(issues, dir, io);
    if (entries.length === 0 && !(await hasConfigLayout(dir))) {
      for (const line of nothingToValidate(dir)) io.stderr(line);
      return ExitCode.Invalid;
    }
    io.stdout(`ok: ${entries.length} file(s) valid in ${dir}`);
    return ExitCode.Ok;
  },
};
