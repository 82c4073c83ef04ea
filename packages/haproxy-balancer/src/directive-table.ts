/**
 * Facts about HAProxy 2.6's configuration language, kept as data so a new HAProxy version is a
 * data update: the proxy keywords matrix is pasted verbatim from configuration.txt §4.1, the
 * global, peers and server keywords come from §3, §3.5 and `haproxy -dKcfg` (2.6.12), and every
 * entry was checked with `haproxy -c` (see test/directive-table.test.ts). Lighthouse's own policy
 * (which lines it owns) lives in directives.ts, not here.
 */

/** Splits a block of whitespace-separated keywords (compact and easy to diff against a manual). */
const words = (text: string): readonly string[] => text.trim().split(/\s+/);

/** The HAProxy branch this table describes. */
export const HAPROXY_TABLE_VERSION = '2.6';

/**
 * configuration.txt §4.1 "Proxy keywords matrix", verbatim (ruler and title lines dropped).
 * Columns: defaults, frontend, listen, backend. `(*)` = may be negated with `no`; `(!)` = only in
 * named defaults sections (lighthouse writes an anonymous one).
 */
export const PROXY_KEYWORD_MATRIX = `
acl                                       X (!)      X         X         X
backlog                                   X          X         X         -
balance                                   X          -         X         X
bind                                      -          X         X         -
bind-process                              X          X         X         X
capture cookie                            -          X         X         -
capture request header                    -          X         X         -
capture response header                   -          X         X         -
clitcpka-cnt                              X          X         X         -
clitcpka-idle                             X          X         X         -
clitcpka-intvl                            X          X         X         -
compression                               X          X         X         X
cookie                                    X          -         X         X
declare capture                           -          X         X         -
default-server                            X          -         X         X
default_backend                           X          X         X         -
description                               -          X         X         X
disabled                                  X          X         X         X
dispatch                                  -          -         X         X
email-alert from                          X          X         X         X
email-alert level                         X          X         X         X
email-alert mailers                       X          X         X         X
email-alert myhostname                    X          X         X         X
email-alert to                            X          X         X         X
enabled                                   X          X         X         X
errorfile                                 X          X         X         X
errorfiles                                X          X         X         X
errorloc                                  X          X         X         X
errorloc302                               X          X         X         X
errorloc303                               X          X         X         X
error-log-format                          X          X         X         -
force-persist                             -          -         X         X
filter                                    -          X         X         X
fullconn                                  X          -         X         X
hash-type                                 X          -         X         X
http-after-response                       X (!)      X         X         X
http-check comment                        X          -         X         X
http-check connect                        X          -         X         X
http-check disable-on-404                 X          -         X         X
http-check expect                         X          -         X         X
http-check send                           X          -         X         X
http-check send-state                     X          -         X         X
http-check set-var                        X          -         X         X
http-check unset-var                      X          -         X         X
http-error                                X          X         X         X
http-request                              X (!)      X         X         X
http-response                             X (!)      X         X         X
http-reuse                                X          -         X         X
http-send-name-header                     X          -         X         X
id                                        -          X         X         X
ignore-persist                            -          -         X         X
load-server-state-from-file               X          -         X         X
log                                  (*)  X          X         X         X
log-format                                X          X         X         -
log-format-sd                             X          X         X         -
log-tag                                   X          X         X         X
max-keep-alive-queue                      X          -         X         X
maxconn                                   X          X         X         -
mode                                      X          X         X         X
monitor fail                              -          X         X         -
monitor-uri                               X          X         X         -
option abortonclose                  (*)  X          -         X         X
option accept-invalid-http-request   (*)  X          X         X         -
option accept-invalid-http-response  (*)  X          -         X         X
option allbackups                    (*)  X          -         X         X
option checkcache                    (*)  X          -         X         X
option clitcpka                      (*)  X          X         X         -
option contstats                     (*)  X          X         X         -
option disable-h2-upgrade            (*)  X          X         X         -
option dontlog-normal                (*)  X          X         X         -
option dontlognull                   (*)  X          X         X         -
option forwardfor                         X          X         X         X
option h1-case-adjust-bogus-client   (*)  X          X         X         -
option h1-case-adjust-bogus-server   (*)  X          -         X         X
option http-buffer-request           (*)  X          X         X         X
option http-ignore-probes            (*)  X          X         X         -
option http-keep-alive               (*)  X          X         X         X
option http-no-delay                 (*)  X          X         X         X
option http-pretend-keepalive        (*)  X          -         X         X
option http-restrict-req-hdr-names        X          X         X         X
option http-server-close             (*)  X          X         X         X
option http-use-proxy-header         (*)  X          X         X         -
option httpchk                            X          -         X         X
option httpclose                     (*)  X          X         X         X
option httplog                            X          X         X         -
option httpslog                           X          X         X         -
option independent-streams           (*)  X          X         X         X
option ldap-check                         X          -         X         X
option external-check                     X          -         X         X
option log-health-checks             (*)  X          -         X         X
option log-separate-errors           (*)  X          X         X         -
option logasap                       (*)  X          X         X         -
option mysql-check                        X          -         X         X
option nolinger                      (*)  X          X         X         X
option originalto                         X          X         X         X
option persist                       (*)  X          -         X         X
option pgsql-check                        X          -         X         X
option prefer-last-server            (*)  X          -         X         X
option redispatch                    (*)  X          -         X         X
option redis-check                        X          -         X         X
option smtpchk                            X          -         X         X
option socket-stats                  (*)  X          X         X         -
option splice-auto                   (*)  X          X         X         X
option splice-request                (*)  X          X         X         X
option splice-response               (*)  X          X         X         X
option spop-check                         X          -         X         X
option srvtcpka                      (*)  X          -         X         X
option ssl-hello-chk                      X          -         X         X
option tcp-check                          X          -         X         X
option tcp-smart-accept              (*)  X          X         X         -
option tcp-smart-connect             (*)  X          -         X         X
option tcpka                              X          X         X         X
option tcplog                             X          X         X         X
option transparent                   (*)  X          -         X         X
option idle-close-on-response        (*)  X          X         X         -
external-check command                    X          -         X         X
external-check path                       X          -         X         X
persist rdp-cookie                        X          -         X         X
rate-limit sessions                       X          X         X         -
redirect                                  -          X         X         X
retries                                   X          -         X         X
retry-on                                  X          -         X         X
server                                    -          -         X         X
server-state-file-name                    X          -         X         X
server-template                           -          -         X         X
source                                    X          -         X         X
srvtcpka-cnt                              X          -         X         X
srvtcpka-idle                             X          -         X         X
srvtcpka-intvl                            X          -         X         X
stats admin                               -          X         X         X
stats auth                                X          X         X         X
stats enable                              X          X         X         X
stats hide-version                        X          X         X         X
stats http-request                        -          X         X         X
stats realm                               X          X         X         X
stats refresh                             X          X         X         X
stats scope                               X          X         X         X
stats show-desc                           X          X         X         X
stats show-legends                        X          X         X         X
stats show-node                           X          X         X         X
stats uri                                 X          X         X         X
stick match                               -          -         X         X
stick on                                  -          -         X         X
stick store-request                       -          -         X         X
stick store-response                      -          -         X         X
stick-table                               -          X         X         X
tcp-check comment                         X          -         X         X
tcp-check connect                         X          -         X         X
tcp-check expect                          X          -         X         X
tcp-check send                            X          -         X         X
tcp-check send-lf                         X          -         X         X
tcp-check send-binary                     X          -         X         X
tcp-check send-binary-lf                  X          -         X         X
tcp-check set-var                         X          -         X         X
tcp-check unset-var                       X          -         X         X
tcp-request connection                    X (!)      X         X         -
tcp-request content                       X (!)      X         X         X
tcp-request inspect-delay                 X (!)      X         X         X
tcp-request session                       X (!)      X         X         -
tcp-response content                      X (!)      -         X         X
tcp-response inspect-delay                X (!)      -         X         X
timeout check                             X          -         X         X
timeout client                            X          X         X         -
timeout client-fin                        X          X         X         -
timeout connect                           X          -         X         X
timeout http-keep-alive                   X          X         X         X
timeout http-request                      X          X         X         X
timeout queue                             X          -         X         X
timeout server                            X          -         X         X
timeout server-fin                        X          -         X         X
timeout tarpit                            X          X         X         X
timeout tunnel                            X          -         X         X
transparent                 (deprecated)  X          -         X         X
unique-id-format                          X          X         X         -
unique-id-header                          X          X         X         -
use_backend                               -          X         X         -
use-fcgi-app                              -          -         X         X
use-server                                -          -         X         X`;

