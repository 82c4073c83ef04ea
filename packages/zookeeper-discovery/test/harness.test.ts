import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '@lighthouse/testing';
import { startZooKeeper } from '@lighthouse/testing';

describe('test harness', () => {
  it('freePort() returns a loopback port that can be bound', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });

  it('says in one line what to install when java is missing', async () => {
    const path = process.env['PATH'];
    process.env['PATH'] = '';
    try {
      await expect(startZooKeeper()).rejects.toThrow(
        /^ZooKeeper not found: apt-get install zookeeper \(Debian package\)$/,
      );
    } finally {
      process.env['PATH'] = path;
    }
  });
});
