import { describe, expect, it } from 'vitest';
import { loadConfigDir, loadConfigFile } from '../../src/config/index.js';
import { ConfigKinds } from '../../src/config/types.js';
import { formatIssue } from '../../src/errors.js';
import {
  fakeHaproxy,
  fakeHttp,
  fakeRedis,
  fakeTcp,
  fakeZookeeper,
} from '../helpers/config-fixtures.js';
import { dirWith, issuesOf, resolver } from '../helpers/config-load.js';
import { manualExamples, manualHaproxyVariants } from '../helpers/config-manual-examples.js';

/** One file at a time: the manual's examples, resolved values, and broken files. */
describe('the examples of the lighthouse 1.0 manual', () => {
  it.each(Object.entries(manualExamples))('%s is valid', async (file, text) => {
    expect(await issuesOf(file, text)).toEqual([]);
  });

  it.each(manualHaproxyVariants.map((text, index) => [index, text] as const))(
    'haproxy.yaml variant %i is valid',
    async (_, text) => {
      expect(await issuesOf('balancers/haproxy.yaml', text)).toEqual([]);
    },
  );

  it('loads the whole example directory into resolved entries', async () => {
    const { dir } = await dirWith(manualExamples);
    const { entries, issues } = await loadConfigDir({ dir, kinds: ConfigKinds, resolver });
    expect(issues).toEqual([]);
    expect(entries.map((entry) => `${entry.kind}:${entry.name}:${entry.file}`)).toEqual([
      'logging:logging:logging.yaml',
      'balancers:haproxy:balancers/haproxy.yaml',
      'discovery:zookeeper:discovery/zookeeper.yaml',
      'clusters:sprockets:clusters/sprockets.yaml',
      'clusters:webapp:clusters/webapp.yaml',
      'clusters:widgets:clusters/widgets.yaml',
      'services:cache:services/cache.yaml',
    ]);
    const byFile = new Map(entries.map((entry) => [entry.file, entry.value]));
    expect(byFile.get('logging.yaml')).toEqual({ level: 'debug' });
    expect(byFile.get('balancers/haproxy.yaml')).toMatchObject({
      name: 'haproxy',
      plugin: fakeHaproxy,
    });
    expect(byFile.get('discovery/zookeeper.yaml')).toEqual({
      name: 'zookeeper',
      plugin: fakeZookeeper,
      config: { hosts: ['zk01:2181', 'zk02:2181', 'zk03:2181'], path: '/lighthouse/services' },
    });
    expect(byFile.get('clusters/widgets.yaml')).toEqual({
      name: 'widgets',
      discovery: 'zookeeper',
      metaCluster: 'webapi',
      balancers: { haproxy: { acl: 'path_beg /api/widgets', backend: ['mode http'] } },
    });
    expect(byFile.get('services/cache.yaml')).toEqual({
      name: 'cache',
      discovery: 'zookeeper',
      host: '127.0.0.1',
      ports: [6379],
      metadata: {},
      interval: 3,
      checks: [{ name: 'redis', plugin: fakeRedis, rise: 2, fall: 1, timeout: 3, config: {} }],
    });
  });
});

