import { join } from 'node:path';
import { closestMatch } from '../did-you-mean.js';
import type { PluginKind } from '../define.js';
import { ErrorCode, LighthouseError, PluginError, describeError } from '../errors.js';
import { ALL_PLUGINS_PACKAGE, FIRST_PARTY_PLUGINS, firstPartyPackage } from './first-party.js';
import type { PluginEntry, PluginFailure, PluginPackage, SearchedRoot } from './types.js';

/**
 * The wording of every plugin error, in one place. Each message says what, where we looked and
 * who asked (ESLint's plugin-missing message); suggestions become the "Try this:" lines.
 */

const kindLabels: Record<PluginKind, string> = {
  checks: 'Check',
  discovery: 'Discovery method',
  balancers: 'Balancer',
  agents: 'Agent',
};

/** The npm naming convention for third-party plugins, used in "npm install …" suggestions. */
const packagePrefixes: Record<PluginKind, string> = {
  checks: 'lighthouse-check-',
  discovery: 'lighthouse-discovery-',
  balancers: 'lighthouse-balancer-',
  agents: 'lighthouse-agent-',
};

/** `Check "http"`, `Discovery method "zookeeper"`, `Balancer "haproxy"`. */
function pluginLabel(kind: PluginKind, name: string): string {
  return `${kindLabels[kind]} "${name}"`;
}

/** `lighthouse-check-http@1.2.0 (/srv/lh/node_modules/lighthouse-check-http)`. */
function packageLabel(pkg: Omit<PluginPackage, 'foundVia'>): string {
  const version = pkg.version === undefined ? '' : `@${pkg.version}`;
  return `${pkg.packageName}${version} (${pkg.packageDir})`;
}

/** Ends a sentence once, whatever punctuation the reason brought along. */
function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

function pluginError(
  code: ErrorCode,
  kind: PluginKind,
  name: string,
  text: string,
  options: {
    referencedFrom?: string | undefined;
    packageName?: string;
    suggestions?: readonly string[];
    cause?: unknown;
  },
): PluginError {
  const { referencedFrom, packageName, suggestions, cause } = options;
  const message =
    referencedFrom === undefined
      ? sentence(text)
      : `${sentence(text)} Referenced from ${referencedFrom}.`;
  return new PluginError(
    code,
    message,
    {
      kind,
      plugin: name,
      ...(packageName === undefined ? {} : { package: packageName }),
      ...(referencedFrom === undefined ? {} : { referencedFrom }),
    },
    { suggestions: suggestions ?? [], cause },
  );
}

/** The error for a plugin whose package was found but which cannot be used. */
export function failureError(
  kind: PluginKind,
  name: string,
  pkg: PluginPackage,
  failure: PluginFailure,
  referencedFrom?: string,
): PluginError {
  const text = `${pluginLabel(kind, name)} from ${packageLabel(pkg)} ${failure.reason}`;
  return pluginError(failure.code, kind, name, text, {
    referencedFrom,
    packageName: pkg.packageName,
    suggestions: failure.suggestions,
    cause: failure.cause,
  });
}

/** A root's package.json could not be read, so none of its dependencies were searched. */
export function unreadableRootError(dir: string, error: unknown): LighthouseError {
  return new LighthouseError(
    ErrorCode.PluginInvalid,
    `Could not read ${join(dir, 'package.json')}, so its dependencies were not searched for plugins: ${describeError(error)}`,
    { cause: error },
  );
}

/** An installed dependency whose package.json could not be read: it may or may not be a plugin. */
export function unreadablePackageError(
  dependency: string,
  dir: string,
  error: unknown,
): LighthouseError {
  return new LighthouseError(
    ErrorCode.PluginInvalid,
    `Could not read the package.json of ${dependency} (${dir}): ${describeError(error)}`,
    { cause: error, suggestions: [`Reinstall it: npm install ${dependency}`] },
  );
}

/**
 * A manifest that cannot be used: the discovery problem for the package, and the failure that
 * each plugin name it claims resolves to.
 */
export function invalidManifest(
  pkg: PluginPackage,
  reasons: readonly string[],
  suggestion: string,
): { problem: LighthouseError; failure: PluginFailure } {
  const reason = `the "lighthouse" key of its package.json is invalid: ${reasons.join('; ')}`;
  const suggestions = [suggestion];
  return {
    problem: new LighthouseError(ErrorCode.PluginInvalid, `${packageLabel(pkg)}: ${reason}`, {
      suggestions,
    }),
    failure: { code: ErrorCode.PluginInvalid, reason: `is invalid: ${reason}`, suggestions },
  };
}

