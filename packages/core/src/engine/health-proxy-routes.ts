import { printable } from '../model/names.js';
import { compareText } from '../model/node.js';

/**
 * The pure half of the health proxy: URL → route, and route + the reporter's latest results →
 * status and body. Nothing here touches a socket or a clock (except `/status`'s uptime, passed in),
 * so every answer HAProxy can get is unit-testable without a server.
 */

/** A maintenance entry in force for one port (the reporter resolves host-, service- and port-wide flags). */
export interface PortMaintenance {
  /** `down` takes the port out; `drain` keeps it registered with no new traffic. */
  mode: 'down' | 'drain';
  reason: string;
  /** When the entry was created (epoch ms). */
  since: number;
  /** When it expires (epoch ms); absent = until lifted. */
  until?: number;
}

/** One check of one port, as the proxy reports it. */
export interface PortHealthCheck {
  name: string;
  passing: boolean;
  /** The latest run, if any (epoch ms). */
  last?: { ok: boolean; reason?: string; at: number };
}

/** What the reporter knows about one (service, port) right now. */
export interface PortHealth {
  service: string;
  port: number;
  /** The port's verdict from its checks (rise/fall applied). */
  healthy: boolean;
  /** Why it is not healthy: the first failing check's last reason, if any. */
  reason?: string;
  /** Whether discovery holds its registration now. */
  registered: boolean;
  /** The maintenance entry in force, if any. */
  maintenance?: PortMaintenance;
  checks: readonly PortHealthCheck[];
}

/** What a request asks for, parsed from its URL by {@link parseHealthRoute}. */
export type HealthRoute =
  /** `/<protocol>/<service>/<port>[/<rest>]`: checks and maintenance of one port. */
  | { kind: 'check'; protocol: string; service: string; port: number }
  /** `/spool/<service>/<port>[/<rest>]`: maintenance only; port 0 = the whole service. */
  | { kind: 'spool'; service: string; port: number }
  /** `/status`: JSON of every port. */
  | { kind: 'status' }
  /** Anything else, including URLs that do not decode. */
  | { kind: 'unknown' };

/** A status code and a body (text, or JSON for `/status`). */
export interface HealthAnswer {
  status: number;
  body: string;
}

/** hacheck's check routes use a protocol word; ours accepts any lower-case word like it. */
const PROTOCOL = /^[a-z][a-z0-9-]{0,31}$/;
/** Five digits at most: enough for 65535 (leading zeros allowed, as `int()` in hacheck). */
const PORT = /^[0-9]{1,5}$/;
/** Check and maintenance reasons are operator text or error messages; longer is noise. */
const REASON_MAX = 200;

/** The body of every 404 for a URL that names no route; it never echoes the URL back. */
export const UNKNOWN_ROUTE_BODY =
  'no such route: use /<protocol>/<service>/<port>/, /spool/<service>/<port>/ or /status\n';

/**
 * Parses a request target. Only origin-form targets (`/…`) are routes; the query string and
 * fragment are dropped. The path is split on `/` *before* the service is percent-decoded, so `%2F`
 * stays inside the name (which then names no service), and `..` is just a segment that is neither
 * a service nor a port: nothing here is ever a file path or an upstream URL. A service that does not
 * decode → the `unknown` route (404), never an exception. Deviation from hacheck, which 404s
 * `/http/<svc>/<port>` without the trailing slash: every protocol takes it with or without.
 */