describe('resolved values', () => {
  it('applies plugin defaults, splits engine keys from check keys and keeps check order', async () => {
    const { dir } = await dirWith({
      'services/web.yaml': `name: web-api
ports: [8080, 8081, 8080]
port: 8081
discovery: zookeeper
metadata: {team: core, weight: 3}
checks:
  interval: 2.5
  tcp: {rise: 1, fall: 2}
  http:
    uri: /health
    rise: 3
    fall: 1
    timeout: 0.5
`,
    });
    const result = await loadConfigFile(dir, 'services/web.yaml', resolver);
    expect(result).toEqual({
      ok: true,
      entry: {
        kind: 'services',
        name: 'web-api',
        file: 'services/web.yaml',
        value: {
          name: 'web-api',
          discovery: 'zookeeper',
          host: '127.0.0.1',
          ports: [8080, 8081],
          metadata: { team: 'core', weight: 3 },
          interval: 2.5,
          checks: [
            { name: 'tcp', plugin: fakeTcp, rise: 1, fall: 2, timeout: 2.5, config: {} },
            {
              name: 'http',
              plugin: fakeHttp,
              rise: 3,
              fall: 1,
              timeout: 0.5,
              config: { uri: '/health', method: 'GET', https: false },
            },
          ],
        },
      },
    });
  });

  it.each([
    ['WARNING', 'warn'],
    ['critical', 'error'],
    ['Info', 'info'],
  ])('maps root.level %s to %s, and `level` wins over it', async (python, level) => {
    const fixture = await dirWith({ 'logging.yml': `root: {level: ${python}}\n` });
    const { dir } = fixture;
    expect(await loadConfigFile(dir, 'logging.yml', resolver)).toMatchObject({
      ok: true,
      entry: { value: { level } },
    });
    await fixture.write('logging.yml', `level: silent\nformat: json\nroot: {level: ${python}}\n`);
    expect(await loadConfigFile(dir, 'logging.yml', resolver)).toMatchObject({
      ok: true,
      entry: { value: { level: 'silent', format: 'json' } },
    });
  });
});

const service = (checks: string, extra = '') =>
  `port: 80\ndiscovery: zookeeper\n${extra}checks:\n  interval: 3\n${checks}`;
const redis = '  redis: {rise: 1, fall: 1}\n';

