import Type from 'typebox';
import type { Static } from 'typebox';

/** `host:port` of one ensemble member (IPv6 literals in brackets). */
const HostPort = Type.String({
  pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):[0-9]{1,5}$',
  description: 'One ZooKeeper server as "host:port", e.g. "zk01:2181".',
});

/** An absolute znode path without a trailing slash (1.0 produced `//` with one). */
const znodePath = (description: string) =>
  Type.String({ pattern: '^(/[A-Za-z0-9_.:@-]+)+$', description });

/** `discovery/zookeeper.yaml`: the two keys of lighthouse 1.0 plus optional session settings. */
export const ZooKeeperConfig = Type.Object(
  {
    hosts: Type.Array(HostPort, {
      minItems: 1,
      description: 'The ensemble: a list of "host:port" strings (lighthouse 1.0 key).',
    }),
    path: znodePath(
      'Base path, absolute, no trailing slash: service "web" lives at <path>/web, one ephemeral znode <host>:<port> per node (lighthouse 1.0 key). Changing it splits the fleet until every machine agrees.',
    ),
    session_timeout: Type.Optional(
      Type.Number({
        minimum: 1,
        maximum: 3_600,
        default: 10,
        description:
          'Requested session timeout in seconds (default 10). The server clamps it to [2, 20] × tickTime; a SIGKILLed reporter disappears after about this long, and a client that cannot reconnect for this long opens a new session and registers again.',
      }),
    ),
    chroot: Type.Optional(
      znodePath(
        'Optional chroot appended to the connection string; every path is relative to it. The chroot znode must exist.',
      ),
    ),
    auth: Type.Optional(
      Type.Object(
        {
          scheme: Type.Literal('digest', {
            description: 'Authentication scheme; only "digest" is supported.',
          }),
          credentials: Type.String({
            pattern: '^[^:\\s]+:[^\\s]+$',
            description:
              'Digest credentials "user:password". Znodes we create (missing parents included) get an ACL: anyone may read, only this identity may change them. ZooKeeper checks deletes against the parent, so a parent created earlier with an open ACL lets anyone delete its children.',
          }),
        },
        {
          additionalProperties: false,
          description: 'Digest authentication for the session and ACLs.',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ZooKeeperConfig = Static<typeof ZooKeeperConfig>;
