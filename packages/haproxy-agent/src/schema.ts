import { isAbsolute } from 'node:path';
import Type from 'typebox';
import type { Static } from 'typebox';
import { hasControlCharacter, ipProblem } from '@lighthouse/core';
import type { PluginConfigIssue } from '@lighthouse/core';

/**
 * The `agent:` section of a service file, for the `haproxy` agent. Core removes its own `type`
 * key before this schema sees the section, applies the defaults below, then runs
 * {@link configProblems} for the rules a schema cannot say (absolute path, one map kind, ordered
 * thresholds). Everything is declarative: there is no expression language and no eval.
 */

/** `map.linear`: a ramp through two points, held flat outside them. */
export const LinearMap = Type.Object(
  {
    from: Type.Tuple([Type.Number(), Type.Number()], {
      description:
        'Two metric values [x0, x1] (different). At x0 the weight is to[0], at x1 it is to[1], in between it moves in a straight line; beyond either end it stays at that end’s weight.',
    }),
    to: Type.Tuple(
      [Type.Number({ minimum: 0, maximum: 100 }), Type.Number({ minimum: 0, maximum: 100 })],
      {
        description:
          'The weights in percent [w0, w1] (0-100) at from[0] and from[1]. Herald’s `pct: 7000` is from: [0, 7000], to: [100, 1].',
      },
    ),
  },
  {
    additionalProperties: false,
    description: 'A straight line from (x0, w0) to (x1, w1), flat outside [x0, x1].',
  },
);

/** One row of `map.thresholds`. */
export const Threshold = Type.Object(
  {
    below: Type.Optional(
      Type.Number({
        description:
          'The row matches when the metric is strictly below this value. Every row but the last has one, in increasing order; the last row has none and matches everything else.',
      }),
    ),
    weight: Type.Integer({
      minimum: 0,
      maximum: 100,
      description: 'The weight in percent (0-100) when this row is the first to match.',
    }),
  },
  { additionalProperties: false },
);

/** `weight.map`: how the metric becomes a weight. Exactly one of its keys. */
export const WeightMap = Type.Object(
  {
    linear: Type.Optional(LinearMap),
    thresholds: Type.Optional(
      Type.Array(Threshold, {
        minItems: 1,
        description:
          'Rows tried in order, the first match wins: {below: N, weight: W} … then a last {weight: W} for everything else.',
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'How the metric becomes a weight: exactly one of linear or thresholds. Without map the metric is the weight in percent.',
  },
);

/** `weight`: where the weight comes from. */
export const WeightSourceConfig = Type.Object(
  {
    file: Type.String({
      minLength: 1,
      description:
        'Absolute path of a small file (at most 4 KiB) holding one number, e.g. written by the service or a cron job. Read every interval.',
    }),
    stale_after: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 86400,
        description:
          'Seconds after the file’s last modification (mtime) when its value no longer counts and the fallback weight applies. Default: 3 × interval. Whatever writes the file must rewrite (or touch) it more often than this.',
      }),
    ),
    map: Type.Optional(WeightMap),
    fallback: Type.Integer({
      minimum: 0,
      maximum: 100,
      default: 100,
      description:
        'Weight in percent (0-100) while the file is missing, unreadable, too large, stale, empty or not a number.',
    }),
  },
  {
    additionalProperties: false,
    description:
      'Where the weight comes from. Without it the weight is always 100% (of the server’s configured weight).',
  },
);

export const HAProxyAgentConfig = Type.Object(
  {
    port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      description:
        'TCP port the agent listens on; HAProxy’s server line says `agent-check agent-port <port>` (the writer adds it from the registration metadata).',
    }),
    listen_address: Type.String({
      default: '0.0.0.0',
      description:
        'IP address to bind. HAProxy runs on other machines and connects to this node’s address, so the default is every interface; the answer only reveals up/down, ready/drain/maint and a weight.',
    }),
    interval: Type.Number({
      minimum: 0.1,
      maximum: 3600,
      default: 2,
      description:
        'Seconds. Advertised to writers as agent_inter (HAProxy’s agent-inter), and how often the weight file is read.',
    }),
    weight: Type.Optional(WeightSourceConfig),
  },
  { additionalProperties: false },
);

/** The validated `agent:` section (defaults applied). */
export type HAProxyAgentConfig = Static<typeof HAProxyAgentConfig>;
export type WeightSourceConfig = Static<typeof WeightSourceConfig>;
export type WeightMap = Static<typeof WeightMap>;
export type Threshold = Static<typeof Threshold>;

/** The rules a schema cannot express; pointers are relative to the `agent:` section. */
export function configProblems(config: HAProxyAgentConfig): PluginConfigIssue[] {
  const problems: PluginConfigIssue[] = [];
  const address = ipProblem(config.listen_address);
  if (address !== undefined) problems.push({ pointer: '/listen_address', message: address });
  const weight = config.weight;
  if (weight === undefined) return problems;
  if (!isAbsolute(weight.file) || hasControlCharacter(weight.file)) {
    problems.push({
      pointer: '/weight/file',
      message: 'must be an absolute path (starting with "/") without control characters',
    });
  }
  const map = weight.map;
  if (map === undefined) return problems;
  const kinds = [map.linear, map.thresholds].filter((kind) => kind !== undefined).length;
  if (kinds !== 1) {
    problems.push({
      pointer: '/weight/map',
      message: 'give exactly one of "linear" or "thresholds"',
    });
  }
  if (map.linear !== undefined && map.linear.from[0] === map.linear.from[1]) {
    problems.push({
      pointer: '/weight/map/linear/from',
      message: 'the two metric values must differ',
    });
  }
  if (map.thresholds !== undefined) problems.push(...thresholdProblems(map.thresholds));
  return problems;
}

function thresholdProblems(rows: readonly Threshold[]): PluginConfigIssue[] {
  const problems: PluginConfigIssue[] = [];
  let previous: number | undefined;
  rows.forEach((row, index) => {
    const pointer = `/weight/map/thresholds/${index}`;
    const last = index === rows.length - 1;
    if (last && row.below !== undefined) {
      problems.push({
        pointer: `${pointer}/below`,
        message: 'the last row must have no "below": it is the weight for every other value',
      });
    } else if (!last && row.below === undefined) {
      problems.push({
        pointer,
        message: 'only the last row may leave out "below" (rows after it could never match)',
      });
    } else if (row.below !== undefined) {
      if (previous !== undefined && row.below <= previous) {
        problems.push({
          pointer: `${pointer}/below`,
          message: `must be greater than the previous row's below (${previous}); otherwise the row could never match`,
        });
      }
      previous = row.below;
    }
  });
  return problems;
}
