import { hasControlCharacter, InternalError, printable } from '@lighthouse/core';
import { RuntimeCommandError } from './errors.js';

/**
 * The runtime-API commands the balancer sends, as data: the planner produces them, tests compare
 * them, and this file alone knows their syntax and what a successful 2.6 reply looks like.
 */

/** The admin states `set server … state` accepts. */
export type ServerAdminState = 'ready' | 'drain' | 'maint';

interface Target {
  backend: string;
  server: string;
}

/** One runtime-API command. */
export type RuntimeCommand =
  | (Target & { op: 'add-server'; address: string; options: readonly string[]; weight?: number })
  | (Target & { op: 'del-server' })
  | (Target & { op: 'set-state'; state: ServerAdminState })
  | (Target & { op: 'set-weight'; weight: number })
  | (Target & { op: 'set-addr'; ip: string; port: number })
  | (Target & { op: 'set-agent-port'; port: number })
  | (Target & {
      op:
        'enable-health' | 'disable-health' | 'enable-agent' | 'disable-agent' | 'shutdown-sessions';
    });

/**
 * True when `text` cannot go to the admin socket as it is: a `;` (the CLI's command separator:
 * whatever follows would run as one more command and shift every later reply), a control
 * character (a newline ends the command line), or, unless `spaces`, whitespace (which would split
 * one argument into several) or nothing at all (which would shift the next argument into its place).
 */
export function unsafeForSocket(text: string, spaces: boolean): boolean {
  if (text.includes(';') || hasControlCharacter(text)) return true;
  return !spaces && (text === '' || /\s/.test(text));
}

/** `value` as one argument word; throws when it is not safe to send (a bug: see the callers). */
function argument(command: RuntimeCommand, value: string | number): string {
  const text = String(value);
  if (!unsafeForSocket(text, false)) return text;
  throw new InternalError(
    `refusing to send "${command.op}" for ${printable(command.backend, 40)}/${printable(command.server, 40)} to HAProxy: the argument "${printable(text, 60)}" is empty or holds ";", whitespace or a control character`,
  );
}

/**
 * The command line HAProxy reads (without the newline). Every argument is checked, whatever
 * validated it upstream (server_options, node names, addresses): one `;` reaching the socket runs
 * an extra command and desynchronizes every reply after it, so this throws an InternalError
 * instead of writing anything unsafe.
 */
export function commandLine(command: RuntimeCommand): string {
  const safe = (value: string | number): string => argument(command, value);
  const target = `${safe(command.backend)}/${safe(command.server)}`;
  switch (command.op) {
    case 'add-server': {
      const words = ['add server', target, safe(command.address), ...command.options.map(safe)];
      if (command.weight !== undefined) words.push('weight', safe(command.weight));
      return words.join(' ');
    }
    case 'del-server':
      return `del server ${target}`;
    case 'set-state':
      return `set server ${target} state ${safe(command.state)}`;
    case 'set-weight':
      return `set server ${target} weight ${safe(command.weight)}`;
    case 'set-addr':
      return `set server ${target} addr ${safe(command.ip)} port ${safe(command.port)}`;
    case 'set-agent-port':
      return `set server ${target} agent-port ${safe(command.port)}`;
    case 'enable-health':
      return `enable health ${target}`;
    case 'disable-health':
      return `disable health ${target}`;
    case 'enable-agent':
      return `enable agent ${target}`;
    case 'disable-agent':
      return `disable agent ${target}`;
    case 'shutdown-sessions':
      return `shutdown sessions server ${target}`;
  }
}

/** `set server … addr` reports what changed; these are its success texts on 2.6. */
const ADDR_OK = /^(IP changed|port changed|no need to change)/;

/** The refusal in `reply`, or undefined when it is the command's 2.6 success reply. */
export function replyError(
  command: RuntimeCommand,
  reply: string,
): RuntimeCommandError | undefined {
  const text = reply.trim();
  const ok =
    command.op === 'add-server'
      ? text === 'New server registered.'
      : command.op === 'del-server'
        ? text === 'Server deleted.'
        : command.op === 'set-addr'
          ? text === '' || ADDR_OK.test(text)
          : text === '';
  return ok ? undefined : new RuntimeCommandError(commandLine(command), reply);
}
