import Type from 'typebox';
import type { Static } from 'typebox';
import { LogFormats, LogLevels } from '../log.js';

/**
 * TypeBox schemas of the files core owns, named like jest's (`export const X` plus
 * `export type X`). Each property carries a `description`: it ends up in the JSON Schemas that
 * `lighthouse schema` writes for editors. Plugin-owned sections (a cluster's `haproxy:`, a
 * service's `http:` check) are open here and validated against the plugin's own schema; names
 * and hosts are checked by the validators with the same rules as everything else that reaches
 * HAProxy (`nameProblem`, `hostProblem`), not by patterns here.
 */

const Port = (description: string) => Type.Integer({ minimum: 1, maximum: 65535, description });

const dictConfigSection = (what: string) =>
  Type.Record(Type.String(), Type.Unknown(), {
    description: `lighthouse 1.0 compatibility (Python logging.config.dictConfig ${what}); accepted and ignored.`,
  });

/** `logging.yaml`: the daemon's level and format, plus lighthouse 1.0's dictConfig keys. */
export const LoggingFile = Type.Object(
  {
    level: Type.Optional(
      Type.Enum(LogLevels, {
        description:
          "Daemon log level. Default: `root.level`, else the command line's --log-level, else info.",
      }),
    ),
    format: Type.Optional(
      Type.Enum(LogFormats, {
        description:
          'Log line format: "pretty" for people, "json" for one JSON object per line. Default: the command line\'s --log-format, else pretty on a terminal and json otherwise.',
      }),
    ),
    version: Type.Optional(
      Type.Integer({
        description: 'lighthouse 1.0 compatibility (dictConfig schema version); ignored.',
      }),
    ),
    disable_existing_loggers: Type.Optional(
      Type.Boolean({ description: 'lighthouse 1.0 compatibility (dictConfig); ignored.' }),
    ),
    incremental: Type.Optional(
      Type.Boolean({ description: 'lighthouse 1.0 compatibility (dictConfig); ignored.' }),
    ),
    filters: Type.Optional(dictConfigSection('filters')),
    formatters: Type.Optional(dictConfigSection('formatters')),
    handlers: Type.Optional(dictConfigSection('handlers')),
    loggers: Type.Optional(dictConfigSection('loggers')),
    root: Type.Optional(
      Type.Object(
        {
          level: Type.Optional(
            Type.String({
              description:
                'Python level name (DEBUG, INFO, WARNING, ERROR, CRITICAL; any case): the daemon log level when `level` is not set.',
            }),
          ),
        },
        {
          additionalProperties: true,
          description:
            'lighthouse 1.0 compatibility (dictConfig root logger); only `level` is used.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
/** The validated shape of {@link LoggingFile}. */
export type LoggingFile = Static<typeof LoggingFile>;

/** A daemon's state directory when its settings file (`reporter.yaml`, `writer.yaml`) sets none. */
export const DEFAULT_STATE_DIR = '/var/lib/lighthouse';

/** The `state_dir` key both daemons' settings files have; `holds` says what the daemon keeps there. */
const StateDir = (daemon: string, holds: string) =>
  Type.Optional(
    Type.String({
      minLength: 1,
      description: `Absolute path where the ${daemon} keeps its state: ${holds}. Created (mode 0755) if missing. Default ${DEFAULT_STATE_DIR}.`,
    }),
  );

/** The `metrics` section both daemons' settings files have: where `/metrics` is served. */
const MetricsSection = (daemon: string) =>
  Type.Optional(
    Type.Object(
      {
        listen: Type.String({
          description: `host:port of the ${daemon}'s Prometheus exporter, e.g. "127.0.0.1:${daemon === 'reporter' ? 9102 : 9101}" or "[::1]:${daemon === 'reporter' ? 9102 : 9101}"; the reporter and the writer each need their own port. It is unauthenticated: keep it on loopback, or on an address only your Prometheus can reach.`,
        }),
      },
      {
        additionalProperties: false,
        description: `Prometheus metrics of the ${daemon} and its plugins, served on GET /metrics. Absent: no listener (metrics are still recorded).`,
      },
    ),
  );

/** `reporter.yaml`: the reporter's own settings; every key is optional. */
export const ReporterFile = Type.Object(
  {
    state_dir: StateDir(
      'reporter',
      'maintenance entries in <state_dir>/maintenance/ (written by `lighthouse down`) and its control socket <state_dir>/reporter.sock (mode 0600), which `lighthouse status` asks',
    ),
    health_proxy: Type.Optional(
      Type.Object(
        {
          listen: Type.String({
            description:
              'host:port of the health proxy, e.g. "127.0.0.1:3333" or "[::1]:3333". It answers HAProxy\'s httpchk from the reporter\'s latest check results and maintenance entries (it never proxies a request or runs a check); keep it on loopback unless other machines must ask.',
          }),
        },
        {
          additionalProperties: false,
          description:
            'hacheck-compatible HTTP health endpoint (GET|HEAD|OPTIONS /<protocol>/<service>/<port>/…, /spool/<service>/<port>/…, /status). Absent: no listener.',
        },
      ),
    ),
    metrics: MetricsSection('reporter'),
    peer: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(
            Type.String({
              minLength: 1,
              description:
                "The peer's name, as the writers' HAProxy `localpeer` must name it. Default: the advertised host.",
            }),
          ),
          ip: Type.Optional(
            Type.String({
              minLength: 1,
              description: "The peer's address. Default: the advertised IP.",
            }),
          ),
          port: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 65535,
              default: 1024,
              description: "The peer's port (lighthouse 1.0's constant 1024).",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            "Advertise this machine's HAProxy peer on every registered node, as lighthouse 1.0 did (for stick-table replication between writers). Writers render it only for clusters whose config uses their `peers` section (a `stick-table … peers <cluster>` line). Absent: no peer is advertised.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);
/** The validated shape of {@link ReporterFile}. */
export type ReporterFile = Static<typeof ReporterFile>;

/** `writer.yaml`: the writer's own settings; every key is optional. */
export const WriterFile = Type.Object(
  {
    state_dir: StateDir(
      'writer',
      'its control socket <state_dir>/writer.sock (mode 0600), which `lighthouse status` asks for the clusters, their members and the last sync. Both daemons may share one directory',
    ),
    metrics: MetricsSection('writer'),
  },
  { additionalProperties: false },
);
/** The validated shape of {@link WriterFile}. */
export type WriterFile = Static<typeof WriterFile>;

/** A cluster file's balancer section (`haproxy:`); its content is the balancer plugin's. */
const BalancerSection = Type.Record(Type.String(), Type.Unknown(), {
  description:
    "A balancer section: the key names a balancer plugin (e.g. `haproxy`), the value holds that balancer's options for this cluster.",
});

/** `clusters/<name>.yaml`: a service this machine consumes. Every other key is a balancer section. */
export const ClusterFile = Type.Object(
  {
    discovery: Type.String({
      description:
        'Discovery method that finds the cluster\'s members (a file discovery/<name>.yaml configures it), e.g. "zookeeper".',
    }),
    meta_cluster: Type.Optional(
      Type.String({
        description:
          'Meta cluster this cluster belongs to; its port comes from the balancer config (haproxy: `meta_clusters`).',
      }),
    ),
    name: Type.Optional(
      Type.String({
        description:
          'Cluster name (discovery path segment, load-balancer proxy name). Default: the file name.',
      }),
    ),
  },
  { additionalProperties: BalancerSection },
);
/** The validated shape of {@link ClusterFile}. */
export type ClusterFile = Static<typeof ClusterFile>;

/** The keys of a check section that lighthouse owns; every other key belongs to the check plugin. */
export const CheckEngineKeys = Type.Object(
  {
    rise: Type.Integer({
      minimum: 1,
      description: 'Consecutive passes before the service counts as up.',
    }),
    fall: Type.Integer({
      minimum: 1,
      description: 'Consecutive failures before the service counts as down.',
    }),
    timeout: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'Seconds one run of the check may take before it counts as failed. Default: the interval.',
      }),
    ),
  },
  { additionalProperties: false },
);
/** The validated shape of {@link CheckEngineKeys}. */
export type CheckEngineKeys = Static<typeof CheckEngineKeys>;

/** One check of a service: the engine's keys plus the plugin's own (validated by the plugin). */
export const CheckSection = Type.Object(CheckEngineKeys.properties, {
  additionalProperties: true,
  description:
    "A check: the key names a check plugin (http, tcp, redis…); `rise`, `fall` and `timeout` are lighthouse's, every other key is the plugin's.",
});
/** The validated shape of {@link CheckSection}. */
export type CheckSection = Static<typeof CheckSection>;

/** Where a service's checks connect when its file sets no `host`. */
export const DEFAULT_CHECK_HOST = '127.0.0.1';

/** `services/<name>.yaml`: a service this machine provides. */
export const ServiceFile = Type.Object(
  {
    port: Type.Optional(
      Port(
        'The port the service listens on. This or `ports` is required; with both, it must be one of `ports`.',
      ),
    ),
    ports: Type.Optional(
      Type.Array(Port('A port the service listens on.'), {
        minItems: 1,
        description: 'Several ports of the service, each checked and registered on its own.',
      }),
    ),
    discovery: Type.String({
      description:
        'Discovery method to register in (a file discovery/<name>.yaml configures it), e.g. "zookeeper".',
    }),
    host: Type.Optional(
      Type.String({
        default: DEFAULT_CHECK_HOST,
        description: `Host the checks connect to (not the address that is advertised). Default ${DEFAULT_CHECK_HOST}.`,
      }),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        default: {},
        description: 'Free-form data published with every node of the service (JSON-compatible).',
      }),
    ),
    advertise: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(
            Type.String({
              description:
                "Host name registered for this service (the znode name <host>:<port>). Default: the reporter's --advertise-host, else the machine's host name.",
            }),
          ),
          ip: Type.Optional(
            Type.String({
              description:
                "Address consumers connect to for this service. Default: the reporter's --advertise-ip, else the default-route interface's address.",
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'What to register for this service instead of the reporter-wide defaults (e.g. a service bound to another interface).',
        },
      ),
    ),
    name: Type.Optional(
      Type.String({
        description: 'Service name (the discovery path segment). Default: the file name.',
      }),
    ),
    agent: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "An agent load balancers ask about this service (HAProxy agent-check: `agent: {port: 5555, weight: {file: …}}`). `type` names the agent plugin (default: the only one installed); every other key is the plugin's.",
      }),
    ),
    checks: Type.Object(
      {
        interval: Type.Number({
          exclusiveMinimum: 0,
          description: 'Seconds between check rounds (fractions allowed).',
        }),
      },
      {
        additionalProperties: CheckSection,
        description:
          'How the service is checked: `interval` plus at least one check, keyed by check plugin.',
      },
    ),
  },
  { additionalProperties: false },
);
/** The validated shape of {@link ServiceFile}. */
export type ServiceFile = Static<typeof ServiceFile>;
