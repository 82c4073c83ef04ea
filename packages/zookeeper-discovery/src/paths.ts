import { hostProblem, nameProblem, nodeName, PayloadError, portProblem } from '@lighthouse/core';
import type { Node } from '@lighthouse/core';

/**
 * The lighthouse 1.0 znode layout: `<path>/<service>/<host>:<port>`. Names are checked before
 * they become paths, so a service called `a/b` or a host with a newline never reaches ZooKeeper.
 */
export class ZnodePaths {
  /** @param base Absolute, without a trailing slash (the schema enforces it; 1.0 wrote `//`). */
  constructor(private readonly base: string) {}

  /** `<path>/<name>`: a cluster the writer watches, or a service the reporter registers in. */
  cluster(name: string): string {
    const problem = nameProblem(name);
    if (problem !== undefined) throw new PayloadError('cluster or service name', problem);
    return `${this.base}/${name}`;
  }

  /** `<path>/<service>/<host>:<port>`: the ephemeral znode of one registered node. */
  node(service: string, node: Pick<Node, 'host' | 'port'>): string {
    const problem = hostProblem(node.host) ?? portProblem(node.port);
    if (problem !== undefined) throw new PayloadError(`node of service "${service}"`, problem);
    return `${this.cluster(service)}/${nodeName(node)}`;
  }
}

/** `/a/b/c` → `['/a', '/a/b']`: the ancestors to create, top-down, without the root. */
export function ancestors(path: string): string[] {
  const parts = path.split('/').slice(1, -1);
  return parts.map((_, index) => `/${parts.slice(0, index + 1).join('/')}`);
}
