import { printable, probeConnection } from '@lighthouse/core';
import type { CheckResult, CheckTarget } from '@lighthouse/core';
import { encodeCommand, RespLineReader } from './resp.js';
import type { RedisCheckConfig } from './schema.js';

/** A reply line longer than this is not Redis talking (its status and error lines are short). */
export const MAX_LINE_BYTES = 4096;

/** One command of a check run and the status reply that means success. */
export interface Step {
  command: string;
  args: readonly string[];
  expect: string;
}

const PING: Step = { command: 'PING', args: [], expect: '+PONG' };

/** The commands one run sends: PING, preceded by AUTH when a password is configured. */
export function stepsFor({ username, password }: RedisCheckConfig): readonly Step[] {
  if (password === undefined) return [PING];
  const args = username === undefined ? [password] : [username, password];
  return [{ command: 'AUTH', args, expect: '+OK' }, PING];
}

/** Why `line` does not answer `step`, or undefined when it does. */
function replyProblem(step: Step, line: string): string | undefined {
  if (line === step.expect) return undefined;
  // An error reply ("-NOAUTH Authentication required.") is the server's own explanation.
  if (line.startsWith('-')) return `${step.command} failed: ${printable(line.slice(1), 200)}`;
  return `${step.command}: expected "${step.expect}", got "${printable(line)}"`;
}

/**
 * Runs the steps on a fresh connection, pipelined (one write, one round trip), and checks each
 * reply in order. Never rejects: refusal, error replies, garbage, an early close and the engine's
 * timeout (via `signal`) all become `{ok: false, reason}`.
 */
export function probeRedis(
  target: CheckTarget,
  steps: readonly Step[],
  signal: AbortSignal,
): Promise<CheckResult> {
  return probeConnection(target, signal, ({ socket, finish, waiting }) => {
    waiting('waiting for the reply');
    const reader = new RespLineReader();
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      for (const line of reader.push(chunk)) {
        const step = steps[answered];
        if (step === undefined) return; // every step answered: already finished
        const problem = replyProblem(step, line);
        if (problem !== undefined) return finish({ ok: false, reason: problem });
        answered += 1;
        if (answered === steps.length) return finish({ ok: true });
      }
      if (reader.buffered > MAX_LINE_BYTES) {
        finish({ ok: false, reason: `reply line exceeds ${MAX_LINE_BYTES} bytes` });
      }
    });
    socket.once('end', () => {
      const rest = reader.rest();
      const received = rest === '' ? '' : ` (received "${printable(rest)}")`;
      const step = steps[answered]?.command ?? 'PING';
      finish({ ok: false, reason: `connection closed before the ${step} reply${received}` });
    });
    socket.write(Buffer.concat(steps.map((step) => encodeCommand([step.command, ...step.args]))));
  });
}
