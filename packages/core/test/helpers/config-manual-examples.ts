/**
 * The example files of the lighthouse 1.0 manual (seeds/000_…, "Configuring …" sections),
 * verbatim; where the manual splits one file over two code blocks they are joined. The text of
 * the manual lost the indentation of the second block of sprockets.yaml (its list items start
 * at column 0, which is not valid under `backend:`); it is indented like widgets.yaml here.
 */
export const manualExamples: Record<string, string> = {
  'logging.yaml': `version: 1
disable_existing_loggers: False
filters:
  context:
    "()": lighthouse.log.ContextFilter
formatters:
  syslog:
    format: 'lighthouse: [% (program)s] [% (threadName)s] %(message)s'
handlers:
  cli:
    class: 'lighthouse.log.cli.CLIHandler'
    stream: "ext://sys.stdout"
  syslog:
    class: 'logging.handlers.SysLogHandler'
    address: '/dev/log'
    facility: "local6"
    filters: ["context"]
    formatter: 'syslog'
root:
  handlers: ['syslog', 'cli']
  level: "DEBUG"
  propagate: true
`,
  'balancers/haproxy.yaml': `config_file: "/etc/haproxy.cfg"
socket_file: "/var/run/haproxy.sock"
pid_file: "/var/run/haproxy.pid"
bind_address: "127.0.0.1"
global:
  - "daemon"
  - "maxconn 40000"
  - "user haproxy"
  - "log /var/run/syslog local2"
defaults:
  - "balance roundrobin"
  - "timeout connect 10s"
  - "timeout client 20s"
  - "timeout server 20s"
stats:
  port: 9009
  uri: "/haproxy"
  timeouts:
    connect: 4000
    server: 30000
`,
  'discovery/zookeeper.yaml': `hosts:
  - "zk01:2181"
  - "zk02:2181"
  - "zk03:2181"
path: "/lighthouse/services"
`,
  'clusters/webapp.yaml': `discovery: "zookeeper"
haproxy:
  port: 8000
  frontend:
    - "log global"
  backend:
    - "mode http"
`,
  'clusters/widgets.yaml': `discovery: "zookeeper"
meta_cluster: "webapi"
haproxy:
  acl: "path_beg /api/widgets"
  backend:
    - "mode http"
`,
  'clusters/sprockets.yaml': `discovery: "zookeeper"
meta_cluster: "webapi"
haproxy:
  acl: "path_beg /api/sprockets"
  backend:
    - "mode http"
    - "maxconn 500" # maybe the sprockets cluster is on limited hardware
`,
  'services/cache.yaml': `port: 6379
discovery: "zookeeper"
host: "127.0.0.1"
checks:
  interval: 3
  redis:
    rise: 2
    fall: 1
`,
};

/** The manual's other two `haproxy.yaml` examples (proxies; meta clusters). */
export const manualHaproxyVariants: string[] = [
  `config_file: "/etc/haproxy.cfg"
socket_file: "/var/run/haproxy.sock"
pid_file: "/var/run/haproxy.pid"
bind_address: "0.0.0.0"
global:
  - "daemon"
  - "user haproxy"
proxies:
  business_partner:
    port: 1100
    upstreams:
      - host: "b2b.partner.com"
        port: 88
        max_conn: 400
    options:
      - "mode http"
`,
  `config_file: "/etc/haproxy.cfg"
socket_file: "/var/run/haproxy.sock"
pid_file: "/var/run/haproxy.pid"
meta_clusters:
  webapi:
    port: 8888
    frontend:
      - "mode http"
`,
];
