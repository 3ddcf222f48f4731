import { App, AuthorizationError, type Context, HTTPReceiver, SocketModeReceiver, type webApi } from '@slack/bolt';
import type { Config } from '../config.js';
import { type Logger, toBoltLogger } from '../logger.js';
import { describeProxyUrl, proxyFor } from '../outbound-proxy.js';
import { type MetricsEndpoint, type ReadinessCheck, type RunningHttpServer, startHttpServer } from './health.js';
import { createSlackHttpListener } from './http-listener.js';
import { type ListenerDeps, registerListeners } from './listeners/index.js';
import { createRequestContextMiddleware, InFlightTracker, requestLogger } from './listeners/request-context.js';
import { findEnvelopeProblem, MalformedPayloadError } from './payload-envelope.js';
import { createSlackRequestGuard } from './signed-request.js';
import { describeSlackError, explainStartupError, SlackStartupError } from './startup-errors.js';
import { buildWebClientOptions, slackProxyDispatcher } from './web-client-options.js';
import { createWorkspaceMiddleware, type InstalledWorkspace, readInstalledWorkspace } from './workspace-guard.js';

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
  'files:read',
  'files:write',
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
  /** Resolves true once no Slack request is being handled (false if `timeoutMs` passes first). */
  whenIdle(timeoutMs: number): Promise<boolean>;
  /** Checks the tokens with Slack, then listens (HTTP) or connects (Socket Mode). Throws SlackStartupError. */
  start(): Promise<void>;
  /** Stops taking requests, waits for those in flight (bounded), then closes the server and the socket. */
  stop(): Promise<void>;
}

