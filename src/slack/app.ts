// Builds the Bolt app for either transport (Socket Mode when SLACK_APP_TOKEN is set, HTTP otherwise), with the
// health routes, per-request logging, one error handler, a start-up check of the Slack tokens that explains every
// failure, and a graceful stop that lets requests in flight finish within a bound.

import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  App,
  AuthorizationError,
  type Context,
  HTTPModuleFunctions,
  HTTPReceiver,
  SocketModeReceiver,
  webApi,
} from '@slack/bolt';
import type { Config } from '../config.js';
import { SETTING_HELP } from '../config.js';
import { type Logger, toBoltLogger } from '../logger.js';
import { describeProxyUrl, proxyFor, proxyRefusalStatus } from '../outbound-proxy.js';
import { type MetricsEndpoint, type ReadinessCheck, type RunningHttpServer, startHttpServer } from './health.js';
import { type ListenerDeps, registerListeners } from './listeners/index.js';
import { createRequestContextMiddleware, InFlightTracker, requestLogger } from './listeners/request-context.js';
import { findEnvelopeProblem, MalformedPayloadError } from './payload-envelope.js';
import { buildWebClientOptions, slackProxyDispatcher } from './web-client-options.js';

/** Bot scopes the features need; manifest.yml requests the same list (a test keeps them equal). */
export const REQUIRED_BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'im:write',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'channels:read',
  'groups:read',
] as const;

export const DEFAULT_DRAIN_TIMEOUT_MS = 10_000;

export interface SlackAppDeps {
  config: Config;
  logger: Logger;
  /** What listeners get (built by src/main.ts buildDependencies). */
  listenerDeps: ListenerDeps;
  /** Answers GET /readyz (e.g. "the store is open"); always ready when absent. */
  isReady?: ReadinessCheck;
  /** Answers GET /metrics; absent when METRICS=off. */
  metrics?: MetricsEndpoint | undefined;
  /** How long stop() waits for requests in flight before closing anyway. */
  drainTimeoutMs?: number;
  /** Web API retry policy override (tests use { retries: 0 }). */
  retryConfig?: webApi.RetryOptions;
  /**
   * Socket Mode: called once when the socket has been down for `connectionLostAfterMs` (default 2 minutes) while
   * not stopping. Nothing reaches the app then, so the entry point stops it and exits non-zero for its supervisor
   * (Docker, systemd, Kubernetes) to start a fresh process.
   */
  onConnectionLost?: () => void;
  connectionLostAfterMs?: number;
}

export const DEFAULT_CONNECTION_LOST_AFTER_MS = 2 * 60 * 1000;

export interface SlackApp {
  readonly app: App;
  /** The HTTP port actually bound (health routes; also Slack requests in HTTP mode). 0 before start(). */
  readonly port: number;
  /** Slack requests whose listeners are still running. */
  readonly inFlight: number;
  /** Checks the tokens with Slack, then listens (HTTP) or connects (Socket Mode). Throws SlackStartupError. */
  start(): Promise<void>;
  /** Stops taking requests, waits for those in flight (bounded), then closes the server and the socket. */
  stop(): Promise<void>;
}

export type SlackStartupErrorCode =
  | 'slack_token_rejected'
  | 'slack_unreachable'
  | 'slack_http_error'
  | 'slack_startup_failed';

/** A start-up failure with a message that names the setting to fix and where to find its value. */
export class SlackStartupError extends Error {
  override readonly name = 'SlackStartupError';
  constructor(
    readonly code: SlackStartupErrorCode,
    message: string,
    /** The environment variable to fix, when there is one. */
    readonly setting?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const REJECTED_TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'user_removed_from_team',
  'team_disabled',
  'not_allowed_token_type',
]);

