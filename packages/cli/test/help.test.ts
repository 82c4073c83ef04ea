import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('lighthouse --help, --version and usage errors', () => {
  it('lists every command with its summary', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of [
      'writer',
      'reporter',
      'validate',
      'plugins',
      'schema',
      'down',
      'up',
      'status',
    ])
      expect(run.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(run.stdout).toContain('DEBUG=lighthouse:*');
  });

  it('prints help to stderr and exits 2 without a command', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: lighthouse <command>');
  });

  it('prints the version', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^lighthouse \d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/],
    [['validate'], /missing <config-dir>/],
    [['validate', 'a', 'b'], /unexpected argument "b"/],
    [['validate', '--bogus', 'x'], /Unknown option '--bogus'/],
    [
      ['writer', '/tmp', '--log-level', 'loud'],
      /--log-level must be one of debug, info, warn, error, silent/,
    ],
  ])('exits 2 with a usage message for %j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain('--help');
  });

  it('gives per-command help with options and exit codes', async () => {
    const run = await runCli(['reporter', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: lighthouse reporter <config-dir> [options]');
    expect(run.stdout).toContain('--advertise-ip');
    expect(run.stdout).toContain('Exit codes:');
  });

  it('names itself after the bin: lighthouse-writer --help', async () => {
    const run = await runCli(['--help'], { bin: 'lighthouse-writer' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: lighthouse-writer <config-dir> [options]');
  });

  it('exits 1 naming a config directory that does not exist', async () => {
    const run = await runCli(['validate', '/nonexistent/lighthouse']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '/nonexistent/lighthouse: (document): config directory does not exist',
    );
  });
});
