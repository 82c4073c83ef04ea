import Type from 'typebox';
import type { Static } from 'typebox';

/**
 * The `checks.tcp` section of a service file. `query` and `response` come together or not at all;
 * `dependentRequired` says so in the schema itself, with a message naming the missing key
 * ("must have properties response when property query is present"), which is clearer than the
 * error pile a union of two object shapes produces. The engine-owned keys (`rise`, `fall`,
 * `timeout`) are stripped by core before this schema sees the section.
 */
export const TcpCheckConfig = Type.Object(
  {
    query: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Text to send once connected, exactly as given: no newline is added, so write "PING\\r\\n" (double-quoted YAML) when the server needs one. Requires response.',
      }),
    ),
    response: Type.Optional(
      Type.String({
        description:
          'Expected first line of the reply (up to the first newline, or everything received if the server closes first), compared exactly after removing one trailing "\\r"; a trailing "\\r\\n" or "\\n" here is ignored. Requires query.',
      }),
    ),
  },
  { additionalProperties: false, dependentRequired: { query: ['response'], response: ['query'] } },
);

/** The validated `checks.tcp` section. */
export type TcpCheckConfig = Static<typeof TcpCheckConfig>;
