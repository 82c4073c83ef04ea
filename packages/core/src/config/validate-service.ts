import Type from 'typebox';
import { hostProblem, ipProblem } from '../model/names.js';
import { isJsonObject } from './plain-json.js';
import { discoveryProblems } from './plugin-lookup.js';
import { validateSchema } from './schema-errors.js';
import { DEFAULT_CHECK_HOST, ServiceFile } from './schemas.js';
import type { ServiceConfig } from './types.js';
import { validateAgent } from './validate-agent.js';
import { validateCheck } from './validate-check.js';
import type { Problem, Validation, ValidationInput } from './validation.js';
import { invalid, validName } from './validation.js';

/**
 * `services/<name>.yaml`. Stricter than lighthouse 1.0 where 1.0 silently did something
 * surprising: `port` and `ports` that disagree are rejected (1.0 used `ports`), and a service
 * without checks is rejected (1.0 reported it up every round, whatever its state).
 */

/** The service keys, with each check section left to {@link validateCheck}. */
const ServiceKeys = Type.Object(
  { ...ServiceFile.properties, checks: Type.Object(ServiceFile.properties.checks.properties) },
  { additionalProperties: false },
);

function portProblems(port: number | undefined, ports: readonly number[] | undefined): Problem[] {
  if (port === undefined && ports === undefined) {
    return [
      {
        pointer: '/port',
        message: 'no port(s) defined: set `port: 8080` or `ports: [8080, 8081]`',
      },
    ];
  }
  if (port !== undefined && ports !== undefined && !ports.includes(port)) {
    return [
      {
        pointer: '/port',
        message: `port ${port} is not among ports (${ports.join(', ')}); lighthouse 1.0 silently ignored \`port\`: remove it or add it to \`ports\``,
      },
    ];
  }
  return [];
}

function noChecksProblem(input: ValidationInput): Problem {
  const installed = input.resolver.names('checks');
  const suggestion = installed.includes('tcp')
    ? 'for a plain "is the port open" check add `tcp: {rise: 1, fall: 1}`'
    : `installed checks: ${installed.length > 0 ? installed.join(', ') : 'none'}`;
  return {
    pointer: '/checks',
    message: `no checks defined: a service needs at least one (lighthouse 1.0 reported such a service up whatever its state); ${suggestion}`,
  };
}

/** Validates a parsed service file. */
export async function validateService(input: ValidationInput): Promise<Validation<ServiceConfig>> {
  const core = validateSchema(ServiceKeys, input.document);
  const checksSection = input.document['checks'];
  const checkNames = isJsonObject(checksSection)
    ? Object.keys(checksSection).filter((key) => !(key in ServiceFile.properties.checks.properties))
    : [];
  const checks = isJsonObject(checksSection)
    ? await Promise.all(
        checkNames.map((name) => validateCheck(input, name, checksSection[name] ?? null)),
      )
    : [];
  const problems = checks.flatMap((check) => (check.ok ? [] : check.problems));
  const agentSection = input.document['agent'];
  const agent = agentSection === undefined ? undefined : await validateAgent(input, agentSection);
  if (agent?.ok === false) problems.push(...agent.problems);
  if (!core.ok) return invalid([...core.problems, ...problems]);

  // The schema's defaults are applied already; these only satisfy the optional static types.
  const { port, ports, discovery, host = DEFAULT_CHECK_HOST, metadata = {} } = core.value;
  const name = validName(input, core.value.name);
  if (!name.ok) problems.push(...name.problems);
  problems.push(...(await discoveryProblems(input, discovery)), ...portProblems(port, ports));
  const badHost = hostProblem(host);
  if (badHost !== undefined) problems.push({ pointer: '/host', message: badHost });
  const { advertise } = core.value;
  const badAdvertisedHost = advertise?.host === undefined ? undefined : hostProblem(advertise.host);
  if (badAdvertisedHost !== undefined) {
    problems.push({ pointer: '/advertise/host', message: badAdvertisedHost });
  }
  const badAdvertisedIp = advertise?.ip === undefined ? undefined : ipProblem(advertise.ip);
  if (badAdvertisedIp !== undefined)
    problems.push({ pointer: '/advertise/ip', message: badAdvertisedIp });
  if (checkNames.length === 0) problems.push(noChecksProblem(input));
  if (problems.length > 0 || !name.ok) return invalid(problems);

  const { interval } = core.value.checks;
  return {
    ok: true,
    value: {
      name: name.value,
      discovery,
      host,
      ports: [...new Set(ports ?? (port === undefined ? [] : [port]))],
      metadata,
      ...(advertise === undefined ? {} : { advertise }),
      interval,
      checks: checks.flatMap((check) =>
        check.ok ? [{ ...check.value, timeout: check.value.timeout ?? interval }] : [],
      ),
      ...(agent?.ok === true ? { agent: agent.value } : {}),
    },
  };
}
