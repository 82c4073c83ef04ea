import { describe, expect, it } from 'vitest';
// The built package is a second copy of core, like the one a plugin bundles: its classes are not
// the ones under src/, so only the brand can connect them.
import {
  ConfigError as BuiltConfigError,
  isLighthouseError as builtIsLighthouseError,
  isPluginError as builtIsPluginError,
  PluginError as BuiltPluginError,
} from '@lighthouse/core';
import {
  ConfigError,
  ErrorCode,
  InternalError,
  isLighthouseError,
  isPluginError,
  LighthouseError,
  PayloadError,
  PluginError,
} from '../src/errors.js';
import { renderError } from '../src/render-error.js';

const BRAND = Symbol.for('lighthouse.error');

/** What another copy of core raises: same brand and fields, unrelated class. */
class ForeignLighthouseError extends Error {
  readonly code: string;
  readonly suggestions: readonly string[];
  readonly ref: string | undefined;
  constructor(code: string, message: string, suggestions: string[] = [], ref?: string) {
    super(message);
    (this as unknown as Record<symbol, unknown>)[BRAND] = true;
    this.code = code;
    this.suggestions = suggestions;
    this.ref = ref;
  }
}

class ForeignPluginError extends ForeignLighthouseError {
  constructor(
    code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(code, message, ['npm install lighthouse-check-redis']);
  }
}

/** The least another copy of core could carry: the brand and a code. */
class MinimalForeignError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    (this as unknown as Record<symbol, unknown>)[BRAND] = true;
  }
}

/** An unrelated library's error that happens to have a `code` too. */
function coded(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('something else'), { code, ...extra });
}

const details = { kind: 'checks', plugin: 'redis' };

describe('isLighthouseError', () => {
  it('recognises this copy’s errors of every class', () => {
    expect(isLighthouseError(new LighthouseError(ErrorCode.Unavailable, 'no haproxy'))).toBe(true);
    expect(isLighthouseError(new ConfigError([]))).toBe(true);
    expect(isLighthouseError(new PayloadError('/web/app01:80', 'not JSON'))).toBe(true);
    expect(isLighthouseError(new InternalError('oops'))).toBe(true);
    expect(isLighthouseError(new PluginError(ErrorCode.PluginInvalid, 'bad shape', details))).toBe(
      true,
    );
  });

  it('recognises an error of another copy of core by its brand', () => {
    const foreign = new ForeignLighthouseError(ErrorCode.ConfigInvalid, 'bad file');
    expect(foreign instanceof LighthouseError).toBe(false);
    expect(isLighthouseError(foreign)).toBe(true);
    expect(isLighthouseError(new MinimalForeignError('LH_UNAVAILABLE', 'no binary'))).toBe(true);
  });

  it('recognises the built package’s errors here, and ours there', () => {
    const built = new BuiltConfigError([{ file: 'a.yaml', pointer: '', message: 'x' }]);
    expect(built instanceof LighthouseError).toBe(false);
    expect(isLighthouseError(built)).toBe(true);
    expect(builtIsLighthouseError(new ConfigError([]))).toBe(true);
    expect(builtIsLighthouseError(new ForeignLighthouseError('LH_INTERNAL', 'x'))).toBe(true);
  });

  it.each([
    ['a plain Error with a code', coded('LH_CONFIG_INVALID')],
    ['a Node system error', coded('ECONNREFUSED', { errno: -111 })],
    ['a plain Error', new Error('x')],
    ['a string', 'LH_CONFIG_INVALID'],
    ['null', null],
    ['undefined', undefined],
    ['a branded plain object', { [BRAND]: true, code: 'LH_INTERNAL', message: 'x' }],
    ['an error whose brand is not true', coded('LH_INTERNAL', { [BRAND]: 'yes' })],
    ['a branded error without a code', Object.assign(new Error('x'), { [BRAND]: true })],
    ['a branded error with a numeric code', coded('', { [BRAND]: true, code: 42 })],
    [
      'an error branded under a different symbol',
      coded('LH_INTERNAL', { [Symbol('lighthouse.error')]: true }),
    ],
  ])('does not recognise %s', (_label, value) => {
    expect(isLighthouseError(value)).toBe(false);
  });
});

