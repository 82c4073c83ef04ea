/**
 * The one server setting the planner must read back from the file HAProxy loaded: `agent-inter`.
 * `show servers state` reports the agent's port and whether it runs, but not its interval, and
 * the runtime API cannot change it; comparing the rendered value with the installed file's is
 * how a changed `metadata.agent_inter` is noticed at all.
 */

/**
 * The value of the last `agent-inter` among server keywords, as written ('' when none): the one
 * HAProxy uses, since a later keyword overrides an earlier one. Two equal values mean the same
 * interval; two different spellings of one duration (`2s`, `2000ms`) only cost one reload.
 */
export function agentInterWord(words: readonly string[]): string {
  const index = words.lastIndexOf('agent-inter');
  return index < 0 ? '' : (words[index + 1] ?? '');
}

/**
 * Each `server` line's {@link agentInterWord} in a rendered haproxy.cfg, by `<backend>/<server>`
 * (only lines of `backend` sections; a trailing comment is not a keyword).
 */
export function renderedAgentInters(text: string): Map<string, string> {
  const inters = new Map<string, string>();
  let backend: string | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(' ')) {
      backend = line.startsWith('backend ') ? line.slice('backend '.length) : undefined;
      continue;
    }
    const words = line.trim().split(' ');
    if (backend === undefined || words[0] !== 'server' || words[1] === undefined) continue;
    const comment = words.findIndex((word) => word.startsWith('#'));
    const keywords = words.slice(3, comment < 0 ? undefined : comment);
    inters.set(`${backend}/${words[1]}`, agentInterWord(keywords));
  }
  return inters;
}