/** What the app's parts share: the pieces built once, and the state that start() and stop() change. */
interface AppState {
  deps: SlackAppDeps;
  log: Logger;
  boltLogger: ReturnType<typeof toBoltLogger>;
  app: App;
  socketReceiver: SocketModeReceiver | undefined;
  httpReceiver: HTTPReceiver | undefined;
  inFlight: InFlightTracker;
  logMalformed: (error: unknown) => void;
  apiUrl: string;
  proxyName: string | undefined;
  socket: SocketWatch | undefined;
  installed: InstalledWorkspace | undefined;
  server: RunningHttpServer | undefined;
  stopping: boolean;
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
  const errors = createErrorTriage(log);
  const { socketReceiver, httpReceiver } = buildReceivers(config, boltLogger, clientOptions, errors);
  const app = new App({
    token: config.slack.botToken.reveal(),
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
  const state: AppState = {
    deps,
    log,
    boltLogger,
    app,
    socketReceiver,
    httpReceiver,
    inFlight: new InFlightTracker(),
    logMalformed: errors.logMalformed,
    apiUrl,
    proxyName: describeProxyUrl(proxyFor(config.proxy, apiUrl)),
    socket: undefined,
    installed: undefined,
    server: undefined,
    stopping: false,
  };
  installMiddleware(state, errors);
  registerListeners(app, deps.listenerDeps);
  if (socketReceiver) state.socket = watchSocket(socketReceiver, deps, log, () => state.stopping);
  let stopPromise: Promise<void> | undefined;
  return {
    app,
    get port() {
      return state.server?.port ?? 0;
    },
    get inFlight() {
      return state.inFlight.count;
    },
    whenIdle: (timeoutMs) => state.inFlight.whenIdle(timeoutMs),
    start: () => start(state),
    stop() {
      stopPromise ??= drainAndClose(state);
      return stopPromise;
    },
  };
}

interface ErrorTriage {
  /** Errors from listeners and middleware, as app.error saw them. */
  listenerErrors: WeakSet<object>;
  isMalformedPayload(error: unknown): boolean;
  logMalformed(error: unknown): void;
}

/**
 * Errors from listeners and middleware pass through app.error, which logs them. An error that never did was thrown
 * by Bolt itself before routing, on a body without the parts every Slack payload has (e.g. no team): a malformed
 * request, answered 400 rather than 500, and acknowledged on the socket so it is not resent.
 */
function createErrorTriage(log: Logger): ErrorTriage {
  const listenerErrors = new WeakSet<object>();
  return {
    listenerErrors,
    isMalformedPayload: (error) =>
      !(error instanceof AuthorizationError) &&
      !(typeof error === 'object' && error !== null && listenerErrors.has(error)),
    logMalformed: (error) =>
      log.warn(
        {
          errorCode: error instanceof Error ? error.name : 'unknown',
          ...(error instanceof MalformedPayloadError ? { problem: error.message } : {}),
        },
        'malformed Slack payload refused',
      ),
  };
}

/** Socket Mode when an app token is set, HTTP otherwise; their error handlers only decide the transport answer. */
function buildReceivers(
  config: Config,
  boltLogger: ReturnType<typeof toBoltLogger>,
  clientOptions: ReturnType<typeof buildWebClientOptions>,
  errors: ErrorTriage,
): { socketReceiver: SocketModeReceiver | undefined; httpReceiver: HTTPReceiver | undefined } {
  if (config.slack.mode === 'socket' && config.slack.appToken) {
    const dispatcher = slackProxyDispatcher(config);
    const socketReceiver = new SocketModeReceiver({
      appToken: config.slack.appToken.reveal(),
      ...(dispatcher ? { dispatcher } : {}),
      logger: boltLogger,
      installerOptions: { clientOptions },
      processEventErrorHandler: async ({ error }) => {
        if (!errors.isMalformedPayload(error)) return error instanceof AuthorizationError;
        errors.logMalformed(error);
        return true;
      },
    });
    return { socketReceiver, httpReceiver: undefined };
  }
  const httpReceiver = new HTTPReceiver({
    signingSecret: config.slack.signingSecret?.reveal() ?? '',
    logger: boltLogger,
    processBeforeResponse: false,
    processEventErrorHandler: async ({ error, response }) => {
      if (response.headersSent) return false;
      const malformed = errors.isMalformedPayload(error);
      if (malformed) errors.logMalformed(error);
      const status = error instanceof AuthorizationError ? 401 : malformed ? 400 : 500;
      response.writeHead(status);
      response.end();
      return status !== 500;
    },
  });
  return { socketReceiver: undefined, httpReceiver };
}

/** The envelope check, the request context, the one-workspace rule, and the one error handler. */
function installMiddleware(state: AppState, errors: ErrorTriage): void {
  const { app, deps, log } = state;
  app.use(async ({ body, next }) => {
    const problem = findEnvelopeProblem(body);
    if (problem) throw new MalformedPayloadError(problem);
    await next();
  });
  app.use(createRequestContextMiddleware(deps.logger, state.inFlight));
  app.use(
    createWorkspaceMiddleware({ installed: () => state.installed, requests: deps.listenerDeps.requests, logger: log }),
  );
  // Parameters<> of an overloaded method resolves to the last overload: the extended handler's arguments.
  const onError = async ({ error, context, body }: Parameters<Parameters<App['error']>[0]>[0]): Promise<void> => {
    // Not a listener failure: left out of listenerErrors so that the receiver answers 400 (logged there).
    if (error instanceof MalformedPayloadError) throw error;
    const reqLog = requestLogger(context as Context, log);
    const type = (body as { type?: unknown } | undefined)?.type;
    reqLog.error({ ...describeSlackError(error), err: error, payloadType: type }, 'slack listener failed');
    if (typeof error === 'object' && error !== null) errors.listenerErrors.add(error);
    // Rethrown so that the receiver answers Slack (HTTP 500 when nothing was sent yet) instead of timing out.
    throw error;
  };
  app.error(onError);
}

interface SocketWatch {
  isConnected(): boolean;
  stop(): void;
}

/**
 * Nothing reaches the app while the socket is down, so it is not ready then; and the Socket Mode client can give up
 * reconnecting, so after a bound the app says so and hands over to its supervisor (onConnectionLost).
 */
function watchSocket(
  receiver: SocketModeReceiver,
  deps: SlackAppDeps,
  log: Logger,
  isStopping: () => boolean,
): SocketWatch {
  let connected = false;
  let downSince: number | undefined;
  receiver.client.on('connected', () => {
    connected = true;
    downSince = undefined;
  });
  // 'close' comes at once when the WebSocket drops; 'reconnecting' only after the client's back-off (seconds).
  for (const event of ['close', 'reconnecting', 'disconnecting', 'disconnected']) {
    receiver.client.on(event, () => {
      connected = false;
      downSince ??= Date.now();
      if (!isStopping()) log.warn({ state: event }, 'Socket Mode connection lost; reconnecting');
    });
  }
  const limit = deps.connectionLostAfterMs ?? DEFAULT_CONNECTION_LOST_AFTER_MS;
  let reported = false;
  const watchdog = setInterval(
    () => {
      if (isStopping() || reported || downSince === undefined || Date.now() - downSince < limit) return;
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
  return { isConnected: () => connected, stop: () => clearInterval(watchdog) };
}

/** auth.test: the token works, has the scopes, and names the workspace the app is installed in. */
async function verifyBotToken(state: AppState): Promise<void> {
  const { app, log } = state;
  const explain = (error: unknown) =>
    explainStartupError(error, { setting: 'SLACK_BOT_TOKEN', apiUrl: state.apiUrl, proxy: state.proxyName });
  let result: webApi.AuthTestResponse;
  try {
    result = await app.client.auth.test();
  } catch (error) {
    throw explain(error);
  }
  const granted = result.response_metadata?.scopes;
  const missing = granted ? REQUIRED_BOT_SCOPES.filter((scope) => !granted.includes(scope)) : [];
  if (missing.length > 0) {
    log.warn(
      { missingScopes: missing },
      `the Slack bot token lacks the scopes ${missing.join(', ')}; some features will fail. Add them under ` +
        'api.slack.com/apps > your app > OAuth & Permissions > Scopes (or apply manifest.yml), then reinstall the app',
    );
  }
  state.installed = readInstalledWorkspace(result);
  if (!state.installed) {
    throw new SlackStartupError(
      'slack_startup_failed',
      'Slack did not say which workspace SLACK_BOT_TOKEN belongs to (auth.test gave no team_id), so requests ' +
        'from other workspaces could not be told apart. Check SLACK_API_URL, or reinstall the app.',
      'SLACK_BOT_TOKEN',
    );
  }
  log.info(
    { team: result.team, teamId: result.team_id, enterpriseId: result.enterprise_id, botUserId: result.user_id },
    'connected to Slack',
  );
  try {
    await app.init();
  } catch (error) {
    throw explain(error);
  }
}

async function start(state: AppState): Promise<void> {
  const { deps, log, socketReceiver, httpReceiver } = state;
  const { config } = deps;
  const { store } = deps.listenerDeps;
  await verifyBotToken(state);
  const listener = httpReceiver
    ? createSlackHttpListener({
        receiver: httpReceiver,
        guard: createSlackRequestGuard({
          signingSecret: config.slack.signingSecret?.reveal() ?? '',
          shared: store.sharedAcrossProcesses ? store : undefined,
        }),
        log,
        boltLogger: state.boltLogger,
        logMalformed: state.logMalformed,
      })
    : undefined;
  const isReady: ReadinessCheck = async () =>
    (state.socket ? state.socket.isConnected() : true) && (await (deps.isReady?.() ?? true));
  const server = await startHttpServer({
    port: config.port,
    logger: log,
    isReady,
    isStopping: () => state.stopping,
    metrics: deps.metrics,
    ...(listener ? { slackListener: listener } : {}),
  });
  state.server = server;
  if (!socketReceiver) {
    log.info({ port: server.port }, 'listening for Slack requests on POST /slack/events');
    return;
  }
  try {
    await state.app.start();
  } catch (error) {
    await socketReceiver.client.disconnect().catch(() => undefined);
    await server.close();
    throw explainStartupError(error, { setting: 'SLACK_APP_TOKEN', apiUrl: state.apiUrl, proxy: state.proxyName });
  }
  log.info({ port: server.port }, 'listening to Slack over Socket Mode; health routes on the HTTP port');
}

async function drainAndClose(state: AppState): Promise<void> {
  const { log, inFlight } = state;
  state.stopping = true;
  state.socket?.stop();
  state.server?.stopAccepting();
  const drainTimeoutMs = state.deps.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const idle = await inFlight.whenIdle(drainTimeoutMs);
  if (!idle) {
    log.warn(
      { inFlight: inFlight.count, drainTimeoutMs },
      `stopping with ${inFlight.count} Slack request(s) still running after ${drainTimeoutMs} ms`,
    );
  }
  if (state.socketReceiver) {
    // disconnect() waits for the socket to close; a dead peer must not hold the stop forever.
    await Promise.race([
      state.socketReceiver.client.disconnect(),
      new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
    ]);
  }
  await state.server?.close();
}
