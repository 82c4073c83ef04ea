import { createServer } from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads what the kernel chose,
 * and closes. Another process may take it before the caller binds it; on a test machine that race
 * is rare enough, and servers that fail to bind make their harness fail loudly anyway.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() =>
        port === undefined ? reject(new Error('could not read the bound port')) : resolve(port),
      );
    });
  });
}
