import { describe, expect, it } from 'vitest';
import { DIRECTIVES, parseDirective, validateLine } from '../src/directives.js';
import { serverOptionsProblem } from '../src/server-options.js';
import { validateClusterSection, validateHAProxyConfig } from '../src/validate.js';
import type { Section } from '../src/directives.js';
import type { HAProxyConfig } from '../src/schema.js';

const PATHS = {
  config_file: '/etc/haproxy.cfg',
  socket_file: '/run/h.sock',
  pid_file: '/run/h.pid',
};

describe('validateLine accepts', () => {
  it.each<[Section, string]>([
    ['defaults', 'timeout connect 5s'],
    ['backend', 'timeout connect 5s'],
    ['frontend', 'option httplog'],
    ['defaults', 'option httplog'],
    ['backend', 'http-request set-path /health'],
    ['frontend', 'http-request deny if { src 10.0.0.0/8 }'],
    ['global', 'nbthread 2'],
    ['global', 'maxconn 500'],
    ['frontend', 'maxconn 500'],
    ['backend', 'maxconn 500'], // in the 1.0 manual; HAProxy 2.6 ignores it with a warning
    ['backend', 'no option http-server-close'],
    ['defaults', 'no option http-server-close'],
    ['frontend', 'tcp-request connection reject if { src 10.0.0.1 }'],
    ['frontend', 'capture request header Host len 32'],
    ['backend', 'balance roundrobin'],
    ['backend', 'hash-type consistent'],
    ['backend', 'default-server check inter 2s'],
    ['listen', 'server partner 192.0.2.1:80 check'],
    ['global', 'stats timeout 30s'],
    ['global', 'no log'],
    ['global', 'daemon'],
    ['frontend', 'log global'],
    ['defaults', 'mode http'],
    ['backend', '  mode http  '],
    ['backend', 'http-request set-header X-Note "a # b"'],
    ['backend', 'acl is_x path_beg /x # trailing comment'],
    ['backend', "http-response set-header X-Q 'single \\ quoted'"],
  ])('%s: %s', (section, line) => {
    expect(validateLine(section, line)).toBeUndefined();
  });
});

describe('validateLine rejects', () => {
  it.each<[Section, string, string]>([
    ['global', 'logfoo', 'unknown global directive "logfoo" (did you mean "log"?)'],
    ['backend', 'fee foo fi', 'unknown backend directive "fee"'],
    ['frontend', 'foo bar bazz', 'unknown frontend directive "foo"'],
    ['defaults', 'invalid line ok', 'unknown defaults directive "invalid"'],
    [
      'backend',
      'timeout server 3s\n\tserver injected 127.0.0.1:1',
      'line contains a control character (newline, tab…): "timeout server 3s\\u000a\\u0009server injected 127.0.0.1:1"',
    ],
    [
      'backend',
      'mode http\tserver injected 127.0.0.1:1',
      'line contains a control character (newline, tab…): "mode http\\u0009server injected 127.0.0.1:1"',
    ],
    [
      'frontend',
      'mode http\r',
      'line contains a control character (newline, tab…): "mode http\\u000d"',
    ],
    [
      'frontend',
      'mode\u2028http',
      'line contains a control character (newline, tab…): "mode\\u2028http"',
    ],
    [
      'frontend',
      'mode http\u0000',
      'line contains a control character (newline, tab…): "mode http\\u0000"',
    ],
    ['backend', 'optoin httpchk', 'unknown backend directive "optoin" (did you mean "option"?)'],
    [
      'backend',
      'option httpchek',
      'unknown backend directive "option httpchek" (did you mean "option httpchk"?)',
    ],
    [
      'backend',
      'timeout conect 5s',
      'unknown backend directive "timeout conect" (did you mean "timeout connect"?)',
    ],
    [
      'global',
      'stats socket /x',
      '"stats socket" is written by lighthouse: lighthouse writes the admin socket line from socket_file',
    ],
    [
      'global',
      'pidfile /run/other.pid',
      '"pidfile" is written by lighthouse: lighthouse passes pid_file to HAProxy (-p), which would refuse a second one',
    ],
    [
      'backend',
      'server evil 10.0.0.1:80',
      '"server" is written by lighthouse: servers come from discovery; put server keywords in server_options',
    ],
    [
      'frontend',
      'balance roundrobin',
      '"balance" is not allowed in a frontend section (only in: defaults, backend, listen)',
    ],
    [
      'backend',
      'option forwardfor-oops',
      'unknown backend directive "option forwardfor-oops" (did you mean "option forwardfor"?)',
    ],
    [
      'defaults',
      'http-request deny',
      '"http-request" is not allowed in the anonymous defaults section lighthouse writes (HAProxy accepts it only in named ones): put it in each frontend or backend',
    ],
    ['backend', 'no option httpchk', '"no" cannot be used with "option httpchk"'],
    [
      'backend',
      'option tcplog',
      '"option tcplog" is not allowed in a backend section (only in: defaults, frontend, listen)',
    ],
    [
      'backend',
      'reqadd X-Foo:\\ bar',
      '"reqadd" was removed in HAProxy 2.1: use "http-request" rules',
    ],
    [
      'global',
      'nbproc 2',
      '"nbproc" was removed in HAProxy 2.5: threads are used automatically (see "nbthread")',
    ],
    ['backend', 'option http-tunnel', '"option http-tunnel" was removed in HAProxy 2.1: remove it'],
    ['backend', 'MODE http', 'unknown backend directive "MODE" (did you mean "mode"?)'],
    [
      'backend',
      'stick-tabel type ip',
      'unknown backend directive "stick-tabel" (did you mean "stick-table"?)',
    ],
    ['backend', 'option', 'unknown backend directive "option"'],
    ['backend', '', 'line is empty'],
    ['backend', '   ', 'line is empty'],
    ['backend', '# a comment', 'line is only a comment: use a YAML comment instead'],
    ['backend', 'http-request set-header X "open', 'line has an unterminated " quote'],
    ['backend', "http-request set-header X 'open", "line has an unterminated ' quote"],
    ['backend', 'http-request set-header X a\\', 'line ends with a backslash'],
    ['backend', '""', 'unknown backend directive ""'],
  ])('%s: %j', (section, line, message) => {
    expect(validateLine(section, line)).toBe(message);
  });
});

