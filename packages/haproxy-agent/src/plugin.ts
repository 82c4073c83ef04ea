import { ConfigError, defineAgent } from '@lighthouse/core';
import type { Agent, AgentContext, AgentPortState } from '@lighthouse/core';
import { agentReply } from './reply.js';
import { configProblems, HAProxyAgentConfig } from './schema.js';
import { startAgentServer } from './server.js';
import type { AgentServer } from './server.js';
import { WeightSource } from './weight-source.js';

/**
 * `create` waits this long at most for the first read of the weight file, so the first answers
 * already use the metric; a read that hangs (a dead network file system) only delays the metric,
 * never the agent (the fallback weight applies meanwhile).
 */
const FIRST_READ_WAIT_MS = 500;

/** The weight when the config has no `weight` section: the server's configured weight, unchanged. */
const FULL_WEIGHT = 100;

async function createAgent(config: HAProxyAgentConfig, context: AgentContext): Promise<Agent> {
  // Core validated the section already; this guards embedders that create the agent directly.
  const problems = configProblems(config);
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((problem) => ({
        file: `services/${context.service}`,
        pointer: `/agent${problem.pointer}`,
        message: problem.message,
      })),
    );
  }
  const log = context.log.child({ service: context.service, agent_port: config.port });
  const source =
    config.weight === undefined
      ? undefined
      : new WeightSource({ config: config.weight, intervalMs: config.interval * 1000, log });
  let ports: readonly AgentPortState[] = [];
  const weight = (): number => source?.current() ?? FULL_WEIGHT;

  if (source !== undefined) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      source.start(),
      new Promise((resolve) => (timer = setTimeout(resolve, FIRST_READ_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }
  let server: AgentServer;
  try {
    server = await startAgentServer({
      host: config.listen_address,
      port: config.port,
      reply: () => agentReply(ports, weight()),
      log,
      owner: `the haproxy agent of service "${context.service}"`,
    });
  } catch (error) {
    await source?.stop();
    throw error;
  }
  context.debug('listening on %s:%d', server.address.host, server.address.port);
  log.info('haproxy agent listening', { address: server.address.host });

  let closing: Promise<void> | undefined;
  return {
    metadata: { agent_port: config.port, agent_inter: config.interval },
    update(next) {
      ports = [...next];
    },
    close() {
      closing ??= Promise.all([server.close(), source?.stop()]).then(() => undefined);
      return closing;
    },
  };
}

/**
 * The `haproxy` agent: answers HAProxy's agent checks (`agent-check agent-port <port>`) for one
 * service from the reporter's live state — always operational word, admin word and weight, e.g.
 * `up ready 75%` — with the weight from an optional metric file. See {@link agentReply}.
 */
export default defineAgent({
  name: 'haproxy',
  description:
    'Answers HAProxy agent checks from the reporter’s live state: up/down, ready/drain/maint and a weight from a metric file.',
  configSchema: HAProxyAgentConfig,
  validateConfig: configProblems,
  create: createAgent,
});
