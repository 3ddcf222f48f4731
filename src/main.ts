// Builds and starts the whole application from a validated Config: logger, dependencies, Slack app. Shared by the
// process entry point (src/index.ts) and the end-to-end tests, so that tests run exactly what production runs.
import { hostname } from 'node:os';
import { webApi } from '@slack/bolt';
import type { DestinationStream } from 'pino';
import { doctorFactories } from './cli/doctor.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { createPermissions } from './core/permissions.js';
import { createProvisioningService } from './core/provisioning.js';
import { createRequestService } from './core/request-lifecycle.js';
import { runDoctorForConfig } from './doctor/run-doctor.js';
import { type LeasedJob, startLeasedJobs } from './leased-jobs.js';
import { createLogger, type Logger, type SecretScrubber, toBoltLogger } from './logger.js';
import { createMoodleClient } from './moodle/client.js';
import { describeProxy } from './outbound-proxy.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { ReadinessCheck } from './slack/health.js';
import type { ListenerDeps } from './slack/listeners/index.js';
import { createSlackNotifier } from './slack/notifier.js';
import { createSlackDirectory } from './slack/slack-directory.js';
import { buildWebClientOptions, slackProxyDispatcher } from './slack/web-client-options.js';
import { openStore, randomHolderId } from './store/index.js';

/** Something to close on stop (store, Moodle HTTP pool), in the order given, after Slack stopped taking requests. */
export interface Closer {
  readonly name: string;
  close(): void | Promise<void>;
}

/** What the composition root builds besides the Slack app. */
export interface ApplicationDeps {
  readonly listenerDeps: ListenerDeps;
  readonly isReady: ReadinessCheck;
  readonly closers: readonly Closer[];
  /**
   * Work to run once Slack is connected (reconciliation, expiry and missing cards), each job in one replica at a time
   * under a lease; `replicaName` is stable across restarts (host and port). Returns its stopper.
   */
  readonly background?: (replicaName: string) => Closer;
}

export interface ApplicationOverrides {
  /** Where log lines go (tests collect them in memory); stdout by default. */
  logDestination?: DestinationStream;
  /** Replaces parts of what buildDependencies makes (tests: readiness, closers). */
  deps?: Partial<ApplicationDeps>;
  /** Bound on waiting for requests in flight during stop(); 10 s by default. */
  drainTimeoutMs?: number;
  /** Time for the core (request ages, expiry); tests move a manual clock instead of waiting. */
  clock?: Clock;
  /** How often pending requests are checked for expiry (EXPIRY_CHECK_INTERVAL_MS by default). */
  expiryIntervalMs?: number;
  /** How often interrupted executions are looked for (RECONCILE_INTERVAL_MS by default). */
  reconcileIntervalMs?: number;
  /** How long a replica's leases outlive its last renewal (LEASE_TTL_MS by default). */
  leaseTtlMs?: number;
  /** Socket Mode: what to do when the socket stays down (the entry point stops and exits for its supervisor). */
  onConnectionLost?: () => void;
  connectionLostAfterMs?: number;
}

export interface RunningApplication {
  readonly config: Config;
  readonly logger: Logger;
  readonly slack: SlackApp;
  /** The bound HTTP port (health routes; Slack requests in HTTP mode). */
  readonly port: number;
  /** What the composition root built (tests drive the core services of the running app through it). */
  readonly deps: ApplicationDeps;
  /** Graceful stop: Slack first (drains requests), then the closers, then the logs are flushed. Idempotent. */
  stop(): Promise<void>;
}

/** How often pending requests are checked for expiry. */
export const EXPIRY_CHECK_INTERVAL_MS = 5 * 60 * 1000;
/** How often executions whose replica died are looked for. */
export const RECONCILE_INTERVAL_MS = 60 * 1000;
/** A replica that stops renewing its leases for this long is taken for dead; its jobs move to another replica. */
export const LEASE_TTL_MS = 30 * 1000;

type BackgroundTimings = Pick<ApplicationOverrides, 'expiryIntervalMs' | 'reconcileIntervalMs' | 'leaseTtlMs'>;

/**
 * The application's dependencies: the store, the Moodle client, the Slack directory and notifier (on a WebClient
 * of their own, for work that runs outside any Slack request), and the core services over them.
 */
