import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const manual = fileURLToPath(new URL('../../../examples/manual', import.meta.url));

describe('lighthouse validate', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A copy of the manual's examples with `files` written over it. */
  async function manualWith(files: Record<string, string>): Promise<string> {
    dir = await mkdtemp(join(tmpdir(), 'lighthouse-validate-'));
    await cp(manual, dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    return dir;
  }

  it('accepts every example config of the lighthouse 1.0 manual', async () => {
    const run = await runCli(['validate', manual]);
    expect(run.stdout).toMatch(/^ok: 7 file\(s\) valid/);
    expect(run.code).toBe(0);
  });

  it.each([
    [
      'a cluster without discovery',
      'clusters/webapp.yaml',
      'haproxy:\n  port: 8000\n',
      'clusters/webapp.yaml: /discovery: missing required key "discovery"',
    ],
    [
      'rise that is not an integer',
      'services/cache.yaml',
      'port: 6379\ndiscovery: zookeeper\nchecks:\n  interval: 3\n  redis:\n    rise: two\n    fall: 1\n',
      'services/cache.yaml:6: /checks/redis/rise: expected an integer',
    ],
    [
      'an unknown check',
      'services/cache.yaml',
      'port: 6379\ndiscovery: zookeeper\nchecks:\n  interval: 3\n  rediss:\n    rise: 1\n    fall: 1\n',
      'services/cache.yaml:5: /checks/rediss: unknown check "rediss" (did you mean "redis"?)',
    ],
    [
      'a frontend line with a newline in it',
      'clusters/webapp.yaml',
      'discovery: zookeeper\nhaproxy:\n  port: 8000\n  frontend:\n    - "log global\\n\\tserver evil 6.6.6.6:80"\n',
      'clusters/webapp.yaml:5: /haproxy/frontend/0:',
    ],
    [
      'an unknown frontend directive',
      'clusters/webapp.yaml',
      'discovery: zookeeper\nhaproxy:\n  port: 8000\n  frontend:\n    - "logfoo global"\n',
      'clusters/webapp.yaml:5: /haproxy/frontend/0:',
    ],
    [
      'server_options that inject a stanza',
      'clusters/webapp.yaml',
      'discovery: zookeeper\nhaproxy:\n  port: 8000\n  server_options: "check\\nlisten evil"\n',
      'clusters/webapp.yaml:4: /haproxy/server_options:',
    ],
    [
      'an unknown key',
      'services/cache.yaml',
      'port: 6379\ndiscovery: zookeeper\nchecks:\n  intervall: 3\n  redis:\n    rise: 1\n    fall: 1\n',
      'services/cache.yaml:4: /checks/intervall: unknown key "intervall" (did you mean "interval"?)',
    ],
    [
      'a YAML syntax error',
      'services/cache.yaml',
      'port: 6379\ndiscovery: [zookeeper\n',
      'services/cache.yaml:',
    ],
    [
      'an advertised ip that is a name',
      'services/cache.yaml',
      'port: 6379\ndiscovery: zookeeper\nadvertise:\n  ip: localhost\nchecks:\n  interval: 3\n  redis:\n    rise: 1\n    fall: 1\n',
      'services/cache.yaml:4: /advertise/ip: "localhost" is not an IPv4 or IPv6 address',
    ],
    [
      'a port out of range',
      'services/cache.yaml',
      'port: 70000\ndiscovery: zookeeper\nchecks:\n  interval: 3\n  redis:\n    rise: 1\n    fall: 1\n',
      'services/cache.yaml:1: /port:',
    ],
  ])('rejects %s with file, pointer and message, exit 1', async (_what, file, text, expected) => {
    const run = await runCli(['validate', await manualWith({ [file]: text })]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(expected);
    for (const line of run.stdout.trim().split('\n'))
      expect(line).toMatch(/^[a-z]+\/[\w.-]+\.yaml(:\d+)?: (\/\S*|\(document\)): ./);
    expect(run.stderr).toMatch(/\d+ problem\(s\) in /);
  });
});
