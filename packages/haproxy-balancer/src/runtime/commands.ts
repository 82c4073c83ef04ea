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
  | (Target & {
      op:
        'enable-health' | 'disable-health' | 'enable-agent' | 'disable-agent' | 'shutdown-sessions';
    });

/** The command line HAProxy reads (without the newline). */
export function commandLine(command: RuntimeCommand): string {
  const target = `${command.backend}/${command.server}`;
  switch (command.op) {
    case 'add-server': {
      const words = ['add server', target, command.address, ...command.options];
      if (command.weight !== undefined) words.push('weight', String(command.weight));
      return words.join(' ');
    }
    case 'del-server':
      return `del server ${target}`;
    case 'set-state':
      return `set server ${target} state ${command.state}`;
    case 'set-weight':
      return `set server ${target} weight ${command.weight}`;
    case 'set-addr':
      return `set server ${target} addr ${command.ip} port ${command.port}`;
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
