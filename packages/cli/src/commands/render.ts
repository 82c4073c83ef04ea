import { renderOnce } from '@lighthouse/core/engine';
import type { Command } from '../command.js';
import { rootOption } from '../common-options.js';
import { configDirectory, commandPlugins } from '../environment.js';
import { ExitCode, UsageError } from '../exit-codes.js';
import { printIssues } from './validate.js';

/** `lighthouse render <config-dir>`: the load-balancer config the writer would install now. */
export const renderCommand: Command = {
  name: 'render',
  summary: 'print the load-balancer config the writer would write now',
  usage: 'render <config-dir> [--offline] [--root DIR]',
  details: [
    'Reads balancers/, discovery/ and clusters/, asks discovery once for the current members of',
    'every cluster (unless --offline), and prints what each balancer would install — for',
    'HAProxy, the haproxy.cfg text. Nothing is written and the load balancer is not touched.',
    'Clusters that discovery cannot report in time (or all, with --offline) are rendered from',
    "the balancer's outage cache, exactly as a writer starting now would.",
    '',
    'Exit codes: 0 ok, 1 invalid config or a balancer that cannot render, 2 usage, 3 runtime failure.',
  ].join('\n'),
  options: { offline: { type: 'boolean' }, ...rootOption.options },
  optionHelp: {
    offline: '       do not contact discovery; use the outage cache',
    ...rootOption.optionHelp,
  },
  positionals: [{ name: 'config-dir', required: true }],
  async run(input) {
    const { positionals, values, io } = input;
    const dir = await configDirectory(positionals[0] ?? '');
    const resolver = await commandPlugins(input, dir);
    const result = await renderOnce({
      configDir: dir,
      resolver,
      discover: values['offline'] !== true,
      onWarning: (text) => io.stderr(text),
    });
    if (!result.ok) return printIssues(result.issues, dir, io);
    if (result.balancers.length === 0)
      throw new UsageError(`render: no balancer configured in ${dir}/balancers/`);
    for (const { balancer, text } of result.balancers) {
      if (text === undefined) {
        io.stderr(`balancer ${balancer} cannot render its configuration`);
        return ExitCode.Invalid;
      }
      if (result.balancers.length > 1) io.stdout(`# ---- balancer ${balancer} ----`);
      io.stdout(text.replace(/\n$/, ''));
    }
    return ExitCode.Ok;
  },
};
