import { describe, expect, it } from 'vitest';
import { waitFor } from '@lighthouse/testing';
import type { RecordingLogger } from '@lighthouse/testing';
import { startMemoryWriter } from '../helpers/memory-writer.js';

/**
 * A rejected config file is logged with what stays in force: its previous version when one was
 * applied, and nothing otherwise (at start-up, or for a file that never passed) — never a
 * "previous version" that does not exist.
 */

const KEPT = 'config rejected, previous version stays in force: ';
const NOTHING = 'config rejected; nothing from this file is in force: ';
const INVALID = 'recording:\n  port: 8001\n'; // no discovery
const VALID = 'discovery: memory\nrecording:\n  port: 8001\n';
const PROBLEM = 'clusters/api.yaml: /discovery: missing required key "discovery"';

const rejections = (logger: RecordingLogger): string[] =>
  logger.at('error').map((line) => line.message);

describe('Writer: what a rejected config file leaves in force', () => {
  it('says nothing is in force for a file rejected at start-up, the previous version later', async () => {
    const { logger, dir, recorder } = await startMemoryWriter({
      files: { 'clusters/api.yaml': INVALID },
    });
    expect(rejections(logger)).toEqual([`${NOTHING}${PROBLEM}`]);
    expect(logger.at('error')[0]?.fields).toEqual({ file: 'clusters/api.yaml' });

    await dir.writeAtomic('clusters/api.yaml', VALID);
    await recorder.waitFor((clusters) => clusters.some((cluster) => cluster.name === 'api'));
    await dir.writeAtomic('clusters/api.yaml', INVALID);
    await waitFor(() => rejections(logger).length === 2, { what: 'the second rejection' });
    expect(rejections(logger)[1]).toBe(`${KEPT}${PROBLEM}`);

    // Removed, then back broken: nothing of it is in force any more.
    await dir.remove('clusters/api.yaml');
    await recorder.waitFor((clusters) => clusters.every((cluster) => cluster.name !== 'api'));
    await dir.writeAtomic('clusters/api.yaml', INVALID);
    await waitFor(() => rejections(logger).length === 3, { what: 'the third rejection' });
    expect(rejections(logger)[2]).toBe(`${NOTHING}${PROBLEM}`);
  });

  it('says nothing is in force for a file that never passed, however often it is edited', async () => {
    const { logger, dir } = await startMemoryWriter();
    await dir.writeAtomic('clusters/api.yaml', INVALID);
    await waitFor(() => rejections(logger).length === 1, { what: 'the rejection' });
    await dir.writeAtomic('clusters/api.yaml', `${INVALID}# still no discovery\n`);
    await waitFor(() => rejections(logger).length === 2, { what: 'the second rejection' });
    expect(rejections(logger)).toEqual([`${NOTHING}${PROBLEM}`, `${NOTHING}${PROBLEM}`]);
  });
});
