import { describe, expect, it } from 'vitest';
import {
  healthAnswer,
  parseHealthRoute,
  statusAnswer,
  UNKNOWN_ROUTE_BODY,
} from '../../src/engine/health-proxy.js';
import type { PortHealth } from '../../src/engine/health-proxy.js';
import { failingPort, healthyPort } from './health-proxy-support.js';

/** The pure half of the health proxy: URL parsing and answers, without a server. */

const until = Date.UTC(2026, 5, 1, 12, 0, 0);

describe('parseHealthRoute', () => {
  it('reads check routes with any lower-case protocol word, rest and query ignored', () => {
    for (const target of [
      '/http/web/8080/',
      '/http/web/8080',
      '/tcp/web/8080/anything/else?x=1',
      '/http/web/08080/',
      '/http/web/8080/#frag',
    ]) {
      expect(parseHealthRoute(target)).toEqual({
        kind: 'check',
        protocol: target.split('/')[1],
        service: 'web',
        port: 8080,
      });
    }
    expect(parseHealthRoute('/redis-info/cache/6379/match?role=master')).toMatchObject({
      kind: 'check',
      protocol: 'redis-info',
    });
    expect(parseHealthRoute('/http/web%2Eapi/80/')).toMatchObject({ service: 'web.api' });
    // The rest is never decoded, so an undecodable rest does not matter.
    expect(parseHealthRoute('/http/web/80/x%ZZ')).toMatchObject({ kind: 'check', port: 80 });
  });

  it('reads /spool with port 0 and /status', () => {
    expect(parseHealthRoute('/spool/web/0/')).toEqual({ kind: 'spool', service: 'web', port: 0 });
    expect(parseHealthRoute('/spool/web/80')).toEqual({ kind: 'spool', service: 'web', port: 80 });
    expect(parseHealthRoute('/status')).toEqual({ kind: 'status' });
    expect(parseHealthRoute('/status?pretty')).toEqual({ kind: 'status' });
  });

  it('turns everything else into the unknown route, never an exception', () => {
    for (const target of [
      '/',
      '*',
      'http://example.com/http/web/80/',
      '/status/',
      '/status/count',
      '/status/web/80/',
      '/http/web',
      '/http/web/',
      '/http//80/',
      '//web/80/',
      '/HTTP/web/80/',
      '/1http/web/80/',
      `/${'a'.repeat(33)}/web/80/`,
      '/http/web/0/',
      '/http/web/65536/',
      '/http/web/123456/',
      '/http/web/-1/',
      '/http/web/8o/',
      '/http/web/%38%30/',
      '/%68ttp/web/80/',
      '/spool/web/65536/',
      '/http/%ZZ/80/',
      '/http/web%E0%A4%A/80/',
      '/http/../../etc/passwd/1/',
    ]) {
      expect(parseHealthRoute(target), target).toEqual({ kind: 'unknown' });
    }
  });

  it('keeps a percent-encoded slash inside its segment', () => {
    expect(parseHealthRoute('/http/a%2F..%2Fb/80/')).toMatchObject({ service: 'a/../b' });
  });
});

