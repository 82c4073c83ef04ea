import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../src/recording-logger.js';

describe('recordingLogger', () => {
  it('records every line, children included with their fields merged', () => {
    const log = recordingLogger();
    log.info('started', { port: 1 });
    const child = log.child({ service: 'web' }).child({ port: 2 });
    child.warn('slow', { port: 3 });
    child.error('failed');
    expect(log.lines).toEqual([
      { level: 'info', message: 'started', fields: { port: 1 } },
      { level: 'warn', message: 'slow', fields: { service: 'web', port: 3 } },
      { level: 'error', message: 'failed', fields: { service: 'web', port: 2 } },
    ]);
    expect(log.at('warn').map((line) => line.message)).toEqual(['slow']);
    expect(log.matching('error', 'failed')).toHaveLength(1);
    expect(log.matching('error', 'slow')).toEqual([]);
  });
});