export function parseHealthRoute(target: string): HealthRoute {
  if (!target.startsWith('/')) return unknown();
  const end = target.search(/[?#]/);
  const path = end === -1 ? target : target.slice(0, end);
  if (path === '/status') return { kind: 'status' };
  // ['', protocol, service, port, ...rest]: the rest (even empty) is ignored, as in hacheck. Only
  // the service is percent-decoded; protocol and port must be plain words and digits.
  const segments = path.split('/', 4);
  if (segments.length < 4) return unknown();
  const [, protocol = '', encoded = '', portText = ''] = segments;
  let service: string;
  try {
    service = decodeURIComponent(encoded);
  } catch {
    return unknown();
  }
  if (service === '' || !PORT.test(portText)) return unknown();
  const port = Number(portText);
  if (protocol === 'spool') return port <= 65535 ? { kind: 'spool', service, port } : unknown();
  if (protocol === 'status' || !PROTOCOL.test(protocol) || port < 1 || port > 65535)
    return unknown();
  return { kind: 'check', protocol, service, port };
}

function unknown(): HealthRoute {
  return { kind: 'unknown' };
}

/**
 * The answer to a route, from the reporter's latest results. Check routes: maintenance first (like
 * hacheck's spool), then the checks' verdict. Spool routes: maintenance only; port 0 means the
 * service as a whole and is in maintenance when ANY of its ports is (the first such port in the
 * list supplies the reason). A known service with an unknown (non-zero) port is a 404 on both, so
 * a typo in haproxy.cfg fails loudly instead of reading "healthy". `/status` needs the uptime and
 * is answered by {@link statusAnswer}; here it is a 404 like any unknown route. `registered` plays no
 * part: a port whose discovery registration lapsed (ZooKeeper away) is still healthy to a HAProxy
 * that checks it directly; `/status` shows it.
 */
export function healthAnswer(route: HealthRoute, ports: readonly PortHealth[]): HealthAnswer {
  if (route.kind !== 'check' && route.kind !== 'spool') {
    return { status: 404, body: UNKNOWN_ROUTE_BODY };
  }
  const ofService = ports.filter((entry) => entry.service === route.service);
  if (ofService.length === 0) {
    return { status: 404, body: `unknown service ${printable(route.service)}\n` };
  }
  if (route.kind === 'spool' && route.port === 0) {
    const held = ofService.find((entry) => entry.maintenance !== undefined);
    return held?.maintenance === undefined
      ? { status: 200, body: 'OK\n' }
      : { status: 503, body: maintenanceBody(route.service, held.maintenance) };
  }
  const entry = ofService.find((candidate) => candidate.port === route.port);
  const name = `${printable(route.service)}:${route.port}`;
  if (entry === undefined) return { status: 404, body: `unknown service ${name}\n` };
  if (entry.maintenance !== undefined) {
    return { status: 503, body: maintenanceBody(route.service, entry.maintenance) };
  }
  if (route.kind === 'spool') return { status: 200, body: 'OK\n' };
  if (entry.healthy) return { status: 200, body: `OK: ${name} is healthy\n` };
  const reason = failureReason(entry);
  return {
    status: 503,
    body:
      reason === undefined
        ? `Service ${name} is failing\n`
        : `Service ${name} is failing: ${printable(reason, REASON_MAX)}\n`,
  };
}

/** `/status`: every port, sorted by service then port, times as ISO strings. */
export function statusAnswer(ports: readonly PortHealth[], uptimeMs: number): HealthAnswer {
  const sorted = [...ports].sort((a, b) => compareText(a.service, b.service) || a.port - b.port);
  // JSON.stringify escapes control characters itself, and these names come from the reporter's
  // validated config rather than from the request, so nothing is cut short with printable() here.
  const body = {
    ports: sorted.map((entry) => ({
      service: entry.service,
      port: entry.port,
      healthy: entry.healthy,
      registered: entry.registered,
      ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      ...(entry.maintenance === undefined
        ? {}
        : {
            maintenance: {
              mode: entry.maintenance.mode,
              reason: entry.maintenance.reason,
              since: isoTime(entry.maintenance.since),
              ...(entry.maintenance.until === undefined
                ? {}
                : { until: isoTime(entry.maintenance.until) }),
            },
          }),
      checks: entry.checks.map((check) => ({
        name: check.name,
        passing: check.passing,
        ...(check.last === undefined
          ? {}
          : {
              last: {
                ok: check.last.ok,
                ...(check.last.reason === undefined ? {} : { reason: check.last.reason }),
                at: isoTime(check.last.at),
              },
            }),
      })),
    })),
    uptime_s: Math.max(0, Math.floor(uptimeMs / 1000)),
  };
  return { status: 200, body: `${JSON.stringify(body)}\n` };
}

/**
 * hacheck's wording, so dashboards and runbooks that grep for it keep working:
 * `Service web in down state: <reason>`, plus ` until <ISO>` when the entry expires.
 */
function maintenanceBody(service: string, maintenance: PortMaintenance): string {
  const reason = maintenance.reason === '' ? '' : `: ${printable(maintenance.reason, REASON_MAX)}`;
  const until = maintenance.until === undefined ? '' : ` until ${isoTime(maintenance.until)}`;
  return `Service ${printable(service)} in ${maintenance.mode} state${reason}${until}\n`;
}

/** The port's own reason, else the first failing check's last reason. */
function failureReason(entry: PortHealth): string | undefined {
  if (entry.reason !== undefined && entry.reason !== '') return entry.reason;
  const failing = entry.checks.find((check) => !check.passing && check.last?.reason !== undefined);
  return failing?.last?.reason;
}

/** An epoch-ms time as ISO 8601; a value no Date can hold is shown as is rather than throwing. */
function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
