import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingLogger } from '@lighthouse/testing';
import type { Discovery, Registration } from '../../src/contracts/discovery.js';
import { RegistrationPublisher } from '../../src/engine/registration-publisher.js';

/** What an operator reads while discovery is unreachable: one warning, then one recovery line. */
describe('RegistrationPublisher logging', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('warns once per reason while publishing keeps failing, and says when it works again', async () => {
    let failing: Error | undefined = new Error('not connected to ZooKeeper');
    const discovery: Discovery = {
      connect: async () => undefined,
      close: async () => undefined,
      watch: async () => undefined,
      unwatch: async () => undefined,
      publish: async (_registrations: readonly Registration[]) => {
        if (failing !== undefined) throw failing;
      },
    };
    const log = recordingLogger();
    const publisher = new RegistrationPublisher(() => discovery, log);
    publisher.want('web:80', 'zk', {
      service: 'web',
      node: { host: 'a', ip: '10.0.0.1', port: 80, metadata: {} },
    });
    await vi.advanceTimersByTimeAsync(30_000); // many retries with back-off
    expect(log.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
      'publishing registrations failed, will retry',
    ]);
    failing = new Error('no quorum');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(log.lines.filter((line) => line.level === 'warn')).toHaveLength(2);
    failing = undefined;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(publisher.isRegistered('web:80')).toBe(true);
    expect(log.lines.slice(-2).map((line) => line.message)).toEqual([
      'registered',
      'publishing registrations works again',
    ]);
    await publisher.drain(1_000);
  });
});
