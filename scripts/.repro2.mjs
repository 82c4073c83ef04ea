import { startZooKeeper } from '@lighthouse/testing';
import { ZooKeeperSession } from '@lighthouse/zookeeper-discovery';
import { silentLogger } from '@lighthouse/core';
import debug from 'debug';
const zk = await startZooKeeper();
const open = async () => { const s = new ZooKeeperSession({ connectString: zk.connectString, sessionTimeoutMs: 10000, log: silentLogger, debug: debug('x') }); await s.connect(); return s; };
const mode = process.argv[2];
let ok = 0, failed = 0;
for (let i = 0; i < (mode === 'long' ? 3 : 10); i++) {
  const a = await open();
  if (mode === 'watch') await a.exists('/nothing', () => {});
  if (mode === 'long') await new Promise((r) => setTimeout(r, 6000));
  await a.close();
  if (mode === 'delay') await new Promise((r) => setTimeout(r, 100));
  try { const b = await open(); await b.close(); ok++; } catch (e) { failed++; }
}
console.log(mode ?? 'plain', { ok, failed });
await zk.stop();
