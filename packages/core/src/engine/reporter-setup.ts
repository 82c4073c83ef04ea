import { loadConfigDir } from '../config/load-dir.js';
import { listConfigFiles } from '../config/layout.js';
import { DEFAULT_STATE_DIR } from '../config/schemas.js';
import type { ConfigEntry } from '../config/types.js';
import type { PluginResolver } from '../contracts/resolver.js';
import type { ConfigIssue } from '../errors.js';
import { compareText } from '../model/node.js';

/** What `lighthouse down|up|status` need to know about a reporter's config directory. */
export interface ReporterSetup {
  /** From `reporter.yaml`, else the default. */
  stateDir: string;
  /** The services this machine provides, by name, with their ports when the file is valid. */
  services: ReadonlyMap<string, readonly number[] | undefined>;
  /** Problems of `reporter.yaml` (a command cannot know where the state is while it has any). */
  issues: ConfigIssue[];
}

/** What `lighthouse status` needs to know about a writer's config directory. */
export interface WriterSetup {
  /** From `writer.yaml`, else the default. */
  stateDir: string;
  /** Problems of `writer.yaml` (while it has any, where the writer's state is is not known). */
  issues: ConfigIssue[];
}

/**
 * Reads what the maintenance commands need: the state directory, and the names of the services
 * configured. A service file that does not validate (a plugin missing on this shell's path, a
 * typo) still names a service the operator may want to take down, so its file name counts too.
 */
export async function loadReporterSetup(
  configDir: string,
  resolver: PluginResolver,
): Promise<ReporterSetup> {
  const { entries, issues } = await loadConfigDir({
    dir: configDir,
    kinds: ['reporter', 'services'],
    resolver,
  });
  const services = new Map<string, readonly number[] | undefined>();
  for (const entry of entries)
    if (entry.kind === 'services') services.set(entry.name, entry.value.ports);
  const { refs } = await listConfigFiles(configDir, ['services']);
  for (const ref of refs) if (!services.has(ref.fileName)) services.set(ref.fileName, undefined);
  return {
    ...stateDirOf('reporter', entries, issues),
    services: new Map([...services].sort(([a], [b]) => compareText(a, b))),
  };
}

/** Reads where the writer of `configDir` keeps its state (`writer.yaml`), for `lighthouse status`. */
export async function loadWriterSetup(
  configDir: string,
  resolver: PluginResolver,
): Promise<WriterSetup> {
  const { entries, issues } = await loadConfigDir({ dir: configDir, kinds: ['writer'], resolver });
  return stateDirOf('writer', entries, issues);
}

/** The state directory `<daemon>.yaml` names (else the default), and the file's problems. */
function stateDirOf(
  daemon: 'reporter' | 'writer',
  entries: readonly ConfigEntry[],
  issues: readonly ConfigIssue[],
): { stateDir: string; issues: ConfigIssue[] } {
  const settings = entries.find((entry) => entry.kind === daemon)?.value;
  return {
    stateDir:
      settings !== undefined && 'stateDir' in settings ? settings.stateDir : DEFAULT_STATE_DIR,
    issues: issues.filter((issue) => issue.file.startsWith(`${daemon}.`)),
  };
}
