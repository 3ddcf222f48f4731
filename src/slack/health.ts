// The app's own HTTP server, used in both transports: GET /healthz (the process is up), GET /readyz (what requests
// need is open, e.g. the store), GET /metrics (Prometheus, unless off; behind a bearer token if one is set) and, in
// HTTP mode, everything else handed to Bolt's request listener
// (POST /slack/events). Owning the server, rather than Bolt's customRoutes, gives the same routes in Socket Mode,
// an awaited listen whose errors (EADDRINUSE) are reported instead of crashing, the bound port when PORT=0, and
// control over connections during a graceful stop.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { Secret } from '../secret.js';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface HttpServerOptions {
  port: number;
  logger: Logger;
  isReady: ReadinessCheck;
  /** True once a stop has begun: /readyz answers 503 and Slack requests are refused with 503. */
  isStopping: () => boolean;
  /** GET /metrics; absent (METRICS=off): 404. */
  metrics?: MetricsEndpoint | undefined;
  /** HTTP mode: Bolt's listener for every other request. Socket Mode: absent, other paths get 404. */
  slackListener?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Overrides of HTTP_LIMITS (tests use short ones). */
  limits?: Partial<HttpLimits>;
}

/** How long a connection may take over each part of a request, and stay idle between requests. */
export interface HttpLimits {
  /** All request headers must arrive within this (a slow-header client is cut off). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** A kept-alive connection with no request in progress is closed after this. */
  keepAliveTimeoutMs: number;
  /** How often node checks the two timeouts above (its default, 30 s, would let them overrun by that much). */
  checkIntervalMs: number;
}

// Slack sends a whole request at once and waits at most 3 s for the answer: a client that takes longer to send its
// headers or its body is not Slack, and one that keeps an idle connection has no reason to.
export const HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
});

export interface MetricsEndpoint {
  /** The registry's text (Prometheus exposition format) and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
  /** When set, only requests with `Authorization: Bearer <token>` are answered. */
  token: Secret | undefined;
}

export interface RunningHttpServer {
  /** The port actually bound (differs from the setting when PORT=0). */
  readonly port: number;
  /** Stops accepting connections and drops idle keep-alive ones; requests in progress continue. */
  stopAccepting(): void;
  /** Ends every remaining connection and resolves when the server is closed. */
  close(): Promise<void>;
  /** The limits in force on the server. */
  readonly limits: Readonly<HttpLimits>;
}

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

async function answerReadiness(options: HttpServerOptions, res: ServerResponse): Promise<void> {
  if (options.isStopping()) return sendJson(res, 503, { status: 'stopping' });
  try {
    const ready = await options.isReady();
    sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready' });
  } catch (error) {
    options.logger.warn({ err: error }, 'readiness check failed');
    sendJson(res, 503, { status: 'not_ready' });
  }
}

/** Compares digests, so that neither the token's length nor its prefix leaks through timing. */
function bearerMatches(header: string | undefined, token: Secret): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(token.reveal()));
}

async function answerMetrics(metrics: MetricsEndpoint, req: IncomingMessage, res: ServerResponse, logger: Logger) {
  if (metrics.token && !bearerMatches(req.headers.authorization, metrics.token)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' }).end();
    return;
  }
  try {
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (error) {
    logger.warn({ err: error }, 'collecting the metrics failed');
    res.writeHead(503, { 'cache-control': 'no-store' }).end();
  }
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...options.limits };
  const server: Server = createServer({ connectionsCheckingInterval: limits.checkIntervalMs }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if ((method === 'GET' || method === 'HEAD') && path === '/readyz') {
      void answerReadiness(options, res);
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && path === '/metrics' && options.metrics) {
      void answerMetrics(options.metrics, req, res, options.logger);
      return;
    }
    if (!options.slackListener) {
      res.writeHead(404).end();
      return;
    }
    if (options.isStopping()) {
      // Slack shows the person an error at once instead of after a timeout; no half-done work is started.
      res.writeHead(503, { connection: 'close' }).end();
      return;
    }
    options.slackListener(req, res);
  });
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;

  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        Object.assign(
          new Error(
            error.code === 'EADDRINUSE'
              ? `port ${options.port} is already in use; set PORT to a free port`
              : `cannot listen on port ${options.port}: ${error.message}`,
            { cause: error },
          ),
          { code: error.code },
        ),
      );
    };
    server.once('error', onError);
    server.listen(options.port, () => {
      server.off('error', onError);
      server.on('error', (error) => options.logger.error({ err: error }, 'HTTP server error'));
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        limits: Object.freeze(limits),
        stopAccepting() {
          server.close();
          server.closeIdleConnections();
        },
        close() {
          return new Promise<void>((done) => {
            if (!server.listening) {
              server.closeAllConnections();
              done();
              return;
            }
            server.close(() => done());
            server.closeAllConnections();
          });
        },
      });
    });
  });
}
