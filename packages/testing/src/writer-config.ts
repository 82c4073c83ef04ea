/** Where a writer's HAProxy keeps its files. */
export interface HAProxyFiles {
  configFile: string;
  socketFile: string;
  pidFile: string;
}

/**
 * `balancers/haproxy.yaml` for a writer whose HAProxy listens on loopback only (never any other
 * address on a shared machine): its files, HTTP round robin with short timeouts, then `extra`
 * lines (`restart_interval`, `global`, `stats`…), as the demo, the loop tests and the fleet bench
 * run it.
 */
export function loopbackHAProxyYaml(files: HAProxyFiles, extra: readonly string[] = []): string {
  return [
    `config_file: ${files.configFile}`,
    `socket_file: ${files.socketFile}`,
    `pid_file: ${files.pidFile}`,
    'bind_address: 127.0.0.1',
    'defaults:',
    '  - "mode http"',
    '  - "balance roundrobin"',
    '  - "timeout connect 2s"',
    '  - "timeout client 10s"',
    '  - "timeout server 10s"',
    ...extra,
    '',
  ].join('\n');
}