export async function buildDependencies(
  config: Config,
  logger: Logger,
  scrubber?: SecretScrubber,
  options: BackgroundTimings & { clock?: Clock } = {},
): Promise<ApplicationDeps> {
  const holder = `${hostname()}/${randomHolderId()}`;
  const store = await openStore(config.databaseUrl, { logger, holderId: holder, ...(scrubber ? { scrubber } : {}) });
  const gateway = createMoodleClient({
    url: config.moodle.url,
    token: config.moodle.token,
    timeoutMs: config.moodle.timeoutMs,
    logger,
    proxy: config.proxy,
  });
  const client = new webApi.WebClient(
    config.slack.botToken.reveal(),
    buildWebClientOptions(config, { logger: toBoltLogger(logger, 'slack-web-api') }),
  );
  const clock = options.clock ?? systemClock;
  const permissions = createPermissions(config.roles, createSlackDirectory(client), { clock });
  const requests = createRequestService({
    store,
    clock,
    ttlHours: config.requestTtlHours,
    formatActor: (id) => `<@${id}>`,
  });
  const provisioning = createProvisioningService({
    gateway,
    requests,
    store,
    permissions,
    notifier: createSlackNotifier({ client, config }),
    clock,
    formatActor: (id) => `<@${id}>`,
    settings: {
      approvalRequired: config.approvalRequired,
      passwordMode: config.passwordMode,
      allowedAuth: config.allowedAuth,
      defaultAuth: config.defaultAuth,
      protectedUsers: config.protectedUsers,
      moodleUrl: config.moodle.url,
    },
    log: (level, message, context) => logger[level](context ?? {}, message),
  });
  const expiryIntervalMs = options.expiryIntervalMs ?? EXPIRY_CHECK_INTERVAL_MS;
  const jobs: LeasedJob[] = [
    {
      name: 'reconcile',
      intervalMs: options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS,
      run: async () => {
        const { reconciled, unresolved } = await provisioning.reconcileInterrupted();
        if (reconciled.length + unresolved.length > 0) {
          logger.info(
            { reconciled: reconciled.map((r) => r.id), unresolved: unresolved.map((r) => r.id) },
            'reconciled requests interrupted by a stop',
          );
        }
      },
    },
    {
      name: 'expiry',
      intervalMs: expiryIntervalMs,
      run: async () => {
        const expired = await provisioning.expireDue();
        if (expired.length > 0) logger.info({ count: expired.length }, 'expired pending requests');
      },
    },
    {
      name: 'missing-cards',
      intervalMs: expiryIntervalMs,
      run: async () => {
        const posted = await provisioning.postMissingCards();
        if (posted.length > 0) logger.info({ requestIds: posted.map((r) => r.id) }, 'posted missing approval cards');
      },
    },
  ];

  const background = (replicaName: string): Closer => {
    const running = startLeasedJobs({
      store,
      holder,
      replicaName,
      ttlMs: options.leaseTtlMs ?? LEASE_TTL_MS,
      jobs,
      log: (level, message, context) => logger[level](context ?? {}, message),
    });
    return { name: 'background jobs', close: () => running.close() };
  };

  return {
    listenerDeps: {
      config,
      logger,
      provisioning,
      requests,
      store,
      gateway,
      permissions,
      clock,
      runDoctor: () => runDoctorForConfig(config, doctorFactories),
    },
    isReady: () => store.isHealthy(),
    closers: [
      { name: 'Moodle HTTP pool', close: () => gateway.close() },
      { name: 'store', close: () => store.close() },
      { name: 'Slack proxy pool', close: async () => slackProxyDispatcher(config)?.close() },
    ],
    background,
  };
}

/**
 * A proxy or database URL with a password is a secret, and so is the password on its own (it may be logged decoded).
 */
function urlSecrets(config: Config): string[] {
  const secrets: string[] = [];
  for (const url of [config.proxy?.httpsProxy?.reveal(), config.proxy?.httpProxy?.reveal(), config.databaseUrl]) {
    if (!url || !URL.canParse(url)) continue;
    const parsed = new URL(url);
    if (!parsed.password) continue;
    secrets.push(url, parsed.password, decodeURIComponent(parsed.password));
  }
  return secrets;
}

export async function startApplication(
  config: Config,
  overrides: ApplicationOverrides = {},
): Promise<RunningApplication> {
  const { logger, scrubber } = createLogger({
    level: config.logLevel,
    secrets: [
      config.slack.botToken,
      config.slack.signingSecret,
      config.slack.appToken,
      config.moodle.token,
      ...urlSecrets(config),
    ],
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  if (config.proxy) logger.info(describeProxy(config.proxy), 'outbound HTTP goes through a proxy');
  const { clock, expiryIntervalMs, reconcileIntervalMs, leaseTtlMs } = overrides;
  const deps: ApplicationDeps = {
    ...(await buildDependencies(config, logger, scrubber, {
      ...(clock ? { clock } : {}),
      ...(expiryIntervalMs !== undefined ? { expiryIntervalMs } : {}),
      ...(reconcileIntervalMs !== undefined ? { reconcileIntervalMs } : {}),
      ...(leaseTtlMs !== undefined ? { leaseTtlMs } : {}),
    })),
    ...overrides.deps,
  };
  const slack = createSlackApp({
    config,
    logger,
    listenerDeps: deps.listenerDeps,
    isReady: deps.isReady,
    ...(overrides.drainTimeoutMs !== undefined ? { drainTimeoutMs: overrides.drainTimeoutMs } : {}),
    ...(overrides.onConnectionLost ? { onConnectionLost: overrides.onConnectionLost } : {}),
    ...(overrides.connectionLostAfterMs !== undefined
      ? { connectionLostAfterMs: overrides.connectionLostAfterMs }
      : {}),
  });

  const closeAll = async (): Promise<void> => {
    for (const closer of deps.closers) {
      try {
        await closer.close();
      } catch (error) {
        logger.error({ err: error, closer: closer.name }, `closing ${closer.name} failed`);
      }
    }
  };

  try {
    await slack.start();
  } catch (error) {
    await closeAll();
    throw error;
  }
  const backgroundJobs = deps.background?.(`${hostname()}:${slack.port}`);

  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    slack,
    deps,
    get port() {
      return slack.port;
    },
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        await slack.stop();
        await backgroundJobs?.close();
        await closeAll();
        logger.info('stopped');
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      })();
      return stopping;
    },
  };
}
