import { isRecord } from '../is-record.js';
import { hostProblem, ipProblem, portProblem, printable } from './names.js';
import type { Metadata, Node, Peer } from './node.js';
import { pythonJsonDumps } from './python-json.js';

/**
 * The znode payload, wire-compatible with lighthouse 1.0:
 * `{"host", "ip", "metadata", "peer", "port"}` with `metadata` and `peer` as JSON *strings*.
 * We write that form byte for byte and read both the string and the object forms. Payloads come
 * from anyone who can write to ZooKeeper, so everything is validated before it is used.
 */

/** Payloads larger than this are refused before parsing (ZooKeeper allows 1 MiB). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** The outcome of decoding one payload: the node, or why it was rejected. */
export type DecodeResult = { ok: true; node: Node } | { ok: false; reason: string };

/** Encodes a node as lighthouse 1.0 does (sorted keys, Python separators, nested JSON strings). */
export function encodeNode(node: Node): string {
  const payload: Record<string, unknown> = {
    host: node.host,
    ip: node.ip,
    metadata: pythonJsonDumps(node.metadata),
    port: node.port,
  };
  if (node.peer !== undefined) {
    payload['peer'] = pythonJsonDumps({
      ip: node.peer.ip,
      name: node.peer.name,
      port: node.peer.port,
    });
  }
  return pythonJsonDumps(payload);
}

/** Reads a field that 1.0 writes as a JSON string and newer writers may write as an object. */
function nestedObject(
  value: unknown,
  field: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return { ok: false, reason: `"${field}" is a string but not valid JSON` };
    }
  }
  if (!isRecord(parsed))
    return { ok: false, reason: `"${field}" must be a JSON object or a string holding one` };
  return { ok: true, value: parsed };
}

/** Ports arrive as numbers, or as digit strings from old writers (1.0 bug B23). */
function coercePort(value: unknown): unknown {
  return typeof value === 'string' && /^[0-9]{1,5}$/.test(value) ? Number(value) : value;
}

function decodePeer(value: unknown): { ok: true; peer: Peer } | { ok: false; reason: string } {
  const nested = nestedObject(value, 'peer');
  if (!nested.ok) return nested;
  const { name, ip } = nested.value;
  const port = coercePort(nested.value['port']);
  if (typeof name !== 'string') return { ok: false, reason: 'peer "name" must be a string' };
  if (typeof ip !== 'string') return { ok: false, reason: 'peer "ip" must be a string' };
  const problem = hostProblem(name) ?? ipProblem(ip) ?? portProblem(port);
  if (problem !== undefined) return { ok: false, reason: `peer: ${problem}` };
  return { ok: true, peer: { name, ip, port: port as number } };
}

/**
 * Decodes and validates a payload. Rules: `ip` and `port` are required; `host` defaults to the ip
 * (1.0 crashed instead); `metadata` must be an object (or a string holding one); `peer` is optional
 * and never invented (1.0 substituted the reader's own). Anything with control characters is refused.
 */
export function decodeNode(payload: string | Uint8Array): DecodeResult {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES)
    return { ok: false, reason: `payload is ${size} bytes, more than ${MAX_PAYLOAD_BYTES}` };
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (text.trim() === '') return { ok: false, reason: 'payload is empty' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: `payload is not JSON: "${printable(text, 40)}"` };
  }
  if (!isRecord(data)) return { ok: false, reason: 'payload must be a JSON object' };

  const { ip } = data;
  const port = coercePort(data['port']);
  if (ip === undefined) return { ok: false, reason: 'no "ip" defined for node' };
  if (data['port'] === undefined) return { ok: false, reason: 'no "port" defined for node' };
  if (typeof ip !== 'string') return { ok: false, reason: '"ip" must be a string' };
  const host = data['host'] ?? ip;
  if (typeof host !== 'string') return { ok: false, reason: '"host" must be a string' };
  const problem = ipProblem(ip) ?? hostProblem(host) ?? portProblem(port);
  if (problem !== undefined) return { ok: false, reason: problem };

  let metadata: Metadata = {};
  if (data['metadata'] !== undefined && data['metadata'] !== null) {
    const nested = nestedObject(data['metadata'], 'metadata');
    if (!nested.ok) return nested;
    metadata = nested.value;
  }
  const node: Node = { host, ip, port: port as number, metadata };
  if (data['peer'] !== undefined && data['peer'] !== null) {
    const peer = decodePeer(data['peer']);
    if (!peer.ok) return peer;
    node.peer = peer.peer;
  }
  return { ok: true, node };
}
