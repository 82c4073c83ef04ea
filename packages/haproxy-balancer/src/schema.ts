import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The `haproxy` balancer's two config shapes: balancers/haproxy.yaml and the `haproxy:` section
 * of clusters/<name>.yaml. Every lighthouse 1.0 key keeps its meaning; new keys are optional.
 * What a schema cannot express (directive lines, names, addresses) is checked by validate.ts.
 */

/** Control characters (C0, DEL, C1, Unicode line separators) as a regex class body. */
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';

/** Control characters plus what HAProxy reads as syntax in a word: space, quotes, #, backslash. */
const SYNTAX = `${CONTROL} "'#\\\\`;

/** An absolute path used only as a command-line argument. */
const ARGUMENT_PATH = `^/[^${CONTROL}]*$`;

/** An absolute path written into haproxy.cfg or `-S <path>,<options>` (where `,` is syntax). */
const CONFIG_PATH = `^/[^${SYNTAX},]*$`;

const Path = (pattern: string, description: string) =>
  Type.String({ pattern, minLength: 2, description });

const Port = (description: string) => Type.Integer({ minimum: 1, maximum: 65535, description });

const Lines = (description: string) =>
  Type.Array(Type.String({ description: 'One directive line, e.g. "timeout connect 5s".' }), {
    default: [],
    description,
  });

const Timeout = (description: string) =>
  Type.Union(
    [
      Type.Integer({ minimum: 0, description: 'Milliseconds.' }),
      Type.String({
        pattern: '^[0-9]+(us|ms|s|m|h|d)?$',
        description: 'An HAProxy time: a number with an optional unit (us, ms, s, m, h, d).',
      }),
    ],
    { description },
  );

const BindAddress = (description: string) =>
  Type.String({ minLength: 1, maxLength: 253, description });

const MetaCluster = Type.Object(
  {
    port: Port('Port the meta cluster frontend listens on.'),
    frontend: Type.Optional(
      Lines('Extra lines for the meta cluster frontend (frontend keywords).'),
    ),
  },
  { additionalProperties: false, description: 'A frontend that routes to member clusters by ACL.' },
);

const Upstream = Type.Object(
  {
    host: Type.String({ minLength: 1, description: 'Host name or IP address of the upstream.' }),
    port: Port('Port of the upstream.'),
    max_conn: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Rendered as "maxconn" on the server line.' }),
    ),
  },
  { additionalProperties: false, description: 'One server of a proxy.' },
);

const Proxy = Type.Object(
  {
    port: Port('Local port the proxy listens on.'),
    upstreams: Type.Array(Upstream, { minItems: 1, description: 'Servers to forward to.' }),
    options: Type.Optional(Lines('Extra lines for the listen section (listen keywords).')),
    bind_address: Type.Optional(
      BindAddress('Address to listen on; defaults to the top-level bind_address.'),
    ),
  },
  { additionalProperties: false, description: 'A static proxy (a "listen" section).' },
);

const Stats = Type.Object(
  {
    port: Port('Port of the stats page.'),
    uri: Type.Optional(
      Type.String({
        pattern: `^/[^${SYNTAX}]*$`,
        default: '/',
        description: 'Path of the stats page; starts with "/".',
      }),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          client: Type.Optional(
            Timeout(
              'Rendered as "timeout client": milliseconds, or an HAProxy time such as "30s".',
            ),
          ),
          connect: Type.Optional(
            Timeout(
              'Rendered as "timeout connect": milliseconds, or an HAProxy time such as "5s".',
            ),
          ),
          server: Type.Optional(
            Timeout(
              'Rendered as "timeout server": milliseconds, or an HAProxy time such as "30s".',
            ),
          ),
        },
        { additionalProperties: false, description: 'Timeouts of the stats listener.' },
      ),
    ),
  },
  { additionalProperties: false, description: "HAProxy's stats web page." },
);