describe('the directive table', () => {
  it('matches whole keywords only (1.0 accepted any prefix)', () => {
    expect(validateLine('backend', 'logfoo')).toBeDefined();
    expect(validateLine('backend', 'server-templatex a 1 b')).toBeDefined();
    expect(validateLine('frontend', 'statsfoo enable')).toBeDefined();
  });

  it('holds the modern keywords 1.0 dropped', () => {
    for (const [section, line] of [
      ['global', 'nbthread 4'],
      ['backend', 'option http-keep-alive'],
      ['backend', 'http-reuse safe'],
      ['global', 'ssl-default-bind-options ssl-min-ver TLSv1.2'],
      ['global', 'lua-load /etc/haproxy/x.lua'],
    ] as const) {
      expect(validateLine(section, line), line).toBeUndefined();
    }
  });

  it('lists each keyword once, sorted, with sections in a fixed order', () => {
    const keywords = DIRECTIVES.map((directive) => directive.keyword);
    expect(keywords).toEqual([...new Set(keywords)].sort());
    expect(DIRECTIVES.find((d) => d.keyword === 'timeout connect')?.sections).toEqual([
      'defaults',
      'backend',
      'listen',
    ]);
    expect(DIRECTIVES.find((d) => d.keyword === 'log')).toMatchObject({
      sections: ['global', 'defaults', 'frontend', 'backend', 'listen', 'peers'],
      negatable: true,
    });
  });

  it('parses a valid line into keyword and arguments', () => {
    expect(parseDirective('backend', 'no option  http-server-close')).toEqual({
      keyword: 'option http-server-close',
      negated: true,
      args: [],
    });
    expect(parseDirective('backend', 'mode "http"')).toEqual({
      keyword: 'mode',
      negated: false,
      args: ['http'],
    });
    expect(parseDirective('frontend', 'balance roundrobin')).toBeUndefined();
  });
});

describe('server_options', () => {
  it.each([
    'check',
    'check inter 2s fall 3 rise 2',
    'slowstart 30s',
    '  check   weight 10 ',
    'source 10.0.0.1 usesrc clientip check',
    '',
  ])('accepts %j', (options) => expect(serverOptionsProblem(options)).toBeUndefined());

  it.each([
    [
      'check\nlisten evil\n\tbind 127.0.0.1:28040',
      'contains a control character (newline, tab…): "check\\u000alisten evil\\u000a\\u0009bind 127.0.0.1:28040"',
    ],
    [
      'check # weight 0',
      'character "#" in "#" is not allowed: HAProxy would comment out the rest of the server line',
    ],
    [
      'agent-send "hello"',
      `character '"' in ""hello"" is not allowed: HAProxy would read it as quoting`,
    ],
    [
      'check inter 2s;show',
      'character ";" in "2s;show" is not allowed: the runtime API would read it as a command separator',
    ],
    [
      'check inter 2s ;',
      'character ";" in ";" is not allowed: the runtime API would read it as a command separator',
    ],
    [
      'agent-send a\\b',
      'character "\\" in "a\\b" is not allowed: HAProxy would read it as an escape',
    ],
    [
      'crt /etc/é.pem',
      'character U+00E9 in "/etc/é.pem" is not allowed: only printable ASCII is allowed',
    ],
    [
      'inter\u00a02s',
      'character U+00A0 in "inter\u00a02s" is not allowed: only printable ASCII is allowed',
    ],
    ['chekc', 'unknown server keyword "chekc" (did you mean "check"?)'],
    ['CHECK', 'unknown server keyword "CHECK" (did you mean "check"?)'],
    ['send-proxy-v3', 'unknown server keyword "send-proxy-v3" (did you mean "send-proxy-v2"?)'],
    ['check inter', '"inter" needs a value'],
    ['source 10.0.0.1 usesrc', '"source … usesrc" needs a value'],
    [
      'cookie x',
      '"cookie" is not allowed: lighthouse gives each server its own cookie when the backend uses cookies',
    ],
    ['id 5', '"id" is not allowed: every server would get the same id, which HAProxy refuses'],
  ])('rejects %j', (options, message) => expect(serverOptionsProblem(options)).toBe(message));
});