/** Two or more packages that provide the same kind/name. */
export type Conflict = readonly [PluginEntry, PluginEntry, ...PluginEntry[]];

/** Different packages provide the same kind/name: using either would be a guess. */
export function conflictError(entries: Conflict, referencedFrom?: string): PluginError {
  const [first, second] = entries;
  const packages = entries.map(packageLabel);
  const text =
    `${pluginLabel(first.kind, first.name)} is provided by ${entries.length} packages: ` +
    `${packages.slice(0, -1).join(', ')} and ${packages.at(-1) ?? ''}`;
  return pluginError(ErrorCode.PluginConflict, first.kind, first.name, text, {
    referencedFrom,
    suggestions: [
      `Keep only one of them: npm uninstall ${second.packageName} (or ${first.packageName})`,
    ],
  });
}

/** Where discovery looked. */
export interface SearchContext {
  readonly roots: readonly SearchedRoot[];
  /** Where the search for a project package.json started, when none was found. */
  readonly noProjectAbove: string | undefined;
  /** The project root, where `npm install` should run. */
  readonly projectRoot: string | undefined;
}

/** What the registry knows when nothing provides a plugin. */
export interface NotFoundContext extends SearchContext {
  /** Dependencies of the project that are listed but not installed. */
  readonly notInstalled: readonly string[];
  /** Names of the kind that were found. */
  readonly found: readonly string[];
}

function searchedText({ roots, noProjectAbove }: SearchContext): string {
  const searched = `Searched the dependencies of ${roots.map((root) => root.label).join(' and of ')}`;
  if (noProjectAbove === undefined) {
    return roots.length === 0 ? 'No dependencies could be searched' : searched;
  }
  const noProject = `there is no package.json at or above ${noProjectAbove}`;
  return roots.length === 0
    ? `No dependencies were searched, as ${noProject}`
    : `${searched} only, as ${noProject}`;
}

/** Where to run an install: in the project, or in a new one next to the config directory. */
function installAdvice(projectRoot: string | undefined, install: string): string {
  return projectRoot === undefined
    ? `Create a package.json next to your config directory (npm init -y), then ${install}`
    : `${install} in ${projectRoot}`;
}

/**
 * No plugin package is installed at all (a bare @lighthouse/cli): say where we looked and what
 * to install, for commands that list plugins rather than resolve one.
 */
export function noPluginsError(context: SearchContext): LighthouseError {
  const packages = Object.values(FIRST_PARTY_PLUGINS).flatMap((byName) => Object.values(byName));
  return new LighthouseError(
    ErrorCode.PluginNotFound,
    `No lighthouse plugins are installed. ${searchedText(context)}`,
    {
      suggestions: [
        installAdvice(
          context.projectRoot,
          `npm install the plugins you use (${[...new Set(packages)].sort().join(', ')}), or ${ALL_PLUGINS_PACKAGE} for all of them`,
        ),
      ],
    },
  );
}

/** No installed package provides the plugin: list what was found, where we looked, and fixes. */
export function notFoundError(
  context: NotFoundContext,
  kind: PluginKind,
  name: string,
  referencedFrom?: string,
): PluginError {
  const found =
    context.found.length === 0 ? `found no ${kind}` : `found ${kind}: ${context.found.join(', ')}`;
  const text =
    `${pluginLabel(kind, name)} is not provided by any installed package. ` +
    `${searchedText(context)} (${found})`;
  const suggestions: string[] = [];
  const similar = closestMatch(name, context.found);
  if (similar !== undefined) suggestions.push(`Did you mean "${similar}"?`);
  if (context.notInstalled.length > 0 && context.projectRoot !== undefined) {
    suggestions.push(
      `Run npm install in ${context.projectRoot}: ${context.notInstalled.join(', ')} ` +
        `${context.notInstalled.length === 1 ? 'is' : 'are'} listed in its package.json but not installed`,
    );
  }
  const firstParty = firstPartyPackage(kind, name);
  const install =
    firstParty === undefined
      ? `npm install ${packagePrefixes[kind]}${name} (or whichever package provides it)`
      : `npm install ${firstParty} (or ${ALL_PLUGINS_PACKAGE} for every first-party plugin)`;
  suggestions.push(installAdvice(context.projectRoot, install));
  return pluginError(ErrorCode.PluginNotFound, kind, name, text, { referencedFrom, suggestions });
}
