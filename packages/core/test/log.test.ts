import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine } from '../src/log.js';
import { ConfigError, ErrorCode, LighthouseError } from '../src/errors.js';
import { renderError } from '../src/render-error.js';

const at = new Date(2026, 10, 21, 5, 40, 0);

describe('daemon logger', () => {
  it('formats pretty lines with level letter, program and fields', () => {
    const line = formatLogLine(
      { format: 'pretty', program: 'WRITER', color: false },
      'warn',
      'sync failed',
      { cluster: 'web', error: 'no such backend' },
      at,
    );
    expect(line).toBe(
      '[2026-11-21 05:40:00 W][WRITER] sync failed cluster=web error="no such backend"',
    );
  });

  it('formats JSON lines for machines', () => {
    const line = formatLogLine(
      { format: 'json', program: 'REPORTER', color: false },
      'info',
      'registered',
      { port: 8080, error: new Error('x') },
      at,
    );
    expect(JSON.parse(line)).toEqual({
      time: at.toISOString(),
      level: 'info',
      program: 'REPORTER',
      msg: 'registered',
      port: 8080,
      error: 'x',
    });
  });

  it('drops lines below the level, and a retuned sink takes effect at once', () => {
    const lines: string[] = [];
    const { logger, sink } = createLogger({
      level: 'warn',
      format: 'json',
      write: (line) => lines.push(line),
    });
    logger.info('hidden');
    logger.child({ service: 'web' }).error('shown');
    sink.level = 'debug';
    logger.debug('now shown');
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['shown', 'now shown']);
    expect(JSON.parse(lines[0] ?? '{}').service).toBe('web');
  });

  it('colours pretty lines only when asked', () => {
    const coloured = formatLogLine(
      { format: 'pretty', program: 'W', color: true },
      'error',
      'x',
      {},
      at,
    );
    expect(coloured.startsWith('\u001b[31m') && coloured.endsWith('\u001b[0m')).toBe(true);
    const plain = formatLogLine(
      { format: 'pretty', program: 'W', color: false },
      'error',
      'x',
      {},
      at,
    );
    expect(plain).not.toContain('\u001b');
  });
});

describe('renderError', () => {
  it('prints message, code, suggestions and the cause chain', () => {
    const error = new LighthouseError(ErrorCode.PluginLoadFailed, 'check "x" failed to load', {
      suggestions: ['npm install lighthouse-check-x'],
      cause: new Error('boom', { cause: new Error('deeper') }),
    });
    expect(renderError(error)).toBe(
      'Error: check "x" failed to load\nCode: LH_PLUGIN_LOAD_FAILED\nTry this: npm install lighthouse-check-x\nCaused by: boom\nCaused by: deeper',
    );
  });

  it('indents the further lines of a multi-issue config error', () => {
    const error = new ConfigError([
      { file: 'services/a.yaml', pointer: '/port', message: 'not a port', line: 1 },
      { file: 'services/b.yaml', pointer: '', message: 'file is empty' },
    ]);
    expect(renderError(error)).toBe(
      'Error: services/a.yaml:1: /port: not a port\n  services/b.yaml: (document): file is empty\nCode: LH_CONFIG_INVALID',
    );
  });
});
