import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { binPath, runCli } from './run-cli.js';

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

  it('points at docs that exist where it runs, and says where plugins come from', async () => {
    const run = await runCli(['--help'], { bare: true });
    const [, dir, guides] = /^Docs: (\S+) \((.*)\)$/m.exec(run.stdout) ?? [];
    expect(dir, run.stdout).toBeDefined();
    for (const guide of (guides ?? '').split(', '))
      expect(existsSync(join(dir!, guide))).toBe(true);
    expect(run.stdout).toContain('or of --root DIR; "lighthouse plugins" lists them');
  });

  it('ends normally when its reader goes away (lighthouse schema | head -1)', async () => {
    const child = spawn(process.execPath, [binPath('lighthouse', false), 'schema'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
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