describe('broken files are rejected with file, line, pointer and message', () => {
  it.each([
    [
      'clusters/web.yaml',
      'haproxy:\n  port: 80\n',
      ['clusters/web.yaml: /discovery: missing required key "discovery"'],
    ],
    [
      'services/web.yaml',
      service('  redis:\n    rise: two\n    fall: 1\n'),
      ['services/web.yaml:6: /checks/redis/rise: expected an integer, got "two"'],
    ],
    [
      'services/web.yaml',
      service('  redis:\n    rise: 1.5\n    fall: 1\n'),
      ['services/web.yaml:6: /checks/redis/rise: expected an integer, got 1.5'],
    ],
    [
      'services/web.yaml',
      service('  htp: {rise: 1, fall: 1, uri: /}\n'),
      [
        'services/web.yaml:5: /checks/htp: unknown check "htp" (did you mean "http"?): checks plugin "htp" is not available (found: http, redis, tcp); referenced from services/web.yaml',
      ],
    ],
    [
      'services/web.yaml',
      service(`  http:\n    uri: /health\n    rise: 1\n    fall: 1\n    methd: POST\n`),
      ['services/web.yaml:9: /checks/http/methd: unknown key "methd" (did you mean "method"?)'],
    ],
    [
      'services/web.yaml',
      service('  http: {rsie: 2, fall: 1, uri: /}\n'),
      [
        'services/web.yaml:5: /checks/http/rise: missing required key "rise"',
        'services/web.yaml:5: /checks/http/rsie: unknown key "rsie" (did you mean "rise"?)',
      ],
    ],
    [
      'services/web.yaml',
      'port: 80\ndiscovery: zookeeper\nchecks:\n  intervall: 3\n' + redis,
      [
        'services/web.yaml:3: /checks/interval: missing required key "interval"',
        'services/web.yaml:4: /checks/intervall: unknown key "intervall" (did you mean "interval"?): checks plugin "intervall" is not available (found: http, redis, tcp); referenced from services/web.yaml',
      ],
    ],
    [
      'services/web.yaml',
      'port: 80\nports: [81, 82]\ndiscovery: zookeeper\nchecks:\n  interval: 3\n' + redis,
      [
        'services/web.yaml:1: /port: port 80 is not among ports (81, 82); lighthouse 1.0 silently ignored `port`: remove it or add it to `ports`',
      ],
    ],
    [
      'services/web.yaml',
      'discovery: zookeeper\nchecks:\n  interval: 3\n' + redis,
      ['services/web.yaml: /port: no port(s) defined: set `port: 8080` or `ports: [8080, 8081]`'],
    ],
    [
      'services/web.yaml',
      service(''),
      [
        'services/web.yaml:3: /checks: no checks defined: a service needs at least one (lighthouse 1.0 reported such a service up whatever its state); for a plain "is the port open" check add `tcp: {rise: 1, fall: 1}`',
      ],
    ],
    [
      'services/web.yaml',
      service('  redis: true\n'),
      ['services/web.yaml:5: /checks/redis: expected a mapping, got true'],
    ],
    [
      'services/web.yaml',
      service(redis, 'host: "bad host"\n'),
      ['services/web.yaml:3: /host: "bad host" is not a valid host name or IP address'],
    ],
    [
      'services/web.yaml',
      service(redis, 'metadata:\n  since: 2020-01-01\n'),
      [
        'services/web.yaml:4: /metadata/since: dates are not supported here; quote the value to use it as a string',
      ],
    ],
    [
      'services/web.yaml',
      'port: 80\ndiscovery: zookeeper\nchecks:\n  interval: .inf\n' + redis,
      ['services/web.yaml:4: /checks/interval: expected a finite number, got Infinity'],
    ],
    [
      'services/web.yaml',
      service(redis, 'port: 81\n'),
      ['services/web.yaml:3: (document): invalid YAML: duplicated mapping key (column 1)'],
    ],
    [
      'services/web.yaml',
      `ports: [80, 70000]\ndiscovery: zookeeper\nchecks:\n  interval: 3\n${redis}`,
      ['services/web.yaml:1: /ports/1: must be at most 65535, got 70000'],
    ],
    [
      'clusters/web.yaml',
      'discovery: zookeeper\nhaproxy:\n  port: 80\n   backend: x\n',
      [
        'clusters/web.yaml:4: (document): invalid YAML: bad indentation of a mapping entry (column 11)',
      ],
    ],
    ['clusters/web.yaml', '', ['clusters/web.yaml: (document): file is empty']],
    [
      'clusters/web.yaml',
      '# nothing but a comment\n',
      ['clusters/web.yaml: (document): file is empty'],
    ],
    [
      'clusters/web.yaml',
      '- a\n- b\n',
      [
        'clusters/web.yaml: (document): expected a mapping of keys to values at the top level, got a list',
      ],
    ],
    [
      'clusters/web.yaml',
      'name: "a b"\ndiscovery: zookeeper\nhaproxy: {port: 80}\n',
      [
        'clusters/web.yaml:1: /name: "a b" is not a valid name: use 1-128 letters, digits, "_", "-", "." or ":", starting with a letter or digit',
      ],
    ],
    [
      'clusters/a b.yaml',
      'discovery: zookeeper\nhaproxy: {port: 80}\n',
      [
        'clusters/a b.yaml: (document): the file name gives the name: "a b" is not a valid name: use 1-128 letters, digits, "_", "-", "." or ":", starting with a letter or digit; rename the file or set `name:`',
      ],
    ],
    [
      'clusters/web.yaml',
      'discovery: zookeeper\nhaproxi: {port: 80}\n',
      [
        'clusters/web.yaml:2: /haproxi: unknown key "haproxi" (did you mean "haproxy"?): balancers plugin "haproxi" is not available (found: haproxy); referenced from clusters/web.yaml',
      ],
    ],
    [
      'clusters/web.yaml',
      'discovery: zookeepr\nhaproxy: {port: 80}\n',
      [
        'clusters/web.yaml:1: /discovery: discovery plugin "zookeepr" is not available (found: zookeeper); referenced from clusters/web.yaml (did you mean "zookeeper"?)',
      ],
    ],
    [
      'clusters/web.yaml',
      'discovery: zookeeper\n',
      [
        'clusters/web.yaml: (document): no balancer section (e.g. `haproxy:`) defined; installed balancers: haproxy',
      ],
    ],
    [
      'clusters/web.yaml',
      'discovery: zookeeper\nmeta_cluster: "x\\ny"\nhaproxy:\n  backend:\n    - mode http\n    - 5\n  frontnd: []\n',
      [
        'clusters/web.yaml:2: /meta_cluster: "x\\u000ay" is not a valid name: use 1-128 letters, digits, "_", "-", "." or ":", starting with a letter or digit',
        'clusters/web.yaml:6: /haproxy/backend/1: expected a string, got 5',
        'clusters/web.yaml:7: /haproxy/frontnd: unknown key "frontnd" (did you mean "frontend"?)',
      ],
    ],
    [
      'clusters/web.yaml',
      'discovery: zookeeper\nhaproxy:\n',
      ['clusters/web.yaml:2: /haproxy: expected a mapping, got an empty value'],
    ],
    [
      'logging.yaml',
      'level: verbose\n',
      [
        'logging.yaml:1: /level: expected one of "debug", "info", "warn", "error", "silent", got "verbose"',
      ],
    ],
    [
      'logging.yaml',
      'root: {level: LOUD}\n',
      [
        'logging.yaml:1: /root/level: unknown log level "LOUD": expected one of CRITICAL, FATAL, ERROR, WARNING, WARN, INFO, DEBUG, NOTSET (any case)',
      ],
    ],
    [
      'balancers/haproxy.yaml',
      'config_file: /etc/haproxy.cfg\n',
      [
        'balancers/haproxy.yaml: /pid_file: missing required key "pid_file"',
        'balancers/haproxy.yaml: /socket_file: missing required key "socket_file"',
      ],
    ],
    [
      'balancers/nginx.yaml',
      'config_file: x\n',
      [
        'balancers/nginx.yaml: (document): balancers plugin "nginx" is not available (found: haproxy); referenced from balancers/nginx.yaml',
      ],
    ],
    [
      'discovery/zookeeper.yaml',
      'hosts: []\npath: 5\nextra: true\n',
      [
        'discovery/zookeeper.yaml:1: /hosts: must not be empty',
        'discovery/zookeeper.yaml:2: /path: expected a string, got 5',
        'discovery/zookeeper.yaml:3: /extra: unknown key "extra"',
      ],
    ],
  ])('%s: %j', async (file, text, expected) => {
    expect((await issuesOf(file, text)).map(formatIssue)).toEqual(expected);
  });

  it.each([
    [
      'clusters/web.yaml',
      'discovery: zookeeper\nhaproxy:\n  port: 8000\n  frontend:\n    - "log global\\n\\tserver evil 6.6.6.6:80"\n',
      ['clusters/web.yaml:5: /haproxy/frontend/0: a line must not contain control characters'],
    ],
    [
      'balancers/haproxy.yaml',
      'config_file: a\nsocket_file: b\npid_file: c\nglobal:\n  - daemon\n  - "user x\\nlisten evil"\n',
      ['balancers/haproxy.yaml:6: /global/1: a line must not contain control characters'],
    ],
    [
      'services/web.yaml',
      service('  http: {rise: 1, fall: 1, uri: health}\n'),
      ['services/web.yaml:5: /checks/http/uri: must start with "/"'],
    ],
    [
      'services/web.yaml',
      service('  tcp: {rise: 1, fall: 1, query: boom}\n'),
      [
        'services/web.yaml:5: /checks/tcp: the tcp plugin failed to check these options: rules exploded',
      ],
    ],
  ])("%s: the plugin's own rules run after its schema: %j", async (file, text, expected) => {
    expect((await issuesOf(file, text)).map(formatIssue)).toEqual(expected);
  });

  it('reports a path that is not a config file, and a missing file', async () => {
    const { dir } = await dirWith({});
    expect(await loadConfigFile(dir, 'clusters/web.txt', resolver)).toEqual({
      ok: false,
      issues: [
        {
          file: 'clusters/web.txt',
          pointer: '',
          message: expect.stringMatching(/^not a config file/),
        },
      ],
    });
    expect(await loadConfigFile(dir, 'clusters/web.yaml', resolver)).toEqual({
      ok: false,
      issues: [{ file: 'clusters/web.yaml', pointer: '', message: 'file not found' }],
    });
  });
});
