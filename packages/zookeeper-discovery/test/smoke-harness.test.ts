import { describe, expect, it } from 'vitest';
import { startZooKeeper, startZooKeeperEnsemble, zooKeeperCommand } from '../../testing/src/zookeeper-server.js';

describe('harness smoke', () => {
  it('standalone', async () => {
    const t0 = Date.now();
    const zk = await startZooKeeper({ tickTime: 500, minSessionTimeout: 1000 });
    console.log('started in', Date.now() - t0, zk.pid, zk.port);
    const pid1 = zk.pid;
    const t1 = Date.now();
    await zk.restart();
    console.log('restarted in', Date.now() - t1, zk.pid);
    expect(zk.pid).not.toBe(pid1);
    expect(await zooKeeperCommand(zk.port, 'ruok')).toBe('imok');
    await zk.stop();
  });
  it('ensemble', async () => {
    const t0 = Date.now();
    const e = await startZooKeeperEnsemble(3, { tickTime: 500 });
    console.log('ensemble in', Date.now() - t0, e.connectString);
    const leader = await e.leader();
    console.log('leader', leader.id);
    await leader.stop();
    const t1 = Date.now();
    const next = await e.leader();
    console.log('new leader', next.id, Date.now() - t1);
    await leader.start();
    await e.stop();
  }, 60000);
});
