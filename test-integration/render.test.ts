import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempConfigDir, freePort, startZooKeeper } from '@lighthouse/testing';
import type { TempDir, ZooKeeperServer } from '@lighthouse/testing';
import { runCliOnce, zookeeperClient } from './support.js';

describe('lighthouse render', () => {
  let zookeeper: ZooKeeperServer;
  let dir: TempDir;
  beforeAll(async () => {
    zookeeper = await startZooKeeper();
    dir = await createTempConfigDir({
      'balancers/haproxy.yaml': '',
      'clusters/web.yaml':
        'discovery: zookeeper\nhaproxy:\n  port: 8000\n  backend:\n    - "mode http"\n',
    });
    await dir.write(
      'balancers/haproxy.yaml',
      `config_file: ${dir.dir}/haproxy.cfg\nsocket_file: ${dir.dir}/admin.sock\npid_file: ${dir.dir}/haproxy.pid\n`,
    );
  });
  afterAll(async () => {
    await zookeeper.stop();
    await dir.cleanup();
  });

  it('prints the config with the members discovery reports now, touching nothing', async () => {
    await dir.write(
      'discovery/zookeeper.yaml',
      `hosts: ["${zookeeper.connectString}"]\npath: /lighthouse/services\n`,
    );
    const client = await zookeeperClient(zookeeper.connectString, '/lighthouse/services');
    await client.publish([
      { service: 'web', node: { host: 'app-1', ip: '127.0.0.1', port: 8080, metadata: {} } },
    ]);
    const run = await runCliOnce(['render', dir.dir]);
    await client.close();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^backend web\n {4}mode http\n {4}server app-1:8080 127\.0\.0\.1:8080/m,
    );
    expect(run.stdout).toMatch(/^frontend web\n(?: {4}.*\n)*? {4}bind 127\.0\.0\.1:8000$/m);
    await expect(access(`${dir.dir}/haproxy.cfg`)).rejects.toThrow(/ENOENT/);
  });

  it('falls back to the outage cache when discovery is unreachable, and says so', async () => {
    await dir.write(
      'discovery/zookeeper.yaml',
      `hosts: ["127.0.0.1:${await freePort()}"]\npath: /lighthouse/services\nsession_timeout: 2\n`,
    );
    const run = await runCliOnce(['render', dir.dir]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('discovery zookeeper unavailable');
    expect(run.stdout).toMatch(/^backend web\n {4}mode http\n\n/m);
  });
});
