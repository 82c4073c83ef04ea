import type { Logger } from '@lighthouse/core';

/**
 * Logs each of the renderer's warnings once, when it appears (a node's bad metadata, a skipped
 * node), not again on every safety-net sync: each names its cluster, node and value, so a
 * changed value is logged anew, and one that went away and comes back is logged again.
 */
export class WarningsOnce {
  private current = new Set<string>();

  constructor(private readonly logger: Logger) {}

  log(warnings: readonly string[]): void {
    const next = new Set(warnings);
    for (const warning of next) if (!this.current.has(warning)) this.logger.warn(warning);
    this.current = next;
  }
}
