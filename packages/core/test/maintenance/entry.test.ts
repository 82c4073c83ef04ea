import { describe, expect, it } from 'vitest';
import {
  ALL,
  decodeEntry,
  encodeEntry,
  entryFileName,
  MAX_ENTRY_BYTES,
  parseEntryFileName,
  targetProblem,
} from '../../src/maintenance/index.js';
import type { MaintenanceEntry } from '../../src/maintenance/index.js';

const SINCE = Date.parse('2026-03-01T12:00:00.000Z');
const UNTIL = Date.parse('2026-03-01T13:30:00.000Z');

const FULL: MaintenanceEntry = {
  service: 'web',
  port: 8080,
  mode: 'drain',
  reason: 'kernel upgrade — ticket OPS-42',
  since: SINCE,
  until: UNTIL,
  user: 'alice',
};

function problemOf(json: unknown, fileName = 'web.json'): string {
  const text = typeof json === 'string' ? json : JSON.stringify(json);
  const result = decodeEntry(text, fileName);
  if (result.ok) throw new Error(`expected a problem, got ${JSON.stringify(result.entry)}`);
  return result.problem;
}

const BASE = { service: 'web', mode: 'down', reason: '', since: '2026-03-01T12:00:00.000Z' };

describe('targetProblem', () => {
  it.each(['web', 'api_widgets', 'svc.v2', 'a:1', 'a..b', '0day', ALL, 'x'.repeat(128)])(
    'accepts %j',
    (name) => {
      expect(targetProblem(name)).toBeUndefined();
    },
  );

  it.each([
    ['../x', /contains "\/"/],
    ['a/b', /contains "\/"/],
    ['/etc/passwd', /contains "\/"/],
    ['.', /cannot name a maintenance target/],
    ['..', /cannot name a maintenance target/],
    ['web\nx', /control character/],
    ['web\u0000', /control character/],
    ['web\u2028x', /control character/],
    ['ALL', /write "all"/],
    ['All', /write "all"/],
    ['', /not a valid name/],
    ['.hidden', /not a valid name/],
    ['-web', /not a valid name/],
    ['web@8080', /not a valid name/],
    ['a b', /not a valid name/],
    ['wéb', /not a valid name/],
    ['x'.repeat(129), /not a valid name/],
  ])('refuses %j', (name, message) => {
    expect(targetProblem(name)).toMatch(message);
  });

  it('quotes hostile names safely: escaped and truncated', () => {
    expect(targetProblem('web\nx')).toContain('"web\\u000ax"');
    const long = targetProblem('y'.repeat(10_240)) ?? '';
    expect(long.length).toBeLessThan(300);
    expect(long).toContain('…');
    const longNewline = targetProblem(`${'z'.repeat(10_240)}\n`) ?? '';
    expect(longNewline).not.toContain('\n');
    expect(longNewline.length).toBeLessThan(300);
  });

  it('refuses a non-string (called from JavaScript)', () => {
    expect(targetProblem(42 as unknown as string)).toMatch(/must be a string/);
  });
});

describe('entryFileName and parseEntryFileName', () => {
  it.each([
    ['web', undefined, 'web.json'],
    ['web', 8080, 'web@8080.json'],
    ['all', undefined, 'all.json'],
    ['all', 8080, 'all@8080.json'],
    ['svc.v2:x', 1, 'svc.v2:x@1.json'],
  ])('names (%j, %j) %j, and reads it back', (service, port, fileName) => {
    expect(entryFileName(service, port)).toBe(fileName);
    expect(parseEntryFileName(fileName)).toEqual(
      port === undefined ? { service } : { service, port },
    );
  });

  it.each([
    ['../x', undefined],
    ['a/b', undefined],
    ['..', undefined],
    ['.', undefined],
    ['web\nx', undefined],
    ['x'.repeat(10_240), undefined],
    ['web', 0],
    ['web', 65536],
    ['web', 80.5],
    ['web', -1],
    ['web', Number.NaN],
    ['web', '80' as unknown as number],
  ])('throws for (%j, %j)', (service, port) => {
    expect(() => entryFileName(service, port)).toThrow(Error);
  });

  it.each([
    'README',
    'web',
    'web.json.bak',
    'web.JSON',
    '.web.json',
    'web@.json',
    'web@0.json',
    'web@65536.json',
    'web@08080.json',
    'web@80@81.json',
    '@80.json',
    '.json',
    'ALL.json',
    'a b.json',
    '..json',
  ])('does not take %j for an entry file', (fileName) => {
    expect(parseEntryFileName(fileName)).toBeUndefined();
  });
});