describe('healthAnswer', () => {
  const route = (service: string, port: number) => ({
    kind: 'check' as const,
    protocol: 'http',
    service,
    port,
  });

  it('answers 200 for a healthy port and 503 with the reason for a failing one', () => {
    const ports = [healthyPort('web', 80), failingPort('web', 81, 'HTTP 500 from /health')];
    expect(healthAnswer(route('web', 80), ports)).toEqual({
      status: 200,
      body: 'OK: web:80 is healthy\n',
    });
    expect(healthAnswer(route('web', 81), ports)).toEqual({
      status: 503,
      body: 'Service web:81 is failing: HTTP 500 from /health\n',
    });
  });

  it('falls back to the first failing check when the port gives no reason, else says nothing', () => {
    const port: PortHealth = { ...failingPort('web', 80, 'refused'), reason: undefined };
    expect(healthAnswer(route('web', 80), [port]).body).toBe(
      'Service web:80 is failing: refused\n',
    );
    const unknown: PortHealth = { ...port, checks: [{ name: 'http', passing: false }] };
    expect(healthAnswer(route('web', 80), [unknown]).body).toBe('Service web:80 is failing\n');
  });

  it('puts maintenance first, in hacheck words, with drain, empty reasons and expiry', () => {
    const down: PortHealth = {
      ...failingPort('web', 80, 'refused'),
      maintenance: { mode: 'down', reason: 'kernel upgrade', since: 0 },
    };
    expect(healthAnswer(route('web', 80), [down])).toEqual({
      status: 503,
      body: 'Service web in down state: kernel upgrade\n',
    });
    const drain: PortHealth = {
      ...healthyPort('web', 80),
      maintenance: { mode: 'drain', reason: '', since: 0, until },
    };
    expect(healthAnswer(route('web', 80), [drain])).toEqual({
      status: 503,
      body: 'Service web in drain state until 2026-06-01T12:00:00.000Z\n',
    });
  });

  it('answers 404 for an unknown service or port, echoing names only through printable()', () => {
    const ports = [healthyPort('web', 80)];
    expect(healthAnswer(route('api', 80), ports)).toEqual({
      status: 404,
      body: 'unknown service api\n',
    });
    expect(healthAnswer(route('web', 81), ports)).toEqual({
      status: 404,
      body: 'unknown service web:81\n',
    });
    const hostile = healthAnswer(route(`evil\n\u001b[2J${'x'.repeat(10_000)}`, 80), ports);
    expect(hostile.status).toBe(404);
    expect(hostile.body).toMatch(/^unknown service evil\\u000a\\u001b\[2Jx+…\n$/);
    expect(hostile.body.length).toBeLessThan(120);
    expect(healthAnswer({ kind: 'unknown' }, ports)).toEqual({
      status: 404,
      body: UNKNOWN_ROUTE_BODY,
    });
  });

  it('answers spool routes from maintenance only; port 0 is the whole service', () => {
    const ports: PortHealth[] = [
      failingPort('web', 80, 'refused'),
      { ...healthyPort('web', 81), maintenance: { mode: 'down', reason: 'disk', since: 0 } },
      healthyPort('api', 90),
    ];
    const spool = (service: string, port: number) => ({ kind: 'spool' as const, service, port });
    // Failing checks do not matter to /spool, like hacheck's spool-only route.
    expect(healthAnswer(spool('web', 80), ports)).toEqual({ status: 200, body: 'OK\n' });
    expect(healthAnswer(spool('web', 81), ports)).toEqual({
      status: 503,
      body: 'Service web in down state: disk\n',
    });
    expect(healthAnswer(spool('web', 0), ports).status).toBe(503);
    expect(healthAnswer(spool('api', 0), ports)).toEqual({ status: 200, body: 'OK\n' });
    expect(healthAnswer(spool('web', 82), ports).status).toBe(404);
    expect(healthAnswer(spool('nope', 0), ports)).toEqual({
      status: 404,
      body: 'unknown service nope\n',
    });
  });

  it('answers /status only through statusAnswer', () => {
    expect(healthAnswer({ kind: 'status' }, []).status).toBe(404);
  });
});

describe('statusAnswer', () => {
  it('lists every port sorted by service then port, times as ISO strings', () => {
    const ports: PortHealth[] = [
      { ...healthyPort('web', 443), maintenance: { mode: 'drain', reason: 'r', since: 0, until } },
      failingPort('web', 80, 'refused'),
      healthyPort('api', 9000),
    ];
    const answer = statusAnswer(ports, 12_345);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({
      ports: [
        {
          service: 'api',
          port: 9000,
          healthy: true,
          registered: true,
          checks: [
            { name: 'http', passing: true, last: { ok: true, at: '2026-01-01T00:00:00.000Z' } },
          ],
        },
        {
          service: 'web',
          port: 80,
          healthy: false,
          registered: false,
          reason: 'refused',
          checks: [
            {
              name: 'http',
              passing: false,
              last: { ok: false, reason: 'refused', at: '2026-01-01T00:00:00.000Z' },
            },
          ],
        },
        {
          service: 'web',
          port: 443,
          healthy: true,
          registered: true,
          maintenance: {
            mode: 'drain',
            reason: 'r',
            since: '1970-01-01T00:00:00.000Z',
            until: '2026-06-01T12:00:00.000Z',
          },
          checks: [
            { name: 'http', passing: true, last: { ok: true, at: '2026-01-01T00:00:00.000Z' } },
          ],
        },
      ],
      uptime_s: 12,
    });
  });

  it('does not throw on a time no Date can hold', () => {
    const odd: PortHealth = {
      ...healthyPort('web', 80),
      checks: [{ name: 'x', passing: true, last: { ok: true, at: Number.NaN } }],
    };
    expect(JSON.parse(statusAnswer([odd], 0).body).ports[0].checks[0].last.at).toBe('NaN');
  });
});
