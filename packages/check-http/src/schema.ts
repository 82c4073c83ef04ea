import Type from 'typebox';
import type { Static } from 'typebox';

/** The request methods the check may send; lighthouse 1.0 accepted any, these are the sane ones. */
export const HttpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const;

/** One of {@link HttpMethods}. */
export type HttpMethod = (typeof HttpMethods)[number];

/**
 * The `checks.http` section of a service file. The engine-owned keys (`rise`, `fall`, `timeout`)
 * are stripped by core before this schema sees the section, so they are deliberately absent.
 */
export const HttpCheckConfig = Type.Object(
  {
    uri: Type.String({
      // Printable ASCII only: anything else would be sent raw on the request line (or make Node
      // throw), so users percent-encode it; this also rules out whitespace and control characters.
      pattern: '^/[!-~]*$',
      description:
        'Path (and optional query string) to request, starting with "/"; printable ASCII without spaces (percent-encode anything else).',
    }),
    method: Type.Optional(
      Type.Enum(HttpMethods, { default: 'GET', description: 'HTTP method of the request.' }),
    ),
    https: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Connect with TLS (HTTPS) instead of plain HTTP.',
      }),
    ),
    host: Type.Optional(
      Type.String({
        pattern: '^[!-~]+$',
        description:
          'Host header to send instead of "<host>:<port>" of the checked instance (name-based virtual hosts); with https it also selects the TLS server name.',
      }),
    ),
    insecure: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'With https, accept any server certificate (self-signed, expired, wrong name) instead of verifying it.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The validated `checks.http` section. */
export type HttpCheckConfig = Static<typeof HttpCheckConfig>;
