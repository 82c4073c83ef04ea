import { getSystemErrorMap } from 'node:util';
import { isRecord } from './is-record.js';

/**
 * Every error lighthouse raises on purpose carries a stable `code` (listed in {@link ErrorCode}),
 * optional "try this" suggestions and the original `cause`. The CLI renders them with
 * `renderError`; embedders can switch on `code`.
 */

/** All error codes, in one place so docs and tests can list them. */
export const ErrorCode = {
  /** A config file failed to parse or validate. */
  ConfigInvalid: 'LH_CONFIG_INVALID',
  /** No installed package provides the named plugin. */
  PluginNotFound: 'LH_PLUGIN_NOT_FOUND',
  /** The package exists but importing it (or one of its own imports) threw. */
  PluginLoadFailed: 'LH_PLUGIN_LOAD_FAILED',
  /** Bad manifest, unsupported apiVersion, or a default export of the wrong shape. */
  PluginInvalid: 'LH_PLUGIN_INVALID',
  /** Two packages claim the same kind/name. */
  PluginConflict: 'LH_PLUGIN_CONFLICT',
  /** A znode payload (or other discovery data) is malformed or hostile. */
  PayloadInvalid: 'LH_PAYLOAD_INVALID',
  /** A plugin or feature cannot run here (missing binary, not in this build). */
  Unavailable: 'LH_UNAVAILABLE',
  /** Something that should not happen: a bug. */
  Internal: 'LH_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface LighthouseErrorOptions {
  suggestions?: readonly string[];
  cause?: unknown;
  /** Link to the documentation page that explains the error. */
  ref?: string;
}

/**
 * Marks lighthouse's errors. A `Symbol.for` brand, not `instanceof`: a plugin bundling its own copy
 * of core raises errors of *its* copy's class, and they must still be recognised as deliberate
 * (with code and advice) rather than reported as a bug in lighthouse.
 */
const ERROR_BRAND = Symbol.for('lighthouse.error');

/** Whether `value` is an error lighthouse (any copy of core) raised deliberately. */
export function isLighthouseError(value: unknown): value is LighthouseError {
  return (
    value instanceof Error &&
    (value as unknown as Record<symbol, unknown>)[ERROR_BRAND] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Base class of every error lighthouse raises deliberately; recognise it with {@link isLighthouseError}. */
export class LighthouseError extends Error {
  readonly [ERROR_BRAND] = true;
  readonly code: ErrorCode;
  readonly suggestions: readonly string[];
  readonly ref: string | undefined;

  constructor(code: ErrorCode, message: string, options: LighthouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.suggestions = options.suggestions ?? [];
    this.ref = options.ref;
  }
}

/** One problem found in a config file: where (file, line, JSON pointer) and what. */
export interface ConfigIssue {
  /** Path of the file, relative to the config directory when known. */
  file: string;
  /** JSON pointer into the parsed document; `''` means the whole file. */
  pointer: string;
  message: string;
  /** 1-based line in the file, when it could be located. */
  line?: number;
  /** What the user can do about it ("Try this:" lines), e.g. the package to install. */
  suggestions?: readonly string[];
}

/** Formats an issue the way `lighthouse validate` prints it: `file:line: /pointer: message`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return `${where}: ${issue.pointer === '' ? '(document)' : issue.pointer}: ${issue.message}`;
}

/** The distinct "Try this:" suggestions of some issues, in first-seen order. */
export function issueSuggestions(issues: readonly ConfigIssue[]): string[] {
  return [...new Set(issues.flatMap((issue) => issue.suggestions ?? []))];
}

/** A config file (or several) failed to parse or validate. */
export class ConfigError extends LighthouseError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options: LighthouseErrorOptions = {}) {
    super(ErrorCode.ConfigInvalid, issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
  }
}

/** Where a plugin problem was found, so the message can say where we looked and who asked. */
export interface PluginErrorDetails {
  kind: string;
  plugin: string;
  package?: string;
  /** The config file that referenced the plugin, if any. */
  referencedFrom?: string;
}

/** A plugin could not be found, loaded or validated. */
export class PluginError extends LighthouseError {
  readonly details: PluginErrorDetails;

  constructor(
    code: ErrorCode,
    message: string,
    details: PluginErrorDetails,
    options: LighthouseErrorOptions = {},
  ) {
    super(code, message, options);
    this.details = details;
  }
}

const PLUGIN_ERROR_CODES: ReadonlySet<string> = new Set([
  ErrorCode.PluginNotFound,
  ErrorCode.PluginLoadFailed,
  ErrorCode.PluginInvalid,
  ErrorCode.PluginConflict,
]);

/** Whether `value` is a plugin problem from any copy of core (e.g. an embedder's resolver). */
export function isPluginError(value: unknown): value is PluginError {
  return (
    isLighthouseError(value) &&
    PLUGIN_ERROR_CODES.has(value.code) &&
    isRecord((value as { details?: unknown }).details)
  );
}

/** Discovery data that failed validation: the znode (or key) and why. */
export class PayloadError extends LighthouseError {
  readonly source: string;

  constructor(source: string, reason: string) {
    super(ErrorCode.PayloadInvalid, `${source}: ${reason}`);
    this.source = source;
  }
}

/** A bug: the CLI prints it with versions and asks for a report. */
export class InternalError extends LighthouseError {
  constructor(message: string, cause?: unknown) {
    super(ErrorCode.Internal, message, { cause });
  }
}

/**
 * Turns a socket error into a short reason in libuv's own words ("connection refused",
 * "connection reset by peer", "host is unreachable"), falling back to the error's message.
 * Checks use it so their failure reasons read the same.
 */
export function networkFailureReason(error: unknown): string {
  const errno = error instanceof Error && 'errno' in error ? error.errno : undefined;
  const known = typeof errno === 'number' ? getSystemErrorMap().get(errno) : undefined;
  return known === undefined ? describeError(error) : known[1];
}

/** Returns a short, single-line description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