/** Where HAProxy 2.6.12 disagrees with its own matrix, measured with `haproxy -c`. */
export const MATRIX_CORRECTIONS: readonly { keyword: string; section: string; reason: string }[] = [
  {
    keyword: 'option tcplog',
    section: 'backend',
    reason: 'HAProxy warns "directive is ignored in backends"',
  },
];

/** configuration.txt §3 (list, §3.1-3.3 headings) and `haproxy -dKcfg`; `stats` split by verb. */
export const GLOBAL_KEYWORDS: readonly string[] = [
  'stats maxconn',
  'stats socket',
  'stats timeout',
  ...words(`
51degrees-cache-size 51degrees-data-file 51degrees-property-name-list 51degrees-property-separator
busy-polling ca-base chroot close-spread-time cluster-secret cpu-map crt-base daemon default-path
description deviceatlas-json-file deviceatlas-log-level deviceatlas-properties-cookie
deviceatlas-separator expose-experimental-directives external-check fd-hard-limit gid grace group
h1-accept-payload-with-any-method h1-case-adjust h1-case-adjust-file
h2-workaround-bogus-websocket-clients hard-stop-after httpclient.resolvers.id
httpclient.resolvers.prefer httpclient.ssl.ca-file httpclient.ssl.verify insecure-fork-wanted
insecure-setuid-wanted issuers-chain-path localpeer log log-send-hostname log-tag lua-load
lua-load-per-thread lua-prepend-path master-worker max-spread-checks maxcompcpuusage maxcomprate
maxconn maxconnrate maxpipes maxsessrate maxsslconn maxsslrate maxzlibmem mworker-max-reloads
nbthread no-memory-trimming node noepoll noevports nogetaddrinfo nokqueue nopoll noreuseport
nosplice numa-cpu-mapping pidfile pp2-never-send-local presetenv profiling.memory profiling.tasks
quiet resetenv server-state-base server-state-file set-dumpable set-var set-var-fmt setenv
spread-checks ssl-default-bind-ciphers ssl-default-bind-ciphersuites ssl-default-bind-curves
ssl-default-bind-options ssl-default-server-ciphers ssl-default-server-ciphersuites
ssl-default-server-options ssl-dh-param-file ssl-engine ssl-load-extra-del-ext
ssl-load-extra-files ssl-mode-async ssl-propquery ssl-provider ssl-provider-path ssl-server-verify
ssl-skip-self-issued-ca strict-limits thread-group
thread-groups tune.buffers.limit tune.buffers.reserve tune.bufsize tune.comp.maxlevel
tune.fail-alloc tune.fd.edge-triggered tune.h2.header-table-size tune.h2.initial-window-size
tune.h2.max-concurrent-streams tune.h2.max-frame-size tune.http.cookielen tune.http.logurilen
tune.http.maxhdr tune.idle-pool.shared tune.idletimer tune.listener.multi-queue
tune.lua.forced-yield tune.lua.maxmem tune.lua.service-timeout tune.lua.session-timeout
tune.lua.task-timeout tune.maxaccept tune.maxpollevents tune.maxrewrite tune.pattern.cache-size
tune.peers.max-updates-at-once tune.pipesize tune.pool-high-fd-ratio tune.pool-low-fd-ratio
tune.quic.frontend.conn-tx-buffers.limit tune.quic.frontend.max-idle-timeout
tune.quic.frontend.max-streams-bidi tune.quic.retry-threshold tune.rcvbuf.client
tune.rcvbuf.server tune.recv_enough tune.runqueue-depth tune.sched.low-latency tune.sndbuf.client
tune.sndbuf.server tune.ssl.cachesize tune.ssl.capture-buffer-size tune.ssl.default-dh-param
tune.ssl.force-private-cache tune.ssl.hard-maxrecord tune.ssl.keylog tune.ssl.lifetime
tune.ssl.maxrecord tune.ssl.ssl-ctx-cache-size tune.vars.check-max-size tune.vars.global-max-size
tune.vars.proc-max-size tune.vars.reqres-max-size tune.vars.sess-max-size tune.vars.txn-max-size
tune.zlib.memlevel tune.zlib.windowsize uid ulimit-n unix-bind unsetenv user wurfl-cache-size
wurfl-data-file wurfl-information-list wurfl-information-list-separator wurfl-patch-file
zero-warning
`),
];

