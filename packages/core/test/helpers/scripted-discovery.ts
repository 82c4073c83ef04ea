import Type from 'typebox';
import { waitFor } from '@lighthouse/testing';
import { defineDiscovery } from '@lighthouse/core';
import type { NodesListener } from '@lighthouse/core';

/**
 * A discovery plugin (`scripted`) whose deliveries the test makes itself: `listener()` resolves
 * with the callback of the one cluster the writer watches, so the test can hand it anything —
 * including what no real discovery would (not-objects, hostile names).
 */
export function scriptedDiscovery() {
  let deliver: NodesListener | undefined;
  const plugin = defineDiscovery({
    name: 'scripted',
    configSchema: Type.Object({}),
    create: () => ({
      connect: async () => undefined,
      close: async () => undefined,
      watch: async (_cluster: string, onNodes: NodesListener) => {
        deliver = onNodes;
      },
      unwatch: async () => undefined,
      publish: async () => undefined,
    }),
  });
  return { plugin, listener: () => waitFor(() => deliver, { what: 'the watch of web' }) };
}
