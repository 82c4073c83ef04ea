import { describe, expect, it } from 'vitest';
import type { RecordingLogger } from '@lighthouse/testing';
import type { Node } from '@lighthouse/core';
import { startMemoryWriter } from '../helpers/memory-writer.js';
import { scriptedDiscovery } from '../helpers/scripted-discovery.js';

/**
 * An unchanged bad node is warned about once per change: not on every delivery of discovery,
 * and not on every sync of the writer (the periodic resync, a balancer change).
 */

const WARNING = 'discovery reported an unusable node; leaving it out';

const good = (host: string): Node => ({ host, ip: '10.0.0.1', port: 80, metadata: {} });
/** Two different bad nodes under one name, `bad host!:70000`, with different problems. */
const badIp = { host: 'bad host!', ip: '999.1.1.1', port: 70000, metadata: {} } as unknown as Node;
const badHost = { host: 'bad host!', ip: '10.0.0.9', port: 70000, metadata: {} } as unknown as Node;

const warnings = (logger: RecordingLogger) => logger.matching('warn', WARNING);

describe('Writer: repeated warnings', () => {
  it('warns once about two bad nodes sharing a name, however often discovery repeats them', async () => {
    const discovery = scriptedDiscovery();
    const { recorder, logger } = await startMemoryWriter({ discovery: discovery.plugin });
    const deliver = await discovery.listener();
    for (const [round, host] of ['app01', 'app02', 'app03', 'app04'].entries()) {
      deliver([
        badIp,
        badHost,
        ...['app01', 'app02', 'app03', 'app04'].slice(0, round + 1).map(good),
      ]);
      await recorder.waitFor((clusters) => clusters[0]?.nodes.at(-1)?.host === host);
    }
    expect(warnings(logger).map((line) => line.fields['problem'])).toEqual([
      '"999.1.1.1" is not an IPv4 or IPv6 address',
      '"bad host!" is not a valid host name or IP address',
    ]);
  });

  it('does not warn again on syncs that carry no news', async () => {
    const discovery = scriptedDiscovery();
    const { recorder, logger, writer } = await startMemoryWriter({ discovery: discovery.plugin });
    (await discovery.listener())([badIp, good('app01')]);
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    const syncs = recorder.syncs.length;
    // As the periodic resync does.
    for (let i = 0; i < 3; i++) await writer.synced();
    expect(recorder.syncs.length).toBeGreaterThanOrEqual(syncs + 3);
    expect(warnings(logger)).toHaveLength(1);
  });
});