describe('validateHAProxyConfig', () => {
  it('accepts the manual examples', () => {
    const config: HAProxyConfig = {
      ...PATHS,
      bind_address: '127.0.0.1',
      global: ['daemon', 'maxconn 40000', 'user haproxy', 'log /var/run/syslog local2'],
      defaults: ['balance roundrobin', 'timeout connect 10s', 'timeout client 20s'],
      meta_clusters: { webapi: { port: 8888, frontend: ['mode http'] } },
      proxies: {
        business_partner: {
          port: 1100,
          upstreams: [{ host: 'b2b.partner.com', port: 88, max_conn: 400 }],
          options: ['mode http'],
        },
      },
      stats: { port: 9009, uri: '/haproxy', timeouts: { connect: 4000, server: 30000 } },
    };
    expect(validateHAProxyConfig(config)).toEqual([]);
  });

  it('points at every bad line, name and address', () => {
    const config: HAProxyConfig = {
      ...PATHS,
      bind_address: 'not an address',
      global: ['daemon', 'stats socket /tmp/x'],
      defaults: ['mode http', 'logfoo'],
      meta_clusters: {
        'web/api': { port: 1, frontend: ['mode http', 'balance roundrobin'] },
        stats: { port: 2 },
      },
      proxies: {
        'web/api': {
          port: 3,
          bind_address: '*',
          options: ['server-template x 1-3 a.example:80'],
          upstreams: [
            { host: 'a.example', port: 1 },
            { host: 'fe80::1%eth0', port: 1 },
            { host: 'a.example', port: 1 },
          ],
        },
        stats: { port: 4, upstreams: [{ host: 'b.example', port: 1 }] },
      },
      stats: { port: 9 },
    };
    expect(validateHAProxyConfig(config).map((issue) => issue.pointer)).toEqual([
      '/global/1',
      '/defaults/1',
      '/bind_address',
      '/meta_clusters/web~1api',
      '/meta_clusters/web~1api/frontend/1',
      '/meta_clusters/stats',
      '/proxies/web~1api',
      '/proxies/web~1api',
      '/proxies/web~1api/upstreams/1/host',
      '/proxies/web~1api/upstreams/2',
      '/proxies/stats',
      '/proxies/stats',
    ]);
  });
});

describe('validateClusterSection', () => {
  it('accepts the manual examples', () => {
    expect(
      validateClusterSection({ port: 8000, frontend: ['log global'], backend: ['mode http'] }),
    ).toEqual([]);
    expect(
      validateClusterSection({ acl: 'path_beg /api/widgets', backend: ['mode http'] }),
    ).toEqual([]);
    expect(validateClusterSection({ server_options: 'slowstart 60s' })).toEqual([]);
  });

  it('points at every problem', () => {
    expect(
      validateClusterSection({
        acl: 'path_beg /api\nbackend evil',
        frontend: ['log global', 'default_backend other', 'use_backend other if TRUE'],
        backend: ['mode http', 'maxconn 500', 'bind :80', 'server x 10.0.0.1:80'],
        server_options: 'check\nlisten evil',
      }),
    ).toEqual([
      {
        pointer: '/acl',
        message:
          'acl contains a control character (newline, tab…): "path_beg /api\\u000abackend evil"',
      },
      {
        pointer: '/frontend/1',
        message:
          '"default_backend" is written by lighthouse: a cluster frontend routes to its own backend (use a meta cluster to route by ACL)',
      },
      {
        pointer: '/backend/2',
        message: '"bind" is not allowed in a backend section (only in: frontend, listen, peers)',
      },
      {
        pointer: '/backend/3',
        message:
          '"server" is written by lighthouse: servers come from discovery; put server keywords in server_options',
      },
      {
        pointer: '/server_options',
        message: 'contains a control character (newline, tab…): "check\\u000alisten evil"',
      },
    ]);
  });
});
