#!/usr/bin/env node
// The demo's tiny web app: answers who it is, and has a health endpoint the reporter checks.
//   GET  /          "Hello from <name> (port <port>)"
//   GET  /health    200, or 503 after POST /fail (POST /recover undoes it)
//   GET  /slow?ms=N "Hello from <name> (port <port>)" after N ms (at most 10 s): a request in flight
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, name: { type: 'string' } } });
const port = Number(values.port);
const name = values.name ?? `app-${port}`;
let failing = false;

const server = createServer((request, response) => {
  const send = (status, body) => {
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(`${body}\n`);
  };
  if (request.url === '/health') return send(failing ? 503 : 200, failing ? 'failing' : 'ok');
  if (request.method === 'POST' && request.url === '/fail') {
    failing = true;
    return send(200, `${name} now fails its health check`);
  }
  if (request.method === 'POST' && request.url === '/recover') {
    failing = false;
    return send(200, `${name} is healthy again`);
  }
  const slow = /^\/slow\?ms=(\d{1,5})$/.exec(request.url ?? '');
  if (slow !== null) {
    setTimeout(
      () => send(200, `Hello from ${name} (port ${port})`),
      Math.min(Number(slow[1]), 10_000),
    );
    return undefined;
  }
  return send(200, `Hello from ${name} (port ${port})`);
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
