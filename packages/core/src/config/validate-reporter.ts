import { hostProblem, ipProblem, nameProblem, printable } from '../model/names.js';
import type { JsonObject } from './plain-json.js';
import { validateSchema } from './schema-errors.js';
import { ReporterFile } from './schemas.js';
import type { DaemonConfig, ReporterConfig } from './types.js';
import type { Problem, Validation } from './validation.js';
import { invalid, validStateDir } from './validation.js';

/** `host:port` or `[v6]:port`, split; a port of 1–65535. */
const LISTEN = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/;

/** Parses a `listen:` address; a problem message when it is not `host:port`. */
export function parseListen(text: string): { host: string; port: number } | { problem: string } {
  const match = LISTEN.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535)
    return {
      problem: `"${printable(text)}" is not host:port (e.g. "127.0.0.1:3333" or "[::1]:3333")`,
    };
  const problem = hostProblem(host);
  return problem === undefined ? { host, port } : { problem };
}

/**
 * A `listen:` address of a settings file (absent stays absent); its problem goes to `problems`
 * under `pointer` (e.g. `/metrics/listen`).
 */
export function validListen(
  listen: string | undefined,
  pointer: string,
  problems: Problem[],
): { host: string; port: number } | undefined {
  if (listen === undefined) return undefined;
  const parsed = parseListen(listen);
  if (!('problem' in parsed)) return parsed;
  problems.push({ pointer, message: parsed.problem });
  return undefined;
}

/**
 * What both daemons' settings files have — `state_dir` and `metrics.listen` — validated, with
 * every problem.
 */
export function validDaemonSettings(file: {
  state_dir?: string | undefined;
  metrics?: { listen: string } | undefined;
}): Validation<DaemonConfig> {
  const stateDir = validStateDir(file.state_dir);
  const problems: Problem[] = stateDir.ok ? [] : [...stateDir.problems];
  const metrics = validListen(file.metrics?.listen, '/metrics/listen', problems);
  if (!stateDir.ok || problems.length > 0) return invalid(problems);
  return {
    ok: true,
    value: { stateDir: stateDir.value, ...(metrics === undefined ? {} : { metrics }) },
  };
}

/** Validates a parsed `reporter.yaml`. */
export function validateReporter(document: JsonObject): Validation<ReporterConfig> {
  const result = validateSchema(ReporterFile, document);
  if (!result.ok) return result;
  const settings = validDaemonSettings(result.value);
  const problems: Problem[] = settings.ok ? [] : [...settings.problems];
  const healthProxy = validListen(
    result.value.health_proxy?.listen,
    '/health_proxy/listen',
    problems,
  );
  const peer = validPeer(result.value.peer, problems);
  if (!settings.ok || problems.length > 0) return invalid(problems);
  return {
    ok: true,
    value: {
      ...settings.value,
      ...(healthProxy === undefined ? {} : { healthProxy }),
      ...(peer === undefined ? {} : { peer }),
    },
  };
}

/** The `peer` section with its default port; its name and address checked like a node's. */
function validPeer(
  peer: ReporterFile['peer'],
  problems: Problem[],
): ReporterConfig['peer'] | undefined {
  if (peer === undefined) return undefined;
  const nameIssue = peer.name === undefined ? undefined : nameProblem(peer.name);
  if (nameIssue !== undefined) problems.push({ pointer: '/peer/name', message: nameIssue });
  const ipIssue = peer.ip === undefined ? undefined : ipProblem(peer.ip);
  if (ipIssue !== undefined) problems.push({ pointer: '/peer/ip', message: ipIssue });
  return {
    port: peer.port ?? 1024,
    ...(peer.name === undefined ? {} : { name: peer.name }),
    ...(peer.ip === undefined ? {} : { ip: peer.ip }),
  };
}