/** Global keywords HAProxy 2.6 lets you prefix with `no` (from its own error message). */
export const GLOBAL_NEGATABLE: readonly string[] = [
  'busy-polling',
  'insecure-fork-wanted',
  'log',
  'numa-cpu-mapping',
  'set-dumpable',
  'strict-limits',
];

/** configuration.txt §3.5, checked with `haproxy -c`. */
export const PEERS_KEYWORDS: readonly string[] = [
  'bind',
  'default-bind',
  'default-server',
  'disabled',
  'enabled',
  'log',
  'peer',
  'server',
  'table',
];

/**
 * Keywords older HAProxy versions (and lighthouse 1.0's list) accepted and 2.x refuses or ignores,
 * with what to write instead. Checked before the tables, in every section.
 */
export const REMOVED_KEYWORDS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['reqadd', 'reqallow', 'reqdel', 'reqdeny', 'reqiallow', 'reqidel', 'reqideny', 'reqipass']
      .concat(['reqirep', 'reqisetbe', 'reqitarpit', 'reqpass', 'reqrep', 'reqsetbe', 'reqtarpit'])
      .map((keyword) => [keyword, 'was removed in HAProxy 2.1: use "http-request" rules']),
  ),
  ...Object.fromEntries(
    ['rspadd', 'rspdel', 'rspdeny', 'rspidel', 'rspideny', 'rspirep', 'rsprep'].map((keyword) => [
      keyword,
      'was removed in HAProxy 2.1: use "http-response" rules',
    ]),
  ),
  appsession: 'was removed in HAProxy 1.6: use "cookie" or a stick-table',
  'bind-process': 'is deprecated and has no effect since HAProxy 2.5: remove it',
  block: 'was removed in HAProxy 2.1: use "http-request deny"',
  clitimeout: 'was removed in HAProxy 2.1: use "timeout client"',
  contimeout: 'was removed in HAProxy 2.1: use "timeout connect"',
  debug: 'was removed from HAProxy: use the -d command-line flag',
  'monitor-net': 'was removed in HAProxy 2.4: use "http-request return status 200 if { src … }"',
  nbproc: 'was removed in HAProxy 2.5: threads are used automatically (see "nbthread")',
  'option forceclose': 'was removed in HAProxy 2.0: remove it, or use "option httpclose"',
  'option http-tunnel': 'was removed in HAProxy 2.1: remove it',
  'option http_proxy': 'was removed in HAProxy 2.5',
  redispatch: 'was removed in HAProxy 2.1: use "option redispatch"',
  srvtimeout: 'was removed in HAProxy 2.1: use "timeout server"',
  'stats bind-process': 'is deprecated and has no effect since HAProxy 2.5: remove it',
  'tune.ssl.capture-cipherlist-size': 'is deprecated: use "tune.ssl.capture-buffer-size"',
};

