// The app's own HTTP server: health routes in both transports, readiness, stopping, port handling.
import { createServer } from 'node:http';
import { type AddressInfo, connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { HTTP_LIMITS, type RunningHttpServer, startHttpServer } from '../../src/slack/health.js';

const { logger } = createLogger({ level: 'silent' });
let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(path: string, method = 'GET'): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${server?.port}${path}`, { method });
  return { status: response.status, text: await response.text() };
}

describe('startHttpServer', () => {
  it('binds a free port for PORT=0 and serves /healthz', async () => {
    server = await startHttpServer({ port: 0, logger, isReady: () => true, isStopping: () => false });
    expect(server.port).toBeGreaterThan(0);
    expect(await get('/healthz')).toEqual({ status: 200, text: '{"status":"ok"}' });
    expect(await get('/healthz?probe=1')).toEqual({ status: 200, text: '{"status":"ok"}' });
    expect((await get('/healthz', 'HEAD')).status).toBe(200);
  });

  it('answers /readyz from an async readiness check, and 503 when the check throws', async () => {
    let state: 'ready' | 'not' | 'throw' = 'ready';
    server = await startHttpServer({
      port: 0,
      logger,
      isStopping: () => false,
      isReady: async () => {
        if (state === 'throw') throw new Error('store closed');
        return state === 'ready';
      },
    });
    expect((await get('/readyz')).status).toBe(200);
    state = 'not';
    expect(await get('/readyz')).toEqual({ status: 503, text: '{"status":"not_ready"}' });
    state = 'throw';
    expect((await get('/readyz')).status).toBe(503);
  });

  it('without a Slack listener (Socket Mode) answers other paths with 404', async () => {
    server = await startHttpServer({ port: 0, logger, isReady: () => true, isStopping: () => false });
    expect((await get('/slack/events', 'POST')).status).toBe(404);
  });

  it('hands other requests to the Slack listener, and refuses them with 503 while stopping', async () => {
    let stopping = false;
    server = await startHttpServer({
      port: 0,
      logger,
      isReady: () => true,
      isStopping: () => stopping,
      slackListener: (_req, res) => res.writeHead(200).end('bolt'),
    });
    expect(await get('/slack/events', 'POST')).toEqual({ status: 200, text: 'bolt' });
    stopping = true;
    expect((await get('/slack/events', 'POST')).status).toBe(503);
    expect(await get('/readyz')).toEqual({ status: 503, text: '{"status":"stopping"}' });
    expect((await get('/healthz')).status).toBe(200);
  });

  it('reports a port in use as an error naming PORT, instead of crashing', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await expect(startHttpServer({ port, logger, isReady: () => true, isStopping: () => false })).rejects.toThrow(
        `port ${port} is already in use; set PORT to a free port`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

/**
 * A raw connection to the server; `closed` resolves with what the server sent before closing it, and rejects if
 * the server keeps it open past `deadlineMs` (node's own defaults would hold it 30 s and more).
 */
function connect(deadlineMs: number): { socket: Socket; closed: Promise<string> } {
  const socket = netConnect(server?.port ?? 0, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
  });
  const closed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
  socket.on('error', () => undefined);
  return { socket, closed };
}

// The limits below are a few hundred ms; these deadlines leave a loaded machine several times that.
const CLOSE_DEADLINE_MS = 4_000;

describe('connection bounds', () => {
  it('sets the header, request and keep-alive timeouts explicitly', async () => {
    server = await startHttpServer({ port: 0, logger, isReady: () => true, isStopping: () => false });
    expect(server.limits).toEqual(HTTP_LIMITS);
    // Slack answers within 3 s; these leave it room and cut off anyone slower.
    expect(HTTP_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(5_000);
    expect(HTTP_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(10_000);
    expect(HTTP_LIMITS.keepAliveTimeoutMs).toBeLessThanOrEqual(5_000);
    expect(HTTP_LIMITS.checkIntervalMs).toBeLessThanOrEqual(1_000);
  });

  // Short limits so that the cut-offs happen within the test; each wait is for the server closing the socket.
  const limits = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300, checkIntervalMs: 100 };

  it('closes a connection whose headers never finish (slow-header client) with 408', async () => {
    server = await startHttpServer({ port: 0, logger, isReady: () => true, isStopping: () => false, limits });
    const { socket, closed } = connect(CLOSE_DEADLINE_MS);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expect(await closed).toContain('408');
  });

  it('closes a connection whose body never finishes with 408', async () => {
    server = await startHttpServer({
      port: 0,
      logger,
      isReady: () => true,
      isStopping: () => false,
      limits,
      slackListener: (req, res) => {
        req.on('end', () => res.writeHead(200).end());
        req.resume();
      },
    });
    const { socket, closed } = connect(CLOSE_DEADLINE_MS);
    socket.write('POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly a part');
    expect(await closed).toContain('408');
  });

  it('closes a kept-alive connection left idle', async () => {
    server = await startHttpServer({ port: 0, logger, isReady: () => true, isStopping: () => false, limits });
    const { socket, closed } = connect(CLOSE_DEADLINE_MS);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const answer = await closed;
    expect(answer).toContain('200 OK');
    expect(answer).toContain('Keep-Alive: timeout=');
  });
});