describe('isPluginError', () => {
  it.each([
    ErrorCode.PluginNotFound,
    ErrorCode.PluginLoadFailed,
    ErrorCode.PluginInvalid,
    ErrorCode.PluginConflict,
  ])('recognises a foreign %s with details', (code) => {
    expect(isPluginError(new ForeignPluginError(code, 'x', details))).toBe(true);
  });

  it('recognises this copy’s and the built copy’s plugin errors in both directions', () => {
    const ours = new PluginError(ErrorCode.PluginNotFound, 'not found', details);
    const built = new BuiltPluginError(ErrorCode.PluginNotFound, 'not found', details);
    expect(isPluginError(ours)).toBe(true);
    expect(isPluginError(built)).toBe(true);
    expect(builtIsPluginError(ours)).toBe(true);
    expect(builtIsPluginError(new ForeignPluginError('LH_PLUGIN_CONFLICT', 'x', details))).toBe(
      true,
    );
  });

  it.each([
    [
      'a lighthouse error with a non-plugin code',
      new ForeignPluginError('LH_CONFIG_INVALID', 'x', details),
    ],
    ['an internal error', new InternalError('x')],
    ['a plugin code without details', new ForeignLighthouseError('LH_PLUGIN_NOT_FOUND', 'x')],
    [
      'a plugin code with string details',
      new ForeignPluginError('LH_PLUGIN_INVALID', 'x', 'redis'),
    ],
    [
      'an unbranded error with a plugin code and details',
      coded('LH_PLUGIN_NOT_FOUND', { details }),
    ],
    ['an unknown future plugin code', new ForeignPluginError('LH_PLUGIN_EXPLODED', 'x', details)],
  ])('does not recognise %s', (_label, value) => {
    expect(isPluginError(value)).toBe(false);
  });

  it('does not recognise a plugin error whose details are null', () => {
    // `typeof null === 'object'`: the guard would promise `details.kind` on null.
    expect(isPluginError(new ForeignPluginError('LH_PLUGIN_NOT_FOUND', 'x', null))).toBe(false);
  });
});

describe('renderError and errors of another copy of core', () => {
  it('renders a foreign error with its code, suggestions, reference and cause', () => {
    const foreign = new ForeignLighthouseError(
      ErrorCode.PluginNotFound,
      'checks plugin "redis" is not available\nlooked in /srv/app/node_modules',
      ['npm install lighthouse-check-redis', 'lighthouse plugins --all'],
      'https://example.invalid/docs/plugins',
    );
    (foreign as { cause?: unknown }).cause = new Error('ENOENT');
    expect(renderError(foreign)).toBe(
      [
        'Error: checks plugin "redis" is not available',
        '  looked in /srv/app/node_modules',
        'Code: LH_PLUGIN_NOT_FOUND',
        'Try this: npm install lighthouse-check-redis',
        'Try this: lighthouse plugins --all',
        'Reference: https://example.invalid/docs/plugins',
        'Caused by: ENOENT',
      ].join('\n'),
    );
  });

  it('renders the built copy’s error like its own', () => {
    const built = new BuiltPluginError(ErrorCode.PluginInvalid, 'bad shape', details, {
      suggestions: ['rebuild the plugin'],
    });
    const ours = new PluginError(ErrorCode.PluginInvalid, 'bad shape', details, {
      suggestions: ['rebuild the plugin'],
    });
    expect(renderError(built)).toBe(renderError(ours));
    expect(renderError(built)).toContain('Try this: rebuild the plugin');
  });

  it('renders a plain Error with a code without pretending it is ours', () => {
    const text = renderError(coded('LH_CONFIG_INVALID'));
    expect(text).toBe('Error: something else');
    expect(text).not.toMatch(/Code:/);
  });

  it('renders a minimal foreign error (brand and code only) instead of throwing', () => {
    // isLighthouseError accepts it, so renderError — the CLI's last resort — must cope with it.
    const minimal = new MinimalForeignError('LH_UNAVAILABLE', 'haproxy binary not found');
    expect(() => renderError(minimal)).not.toThrow();
    expect(renderError(minimal)).toMatch(/^Error: haproxy binary not found\nCode: LH_UNAVAILABLE/);
  });
});