/** Server keywords without a value (`haproxy -dKcfg`, 2.6.12). */
export const SERVER_FLAG_KEYWORDS = words(`
agent-check allow-0rtt backup check check-send-proxy check-ssl check-via-socks4 disabled enabled
force-sslv3 force-tlsv10 force-tlsv11 force-tlsv12 force-tlsv13 no-agent-check no-backup no-check
no-check-send-proxy no-check-ssl no-send-proxy no-send-proxy-v2 no-send-proxy-v2-ssl
no-send-proxy-v2-ssl-cn no-ssl no-ssl-reuse no-sslv3 no-tfo no-tls-tickets no-tlsv10 no-tlsv11
no-tlsv12 no-tlsv13 non-stick send-proxy send-proxy-v2 send-proxy-v2-ssl send-proxy-v2-ssl-cn ssl
ssl-reuse stick tfo tls-tickets
`);

/** Server keywords followed by exactly one value (`haproxy -dKcfg`, 2.6.12). */
export const SERVER_VALUE_KEYWORDS = words(`
addr agent-addr agent-inter agent-port agent-send alpn ca-file check-alpn check-proto check-sni
ciphers ciphersuites cookie crl-file crt downinter error-limit fall fastinter id init-addr inter
log-proto max-reuse maxconn maxqueue minconn namespace npn observe on-error on-marked-down
on-marked-up pool-low-conn pool-max-conn pool-purge-delay port proto proxy-v2-options redir
resolve-net resolve-opts resolve-prefer resolvers rise slowstart sni socks4 ssl-max-ver
ssl-min-ver tcp-ut track verify verifyhost weight ws
`);

/** `source <addr>` may be followed by these, each with one value (configuration.txt §5.2). */
export const SERVER_SOURCE_MODIFIERS: readonly string[] = ['interface', 'usesrc'];
