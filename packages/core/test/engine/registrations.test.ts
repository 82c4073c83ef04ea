import { describe, expect, it } from 'vitest';
import type { Discovery, Registration } from '../../src/contracts/discovery.js';
import { RegistrationReconciler } from '../../src/engine/registrations.js';
import { silentLogger } from '../../src/log.js';
import { waitFor } from '@lighthouse/testing';

/** A discovery whose register() resolves only when the test says so. */
function slowDiscovery() {
  const registered: Registration[] = [];
  let release: (() => void) | undefined;
  const discovery: Discovery = {
    connect: async () => undefined,
    close: async () => undefined,
    watch: async () => undefined,
    unwatch: async () => undefined,
    register: (registration) =>
      new Promise<void>((resolve) => {
        release = () => {
          registered.push(registration);
          resolve();
        };
      }),
    deregister: async () => undefined,
  };
  return { discovery, registered, started: () => release !== undefined, finish: () => release?.() };
}

const registration: Registration = {
  service: 'web',
  node: { host: 'app01', ip: '10.0.0.7', port: 8080, metadata: {} },
};

describe('RegistrationReconciler', () => {
  it('does not count a registration that finished on an instance replaced meanwhile', async () => {
    const old = slowDiscovery();
    const successor = slowDiscovery();
    let current = old.discovery;
    const reconciler = new RegistrationReconciler(() => current, silentLogger);
    reconciler.want('web:8080', 'zk', registration);
    await waitFor(old.started, { what: 'register() on the old instance' });
    current = successor.discovery; // the pool switched instances while register() ran
    reconciler.forget('zk');
    old.finish(); // …and the old call succeeds late
    await waitFor(successor.started, { what: 'register() on the successor' });
    expect(reconciler.isRegistered('web:8080')).toBe(false);
    successor.finish();
    await waitFor(() => reconciler.isRegistered('web:8080'), {
      what: 'registration on the successor',
    });
    expect(successor.registered).toEqual([registration]);
  });
});