describe('encodeEntry', () => {
  it('writes pretty JSON in a fixed key order with ISO times and a trailing newline', () => {
    expect(encodeEntry(FULL)).toBe(
      [
        '{',
        '  "service": "web",',
        '  "port": 8080,',
        '  "mode": "drain",',
        '  "reason": "kernel upgrade — ticket OPS-42",',
        '  "since": "2026-03-01T12:00:00.000Z",',
        '  "until": "2026-03-01T13:30:00.000Z",',
        '  "user": "alice"',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('leaves out the optional fields, whatever the property order of the input', () => {
    const entry = { user: undefined, reason: 'r', since: SINCE, mode: 'down', service: 'all' };
    expect(encodeEntry(entry as MaintenanceEntry)).toBe(
      '{\n  "service": "all",\n  "mode": "down",\n  "reason": "r",\n  "since": "2026-03-01T12:00:00.000Z"\n}\n',
    );
  });

  it('never throws, even for times that cannot be represented', () => {
    const text = encodeEntry({ ...FULL, since: Number.NaN, until: 1e20 });
    expect(problemOf(text, 'web@8080.json')).toMatch(/"since" must be an ISO-8601 time/);
  });
});

describe('decodeEntry', () => {
  it('round-trips a full entry and a minimal one', () => {
    expect(decodeEntry(encodeEntry(FULL), 'web@8080.json')).toEqual({ ok: true, entry: FULL });
    const minimal: MaintenanceEntry = { service: 'all', mode: 'down', reason: '', since: SINCE };
    expect(decodeEntry(encodeEntry(minimal), 'all.json')).toEqual({ ok: true, entry: minimal });
  });

  it('reads times with an offset and without milliseconds, and a byte-order mark', () => {
    const text = JSON.stringify({ ...BASE, since: '2026-03-01T14:00:00+02:00' });
    expect(decodeEntry(`\ufeff${text}`, 'web.json')).toEqual({
      ok: true,
      entry: { service: 'web', mode: 'down', reason: '', since: SINCE },
    });
  });

  it('accepts a reason of exactly 1000 characters and a user of 256', () => {
    const json = { ...BASE, reason: 'r'.repeat(1000), user: 'u'.repeat(256) };
    expect(decodeEntry(JSON.stringify(json), 'web.json').ok).toBe(true);
  });

  it.each([
    ['not JSON', '{"service": "web",', /is not valid JSON/],
    ['empty', '', /is not valid JSON/],
    ['an array', '[]', /must hold a JSON object/],
    ['null', 'null', /must hold a JSON object/],
    ['a string', '"down"', /must hold a JSON object/],
    ['an unknown key', { ...BASE, expires: 1 }, /unknown key "expires"/],
    [
      'many unknown keys',
      { ...BASE, a: 1, b: 2, c: 3, d: 4 },
      /unknown keys "a", "b", "c" and 1 more/,
    ],
    ['a hostile unknown key', { ...BASE, 'x\ny': 1 }, /unknown key "x\\u000ay"/],
    ['no service', { ...BASE, service: undefined }, /"service" must be a string/],
    ['a numeric service', { ...BASE, service: 7 }, /"service" must be a string/],
    ['a traversing service', { ...BASE, service: '../x' }, /contains "\/"/],
    ['a dot service', { ...BASE, service: '..' }, /cannot name a maintenance target/],
    ['a zero port', { ...BASE, port: 0 }, /"port": 0 is not a port/],
    ['a string port', { ...BASE, port: '8080' }, /"port": "8080" is not a port/],
    ['a fractional port', { ...BASE, port: 80.5 }, /is not a port/],
    ['a null port', { ...BASE, port: null }, /is not a port/],
    ['no mode', { ...BASE, mode: undefined }, /"mode" must be "down" or "drain"/],
    ['an unknown mode', { ...BASE, mode: 'maint' }, /"mode" must be/],
    ['no reason', { ...BASE, reason: undefined }, /"reason" must be a string/],
    ['a long reason', { ...BASE, reason: 'r'.repeat(1001) }, /"reason" is longer than 1000/],
    ['a newline in the reason', { ...BASE, reason: 'a\nb' }, /"reason" contains a control/],
    ['a tab in the reason', { ...BASE, reason: 'a\tb' }, /"reason" contains a control/],
    ['an escape in the reason', { ...BASE, reason: '\u001b[31m' }, /"reason" contains a control/],
    ['no since', { ...BASE, since: undefined }, /"since" must be an ISO-8601 time/],
    ['a numeric since', { ...BASE, since: SINCE }, /"since" must be an ISO-8601 time/],
    ['a date-only since', { ...BASE, since: '2026-03-01' }, /"since" must be/],
    ['a free-form since', { ...BASE, since: 'March 1, 2026' }, /"since" must be/],
    ['February 30th', { ...BASE, since: '2026-02-30T00:00:00Z' }, /"since" must be/],
    ['hour 24', { ...BASE, since: '2026-03-01T24:00:00Z' }, /"since" must be/],
    ['no zone', { ...BASE, since: '2026-03-01T12:00:00' }, /"since" must be/],
    ['a bad until', { ...BASE, until: 'tomorrow' }, /"until" must be an ISO-8601 time/],
    ['a null until', { ...BASE, until: null }, /"until" must be an ISO-8601 time/],
    ['until equal to since', { ...BASE, until: BASE.since }, /"until" must be later than "since"/],
    ['until before since', { ...BASE, until: '2026-03-01T11:00:00Z' }, /must be later than/],
    ['a numeric user', { ...BASE, user: 0 }, /"user" must be a string/],
    ['an empty user', { ...BASE, user: '' }, /"user" must not be empty/],
    ['a long user', { ...BASE, user: 'u'.repeat(257) }, /"user" is longer than 256/],
    ['a control character in the user', { ...BASE, user: 'root\r' }, /"user" contains a control/],
  ])('refuses %s', (_label, json, message) => {
    expect(problemOf(json)).toMatch(message);
  });

  it('refuses content that names another target than its file', () => {
    expect(problemOf(BASE, 'api.json')).toBe(
      'names "web" with no port (web.json) but the file is "api.json"',
    );
    expect(problemOf({ ...BASE, port: 8080 }, 'web.json')).toBe(
      'names "web" with port 8080 (web@8080.json) but the file is "web.json"',
    );
    expect(problemOf(BASE, 'web@8080.json')).toMatch(/with no port .* but the file is/);
    expect(problemOf({ ...BASE, service: 'all' }, 'web.json')).toMatch(/names "all"/);
    expect(problemOf(BASE, 'bad\nname.json')).toContain('"bad\\u000aname.json"');
  });

  it(`refuses a text over ${MAX_ENTRY_BYTES} bytes before parsing it`, () => {
    const padded = `${JSON.stringify(BASE)}${' '.repeat(MAX_ENTRY_BYTES)}`;
    expect(problemOf(padded)).toBe('is larger than 64 KiB');
    // Bytes, not characters: 30,000 three-byte characters are over the limit.
    expect(problemOf(`"${'€'.repeat(30_000)}"`)).toBe('is larger than 64 KiB');
  });
});