function networkCause(error: webApi.WebAPIRequestError): string {
  const original = error.original as Error & { cause?: { code?: unknown; message?: unknown } };
  const refused = proxyRefusalStatus(original);
  if (refused === '407') return 'the proxy answered 407: it wants a user name and password';
  if (refused) return `the proxy refused the connection with HTTP ${refused}`;
  const code = original.cause?.code ?? (original as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (original.name === 'TimeoutError' || original.name === 'AbortError') return 'timed out';
  // fetch reports everything as "fetch failed"; the reason is in the cause.
  return typeof original.cause?.message === 'string' ? original.cause.message : original.message;
}

/** Turns a failed Slack call made at start-up into an error a person can act on. `step` is what was attempted. */
export function explainStartupError(
  error: unknown,
  step: {
    setting: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN';
    apiUrl: string;
    /** The outbound proxy in use (no credentials), if any. */
    proxy?: string | undefined;
  },
): SlackStartupError {
  const where = SETTING_HELP[step.setting];
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = String(error.data.error);
    if (REJECTED_TOKEN_ERRORS.has(code)) {
      const why =
        code === 'account_inactive' || code === 'token_revoked' || code === 'token_expired'
          ? 'the app was uninstalled or its token revoked; reinstall the app to the workspace and copy the new token'
          : 'the token is wrong, incomplete or belongs to another app';
      return new SlackStartupError(
        'slack_token_rejected',
        `Slack rejected ${step.setting} (${code}): ${why}. Get it from ${where}.`,
        step.setting,
        { cause: error },
      );
    }
    const hint =
      step.setting === 'SLACK_APP_TOKEN'
        ? ' Check that Socket Mode is enabled for the app (api.slack.com/apps > your app > Socket Mode).'
        : '';
    return new SlackStartupError(
      'slack_startup_failed',
      `Slack refused the start-up call with ${step.setting} (${code}).${hint}`,
      step.setting,
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIRequestError) {
    const via = step.proxy
      ? ` through the proxy ${step.proxy} (HTTPS_PROXY or HTTP_PROXY; NO_PROXY lists the hosts reached directly)`
      : '';
    return new SlackStartupError(
      'slack_unreachable',
      `Cannot reach the Slack Web API at ${step.apiUrl}${via} (${networkCause(error)}). Check the network, proxy and ` +
        'firewall of this host; leave SLACK_API_URL unset in production.',
      step.proxy ? 'HTTPS_PROXY' : 'SLACK_API_URL',
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    return new SlackStartupError(
      'slack_http_error',
      `The Slack Web API at ${step.apiUrl} answered HTTP ${error.statusCode}. If SLACK_API_URL is set, check it; ` +
        'otherwise Slack may be having trouble (status.slack.com): try again in a few minutes.',
      'SLACK_API_URL',
      { cause: error },
    );
  }
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return new SlackStartupError(
      'slack_http_error',
      `Slack is rate-limiting this app; try again in ${error.retryAfter} seconds.`,
      undefined,
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SlackStartupError('slack_startup_failed', `Slack start-up failed: ${message}`, undefined, {
    cause: error,
  });
}

/** Log fields that identify a Slack failure without its payload. */
export function describeSlackError(error: unknown): Record<string, unknown> {
  const e = error as { code?: unknown; name?: unknown };
  const fields: Record<string, unknown> = {
    errorCode: typeof e.code === 'string' ? e.code : String(e.name ?? 'unknown'),
  };
  if (error instanceof webApi.WebAPIPlatformError) fields.slackError = error.data.error;
  if (error instanceof webApi.WebAPIHTTPError) fields.statusCode = error.statusCode;
  if (error instanceof webApi.WebAPIRateLimitedError) fields.retryAfter = error.retryAfter;
  if (error instanceof webApi.WebAPIRequestError) fields.cause = networkCause(error);
  if (error instanceof Error && 'statusCode' in error)
    fields.statusCode = (error as { statusCode: unknown }).statusCode;
  return fields;
}

export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const { config, logger } = deps;
  const log = logger.child({ component: 'slack' });
  const boltLogger = toBoltLogger(logger, 'bolt');
  const clientOptions = buildWebClientOptions(config, {
    logger: boltLogger,
    ...(deps.retryConfig ? { retryConfig: deps.retryConfig } : {}),
  });
  const apiUrl = config.slack.apiUrl ?? 'https://slack.com/api/';
  const proxyName = describeProxyUrl(proxyFor(config.proxy, apiUrl));
  const botToken = config.slack.botToken.reveal();
  const inFlight = new InFlightTracker();
  const drainTimeoutMs = deps.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  let stopping = false;

  // Errors from listeners and middleware pass through app.error (onError below), which logs them. An error that
  // never did was thrown by Bolt itself before routing, on a body without the parts every Slack payload has (e.g.
  // no team): a malformed request, answered 400 rather than 500, and acknowledged on the socket so it is not resent.
  const listenerErrors = new WeakSet<object>();
  const isMalformedPayload = (error: unknown): boolean =>
    !(error instanceof AuthorizationError) &&
    !(typeof error === 'object' && error !== null && listenerErrors.has(error));
  const logMalformed = (error: unknown) =>
    log.warn(
      {
        errorCode: error instanceof Error ? error.name : 'unknown',
        ...(error instanceof MalformedPayloadError ? { problem: error.message } : {}),
      },
      'malformed Slack payload refused',
    );

  // Errors were already logged by app.error with the request's context; these only decide the transport answer.
  const socketReceiver =
    config.slack.mode === 'socket' && config.slack.appToken
      ? new SocketModeReceiver({
          appToken: config.slack.appToken.reveal(),
          ...(slackProxyDispatcher(config) ? { dispatcher: slackProxyDispatcher(config) } : {}),
          logger: boltLogger,
          installerOptions: { clientOptions },
          processEventErrorHandler: async ({ error }) => {
            if (!isMalformedPayload(error)) return error instanceof AuthorizationError;
            logMalformed(error);
            return true;
          },
        })
      : undefined;
  const httpReceiver = socketReceiver
    ? undefined
    : new HTTPReceiver({
        signingSecret: config.slack.signingSecret?.reveal() ?? '',
        logger: boltLogger,
        processBeforeResponse: false,
        processEventErrorHandler: async ({ error, response }) => {
          if (response.headersSent) return false;
          const malformed = isMalformedPayload(error);
          if (malformed) logMalformed(error);
          const status = error instanceof AuthorizationError ? 401 : malformed ? 400 : 500;
          response.writeHead(status);
          response.end();
          return status !== 500;
        },
      });

  const app = new App({
    token: botToken,
    receiver: (socketReceiver ?? httpReceiver) as HTTPReceiver,
    ...(socketReceiver ? { socketMode: true } : {}),
    logger: boltLogger,
    clientOptions,
    // Without this, Bolt calls auth.test in the constructor and a bad token kills the process with an unhandled
    // rejection; start() calls init() and explains the failure instead.
    deferInitialization: true,
    convoStore: false,
    extendedErrorHandler: true,
  });

  app.use(async ({ body, next }) => {
    const problem = findEnvelopeProblem(body);
    if (problem) throw new MalformedPayloadError(problem);
    await next();
  });
  app.use(createRequestContextMiddleware(logger, inFlight));
  // Parameters<> of an overloaded method resolves to the last overload: the extended handler's arguments.
  const onError = async ({ error, context, body }: Parameters<Parameters<App['error']>[0]>[0]): Promise<void> => {
    // Not a listener failure: left out of listenerErrors so that the receiver answers 400 (logged there).
    if (error instanceof MalformedPayloadError) throw error;
    const reqLog = requestLogger(context as Context, log);
    const type = (body as { type?: unknown } | undefined)?.type;
    reqLog.error({ ...describeSlackError(error), err: error, payloadType: type }, 'slack listener failed');
    if (typeof error === 'object' && error !== null) listenerErrors.add(error);
    // Rethrown so that the receiver answers Slack (HTTP 500 when nothing was sent yet) instead of timing out.
    throw error;
  };
  app.error(onError);
  registerListeners(app, deps.listenerDeps);

  // In Socket Mode nothing reaches the app while the socket is down (e.g. reconnecting), so it is not ready then.
  let socketConnected = false;
  let downSince: number | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  if (socketReceiver) {
    socketReceiver.client.on('connected', () => {
      socketConnected = true;
      downSince = undefined;
    });
    // 'close' comes at once when the WebSocket drops; 'reconnecting' only after the client's back-off (seconds).
    for (const state of ['close', 'reconnecting', 'disconnecting', 'disconnected']) {
      socketReceiver.client.on(state, () => {
        socketConnected = false;
        downSince ??= Date.now();
        if (!stopping) log.warn({ state }, 'Socket Mode connection lost; reconnecting');
      });
    }
    // The Socket Mode client can give up reconnecting (Slack unreachable for long); a process that stays up without
    // its socket answers nobody, so after a bound it says so and hands over to the supervisor.
    const limit = deps.connectionLostAfterMs ?? DEFAULT_CONNECTION_LOST_AFTER_MS;
    let reported = false;
    watchdog = setInterval(
      () => {
        if (stopping || reported || downSince === undefined || Date.now() - downSince < limit) return;
        reported = true;
        log.error(
          { downForMs: Date.now() - downSince },
          `the Socket Mode connection to Slack has been down for more than ${Math.round(limit / 1000)} s; ` +
            'stopping so that the supervisor starts a fresh process. Check the network and SLACK_APP_TOKEN',
        );
        deps.onConnectionLost?.();
      },
      Math.min(5_000, Math.max(50, limit / 4)),
    );
    watchdog.unref();
  }
  const isReady: ReadinessCheck = async () =>
    (socketReceiver ? socketConnected : true) && (await (deps.isReady?.() ?? true));

  let server: RunningHttpServer | undefined;
  let stopPromise: Promise<void> | undefined;

  async function verifyBotToken(): Promise<void> {
    let result: webApi.AuthTestResponse;
    try {
      result = await app.client.auth.test();
    } catch (error) {
      throw explainStartupError(error, { setting: 'SLACK_BOT_TOKEN', apiUrl, proxy: proxyName });
    }
    const granted = result.response_metadata?.scopes;
    if (granted) {
      const missing = REQUIRED_BOT_SCOPES.filter((scope) => !granted.includes(scope));
      if (missing.length > 0) {
        log.warn(
          { missingScopes: missing },
          `the Slack bot token lacks the scopes ${missing.join(', ')}; some features will fail. Add them under ` +
            'api.slack.com/apps > your app > OAuth & Permissions > Scopes (or apply manifest.yml), then reinstall the app',
        );
      }
    }
    log.info({ team: result.team, teamId: result.team_id, botUserId: result.user_id }, 'connected to Slack');
    try {
      await app.init();
    } catch (error) {
      throw explainStartupError(error, { setting: 'SLACK_BOT_TOKEN', apiUrl, proxy: proxyName });
    }
  }

  // Bolt reads `body.ssl_check` from whatever the body parses to, so a body that parses to null (`null`, or
  // `payload=null`) makes its request handler reject unhandled and leaves the request without an answer. The body is
  // buffered here (Bolt reuses a buffered body) and such bodies are refused with 400 before Bolt sees them.
  async function forwardParsableBody(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!httpReceiver) return;
    try {
      const buffered = await HTTPModuleFunctions.bufferIncomingMessage(req, HTTPModuleFunctions.defaultBodyLimit);
      let parsed: unknown;
      try {
        parsed = HTTPModuleFunctions.parseHTTPRequestBody(buffered);
      } catch {
        parsed = {}; // Bolt answers unparsable bodies itself (401 unsigned, 400 signed).
      }
      if (typeof parsed !== 'object' || parsed === null) {
        logMalformed(new MalformedPayloadError('the body is not an object'));
        res.writeHead(400).end();
        return;
      }
      httpReceiver.requestListener(buffered, res);
    } catch (error) {
      // raw-body errors (too large, aborted) carry their status; anything else is the client's broken request.
      const status = HTTPModuleFunctions.isRawBodyError(error) ? (error as { statusCode: number }).statusCode : 400;
      log.warn({ errorCode: (error as { type?: unknown }).type ?? 'unknown', status }, 'unreadable Slack request');
      if (!res.headersSent) res.writeHead(status < 500 ? status : 400).end();
    }
  }

  async function start(): Promise<void> {
    await verifyBotToken();
    const listener = httpReceiver
      ? (
          req: Parameters<typeof httpReceiver.requestListener>[0],
          res: Parameters<typeof httpReceiver.requestListener>[1],
        ) => {
          const path = (req.url ?? '/').split('?', 1)[0];
          if (req.method === 'POST' && path === '/slack/events') {
            void forwardParsableBody(req, res);
            return;
          }
          try {
            httpReceiver.requestListener(req, res);
          } catch (error) {
            // Unknown paths arrive here as HTTPReceiverDeferredRequestError and become a 404.
            HTTPModuleFunctions.defaultDispatchErrorHandler({
              error: error as Error,
              logger: boltLogger,
              request: req,
              response: res,
            });
          }
        }
      : undefined;
    server = await startHttpServer({
      port: config.port,
      logger: log,
      isReady,
      isStopping: () => stopping,
      metrics: deps.metrics,
      ...(listener ? { slackListener: listener } : {}),
    });
    if (socketReceiver) {
      try {
        await app.start();
      } catch (error) {
        await socketReceiver.client.disconnect().catch(() => undefined);
        await server.close();
        throw explainStartupError(error, { setting: 'SLACK_APP_TOKEN', apiUrl, proxy: proxyName });
      }
      log.info({ port: server.port }, 'listening to Slack over Socket Mode; health routes on the HTTP port');
    } else {
      log.info({ port: server.port }, 'listening for Slack requests on POST /slack/events');
    }
  }

  async function drainAndClose(): Promise<void> {
    stopping = true;
    clearInterval(watchdog);
    server?.stopAccepting();
    const idle = await inFlight.whenIdle(drainTimeoutMs);
    if (!idle) {
      log.warn(
        { inFlight: inFlight.count, drainTimeoutMs },
        `stopping with ${inFlight.count} Slack request(s) still running after ${drainTimeoutMs} ms`,
      );
    }
    if (socketReceiver) {
      // disconnect() waits for the socket to close; a dead peer must not hold the stop forever.
      await Promise.race([
        socketReceiver.client.disconnect(),
        new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
      ]);
    }
    await server?.close();
  }

  return {
    app,
    get port() {
      return server?.port ?? 0;
    },
    get inFlight() {
      return inFlight.count;
    },
    start,
    stop() {
      stopPromise ??= drainAndClose();
      return stopPromise;
    },
  };
}
