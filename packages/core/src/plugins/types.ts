import type { PluginKind } from '../define.js';
import type { ErrorCode } from '../errors.js';

/** An installed package that was examined as a possible plugin provider. */
export interface PluginPackage {
  /** The `name` in its package.json (the dependency key when that is missing). */
  readonly packageName: string;
  readonly version: string | undefined;
  /** Real path of the package directory. */
  readonly packageDir: string;
  /** The root whose dependencies led to it: the project root or one of `selfPackageDirs`. */
  readonly foundVia: string;
}

/** One plugin a package's manifest declares: phase 1's result, importable on demand. */
export interface PluginEntry extends PluginPackage {
  readonly kind: PluginKind;
  readonly name: string;
  /** Absolute path of the file to import, inside `packageDir`. */
  readonly file: string;
  /** `'default'` or the named export that holds the plugin. */
  readonly exportName: string;
}

/** A directory whose dependencies were searched, for "searched …" in not-found messages. */
export interface SearchedRoot {
  readonly dir: string;
  /** `/srv/lh/package.json` for the project, the package name for a `selfPackageDirs` entry. */
  readonly label: string;
}

/** Why a plugin cannot be used; the registry adds who asked and turns it into a `PluginError`. */
export interface PluginFailure {
  readonly code: ErrorCode;
  /** A phrase that follows the plugin's name: `failed to load: …`, `is invalid: …`. */
  readonly reason: string;
  readonly suggestions: readonly string[];
  readonly cause?: unknown;
}
