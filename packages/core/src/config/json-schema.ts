import type { TSchema } from 'typebox';
import type { PluginResolver } from '../contracts/resolver.js';
import type { PluginKind, PluginOf } from '../define.js';
import { debugFor } from '../log.js';
import { isJsonObject } from './plain-json.js';
import type { JsonObject } from './plain-json.js';
import {
  CheckSection,
  ClusterFile,
  LoggingFile,
  ReporterFile,
  ServiceFile,
  WriterFile,
} from './schemas.js';

/**
 * JSON Schema documents for editors (`lighthouse schema`): core's schemas with the sections of
 * the plugins installed here filled in, so an editor completes `haproxy:` in a cluster file and
 * `http:` under a service's checks, and flags keys nothing knows.
 */

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';
const debug = debugFor('core:config:json-schema');

/** A TypeBox schema as plain JSON (TypeBox keeps its own markers out of enumeration). */
function toJson(schema: TSchema): JsonObject {
  return JSON.parse(JSON.stringify(schema)) as JsonObject;
}

function document(title: string, description: string, schema: JsonObject): JsonObject {
  return { $schema: DRAFT, title, ...schema, description };
}

function propertiesOf(properties: Record<string, TSchema>): JsonObject {
  return Object.fromEntries(
    Object.entries(properties).map(([key, schema]) => [key, toJson(schema)]),
  );
}

/** The installed plugins of a kind; one that fails to load is left out (`lighthouse plugins` says why). */
async function installed<K extends PluginKind>(
  resolver: PluginResolver,
  kind: K,
): Promise<PluginOf<K>[]> {
  const plugins = await Promise.all(
    resolver.names(kind).map(async (name) => {
      try {
        return [await resolver.resolve(kind, name)];
      } catch (error) {
        debug('left out %s plugin %s: %O', kind, name, error);
        return [];
      }
    }),
  );
  return plugins.flat();
}

/** A check section: the engine's keys merged into the plugin's object schema. */
function checkSchema(name: string, pluginSchema: TSchema): JsonObject {
  const plugin = toJson(pluginSchema);
  const description = `The ${name} check: \`rise\`, \`fall\` and \`timeout\` are lighthouse's, the other keys the plugin's.`;
  // Only an object schema can be merged key by key; otherwise the plugin's keys go unchecked.
  if (plugin['type'] !== 'object' || !isJsonObject(plugin['properties']))
    return { ...toJson(CheckSection), description };
  return {
    ...plugin,
    description,
    properties: { ...propertiesOf(CheckSection.properties), ...plugin['properties'] },
    required: [
      ...CheckSection.required,
      ...(Array.isArray(plugin['required']) ? plugin['required'] : []),
    ],
  };
}

/** A service's `agent:` section: one branch per installed agent plugin, with core's `type`. */
function agentSchema(agents: readonly PluginOf<'agents'>[]): JsonObject | undefined {
  const branches = agents.flatMap((plugin) => {
    const schema = toJson(plugin.configSchema);
    if (schema['type'] !== 'object' || !isJsonObject(schema['properties'])) return [];
    const type = {
      const: plugin.name,
      description: `The agent plugin${agents.length === 1 ? ' (may be left out: it is the only one installed)' : ''}.`,
    };
    return [{ ...schema, properties: { ...schema['properties'], type } }];
  });
  if (branches.length === 0) return undefined;
  const description = toJson(ServiceFile.properties.agent)['description'] ?? '';
  const [only] = branches;
  return branches.length === 1 && only !== undefined
    ? { ...only, description }
    : { anyOf: branches, description };
}

/**
 * The JSON Schemas of every file type: `logging`, `reporter`, `writer`, `cluster`, `service`, and
 * `balancer-<name>` / `discovery-<name>` for each installed balancer and discovery plugin.
 */
export async function configJsonSchemas(resolver: PluginResolver): Promise<Record<string, object>> {
  const [balancers, discoveries, checks, agents] = await Promise.all([
    installed(resolver, 'balancers'),
    installed(resolver, 'discovery'),
    installed(resolver, 'checks'),
    installed(resolver, 'agents'),
  ]);
  const agent = agentSchema(agents);
  const sections = Object.fromEntries(
    balancers.map((plugin) => [
      plugin.name,
      {
        ...toJson(plugin.clusterSchema),
        description: `Options of the ${plugin.name} balancer for this cluster.`,
      },
    ]),
  );
  const checksSchema = ServiceFile.properties.checks;
  const schemas: Record<string, object> = {
    logging: document(
      'logging.yaml',
      'lighthouse logging settings (lighthouse 1.0 dictConfig keys accepted).',
      toJson(LoggingFile),
    ),
    reporter: document(
      'reporter.yaml',
      "The reporter's own settings: its state directory, the health proxy and the metrics exporter.",
      toJson(ReporterFile),
    ),
    writer: document(
      'writer.yaml',
      "The writer's own settings: its state directory and the metrics exporter.",
      toJson(WriterFile),
    ),
    cluster: document(
      'clusters/<name>.yaml',
      'A service this machine consumes: its discovery method and one section per balancer.',
      {
        ...toJson(ClusterFile),
        properties: { ...propertiesOf(ClusterFile.properties), ...sections },
        additionalProperties: false,
      },
    ),
    service: document(
      'services/<name>.yaml',
      'A service this machine provides: its ports, discovery method and health checks.',
      {
        ...toJson(ServiceFile),
        properties: {
          ...propertiesOf(ServiceFile.properties),
          ...(agent === undefined ? {} : { agent }),
          checks: {
            ...toJson(checksSchema),
            properties: {
              ...propertiesOf(checksSchema.properties),
              ...Object.fromEntries(
                checks.map((plugin) => [
                  plugin.name,
                  checkSchema(plugin.name, plugin.configSchema),
                ]),
              ),
            },
            additionalProperties: false,
          },
        },
      },
    ),
  };
  for (const plugin of balancers) {
    schemas[`balancer-${plugin.name}`] = document(
      `balancers/${plugin.name}.yaml`,
      plugin.description ?? `The ${plugin.name} balancer.`,
      toJson(plugin.configSchema),
    );
  }
  for (const plugin of discoveries) {
    schemas[`discovery-${plugin.name}`] = document(
      `discovery/${plugin.name}.yaml`,
      plugin.description ?? `The ${plugin.name} discovery method.`,
      toJson(plugin.configSchema),
    );
  }
  return schemas;
}
