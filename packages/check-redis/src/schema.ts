import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The `checks.redis` section of a service file: optional credentials for `AUTH`. The
 * engine-owned keys (`rise`, `fall`, `timeout`) are stripped by core before this schema sees it.
 */
export const RedisCheckConfig = Type.Object(
  {
    password: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Password sent with AUTH before PING: the server's requirepass, or the ACL user's password when username is set.",
      }),
    ),
    username: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Redis 6+ ACL user for AUTH (default: the "default" user). Requires password.',
      }),
    ),
  },
  { additionalProperties: false, dependentRequired: { username: ['password'] } },
);

/** The validated `checks.redis` section. */
export type RedisCheckConfig = Static<typeof RedisCheckConfig>;
