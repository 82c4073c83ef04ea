import type { AgentPortState } from '@lighthouse/core';

/**
 * The line the agent sends HAProxy (without the newline), from the reporter's view of the
 * service's ports and the current weight.
 *
 * HAProxy 2.6 applies each word of the line and leaves whatever the line does not mention as it
 * was: `ready` does not undo `down`, `up` does not undo `drain` or `maint`. Herald's one-word
 * answers could therefore leave a server DOWN for good. Every answer here carries all three
 * parts — operational word, administrative word, weight — so each answer sets the whole state and
 * none of an earlier one sticks:
 *
 * | ports                        | maintenance (any port)  | answer              |
 * |------------------------------|-------------------------|---------------------|
 * | none known yet (`[]`)        |                         | `` (empty: no change) |
 * | at least one healthy         | none                    | `up ready <w>%`     |
 * | all unhealthy                | none                    | `down ready <w>%`   |
 * | at least one healthy         | drain                   | `up drain 0%`       |
 * | all unhealthy                | drain                   | `down drain 0%`     |
 * | at least one healthy         | down                    | `up maint 0%`       |
 * | all unhealthy                | down                    | `down maint 0%`     |
 *
 * - The operational word is the checks' verdict alone; the administrative word is maintenance
 *   alone (`down` beats `drain` when ports differ: one agent answers for every port, and it errs
 *   on the side of the operator's stronger request).
 * - In maintenance the weight is 0%, so new load-balanced traffic stays away even if something
 *   else (an operator's `set server … state ready`) resets the admin state before the next
 *   answer; the next `ready` answer restores the metric's weight.
 * - No `#description`: the agent listens on every interface by default and check reasons can
 *   carry application text (the first line of a failing HTTP body). HAProxy would take the rest of
 *   the line after `#` as the description, so it could only ever go last.
 * - An empty port list means the reporter has not said anything yet: an empty line, which HAProxy
 *   reads as "no change", keeps whatever state the server had (e.g. a drain set by this agent
 *   before the reporter restarted) until the first real answer.
 */
export function agentReply(ports: readonly AgentPortState[], weight: number): string {
  if (ports.length === 0) return '';
  const operational = ports.some((port) => port.healthy) ? 'up' : 'down';
  const modes = new Set(ports.map((port) => port.maintenance?.mode));
  if (modes.has('down')) return `${operational} maint 0%`;
  if (modes.has('drain')) return `${operational} drain 0%`;
  return `${operational} ready ${weightWord(weight)}`;
}

/**
 * `NN%` for HAProxy: an integer 0-100, rounded down (HAProxy reads `100.5%` as 100 with a warning
 * and `-5%` as an error). The agent always passes such an integer already; for other callers a
 * value that is not a finite number counts as 100, the default fallback weight.
 */
function weightWord(weight: number): string {
  const bounded = Number.isFinite(weight) ? Math.min(100, Math.max(0, Math.floor(weight))) : 100;
  return `${bounded}%`;
}
