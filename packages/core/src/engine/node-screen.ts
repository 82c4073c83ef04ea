import { isRecord } from '../is-record.js';
import type { Logger } from '../log.js';
import { printable } from '../model/names.js';
import { nodeProblem } from '../model/node.js';
import type { Node } from '../model/node.js';

/**
 * The writer's screen between discovery and the balancers. Discovery output is untrusted input
 * even from a well-meaning plugin: a node with an invalid address, host or port is left out, and
 * said so once per node and problem — not on every delivery, nor on every sync.
 */
export class NodeScreen {
  /** `nodeProblem` per node object, so unchanged nodes are not checked again. */
  private readonly checked = new WeakMap<Node, string | undefined>();
  /** Per cluster (the writer's entry): the refused nodes of the last delivery, `name\nproblem`. */
  private readonly refused = new WeakMap<object, ReadonlySet<string>>();

  constructor(private readonly logger: Logger) {}

  /** The nodes of `cluster` a balancer may see; warns about each newly refused one. */
  usable(owner: object, cluster: string, nodes: readonly Node[]): Node[] {
    const before = this.refused.get(owner);
    const refused = new Set<string>();
    const usable = nodes.filter((node) => {
      const problem = this.problemOf(node);
      if (problem === undefined) return true;
      const name = nodeLabel(node);
      // By name and problem: two bad nodes under one name must not take turns at being new.
      const key = `${name}\n${problem}`;
      if (before?.has(key) !== true)
        this.logger.warn('discovery reported an unusable node; leaving it out', {
          cluster,
          node: name,
          problem,
        });
      refused.add(key);
      return false;
    });
    this.refused.set(owner, refused);
    return usable;
  }

  /**
   * `nodeProblem`, remembered per node object: a discovery plugin that keeps its unchanged nodes
   * (the ZooKeeper one does) costs one check per changed node, not one per node per delivery.
   */
  private problemOf(node: Node): string | undefined {
    if (typeof node !== 'object' || node === null) return nodeProblem(node);
    if (!this.checked.has(node)) this.checked.set(node, nodeProblem(node));
    return this.checked.get(node);
  }
}

/** `host:port` of a node that may be malformed, quoted safely for a log line. */
function nodeLabel(node: unknown): string {
  const { host, port } = isRecord(node) ? node : {};
  return printable(`${String(host)}:${String(port)}`);
}