/** balancers/haproxy.yaml. */
export const HAProxyConfig = Type.Object(
  {
    config_file: Path(ARGUMENT_PATH, 'Where the generated haproxy.cfg is written.'),
    socket_file: Path(
      CONFIG_PATH,
      'The admin socket lighthouse declares (it writes the `stats socket` line itself) and talks to.',
    ),
    pid_file: Path(ARGUMENT_PATH, "HAProxy's PID file."),
    global: Type.Optional(Lines('Lines for the "global" section.')),
    defaults: Type.Optional(Lines('Lines for the "defaults" section.')),
    bind_address: Type.Optional(
      BindAddress(
        'Address every frontend, proxy and the stats page listen on: an IP, a host name, or "*" (or "0.0.0.0") for all interfaces. Default 127.0.0.1 (lighthouse 1.0 documented "localhost" but bound all interfaces).',
      ),
    ),
    meta_clusters: Type.Optional(
      Type.Record(Type.String(), MetaCluster, { description: 'Meta clusters by name.' }),
    ),
    proxies: Type.Optional(Type.Record(Type.String(), Proxy, { description: 'Proxies by name.' })),
    stats: Type.Optional(Stats),
    restart_interval: Type.Optional(
      Type.Number({
        minimum: 0,
        default: 2,
        description: 'Minimum seconds between two HAProxy reloads.',
      }),
    ),
    peer_name: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.:-]{1,64}$',
        description:
          "This HAProxy's name in `peers` sections (rendered as `localpeer`); default: the host name.",
      }),
    ),
    peer_address: Type.Optional(
      Type.String({
        pattern: '^([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}$',
        description:
          'Where this HAProxy listens for its peers when no node advertises its peer (ip:port or [ipv6]:port); default 127.0.0.1:1024.',
      }),
    ),
    peers_reload_delay: Type.Optional(
      Type.Number({
        minimum: 0,
        default: 10,
        description:
          'Seconds a change of peers alone waits before the reload that applies it (changes meanwhile share it).',
      }),
    ),
    removal_timeout: Type.Optional(
      Type.Number({
        minimum: 0,
        default: 30,
        description:
          'Seconds a removed server (already out of rotation) may keep its connections before they are shut down (`shutdown sessions server`) and it is deleted.',
      }),
    ),
    haproxy_binary: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: `^[^${CONTROL}]*$`,
        default: 'haproxy',
        description: 'The HAProxy executable: a path, or a name looked up on PATH.',
      }),
    ),
    server_state_file: Type.Optional(
      Path(CONFIG_PATH, 'Keeps server state (maintenance, weights) across reloads.'),
    ),
    master_socket: Type.Optional(
      Path(CONFIG_PATH, "HAProxy's master CLI socket, used for seamless reloads."),
    ),
  },
  { additionalProperties: false, description: 'The haproxy balancer (balancers/haproxy.yaml).' },
);
/** A validated balancers/haproxy.yaml. */
export type HAProxyConfig = Static<typeof HAProxyConfig>;

/** The `haproxy:` section of clusters/<name>.yaml. */
export const HAProxyClusterConfig = Type.Object(
  {
    port: Type.Optional(Port('If set, a frontend for this cluster listens on this port.')),
    acl: Type.Optional(
      Type.String({
        description:
          'For a member of a meta cluster: the ACL criterion routing to this cluster in the meta cluster\'s frontend, e.g. "path_beg /api".',
      }),
    ),
    frontend: Type.Optional(Lines("Extra lines for the cluster's frontend (frontend keywords).")),
    backend: Type.Optional(Lines("Extra lines for the cluster's backend (backend keywords).")),
    server_options: Type.Optional(
      Type.String({
        default: '',
        description:
          'Server keywords appended to every server line, e.g. "check inter 2s slowstart 30s"; validated as HAProxy server keywords (lighthouse 1.0 pasted them verbatim).',
      }),
    ),
  },
  { additionalProperties: false, description: 'How the haproxy balancer serves this cluster.' },
);
/** A validated `haproxy:` cluster section. */
export type HAProxyClusterConfig = Static<typeof HAProxyClusterConfig>;
