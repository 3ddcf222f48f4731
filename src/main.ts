// Builds and starts the whole application from a validated Config: logger, dependencies, Slack app. Shared by
// `moodle-provisioner start` (src/cli/start.ts) and the end-to-end tests, so that tests run what production runs.
import { hostname } from 'node:os';
import type { webApi } from '@slack/bolt';
import type { DestinationStream } from 'pino';
import { type BackgroundTimings, buildBackgroundJobs, LEASE_TTL_MS, signaturePruneJob } from './background-jobs.js';
import { doctorFactories } from './cli/doctor.js';
import type { Config } from './config.js';
import { type Clock, systemClock } from './core/clock.js';
import { createPermissions } from './core/permissions.js';
import { createProvisioningService } from './core/provisioning.js';
import { createRequestService } from './core/request-lifecycle.js';
import type { Store } from './core/store.js';
import { runDoctorForConfig } from './doctor/run-doctor.js';
import { startLeasedJobs } from './leased-jobs.js';
import { createLogger, type Logger, type SecretScrubber, toBoltLogger } from './logger.js';
import { type AppMetrics, countStoreEvents, createAppMetrics, serveMetrics } from './metrics.js';
import { createUsersInBatches } from './moodle/batch.js';
import { createMoodleClient, type MoodleClient } from './moodle/client.js';
import { describeProxy } from './outbound-proxy.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import { mention } from './slack/blocks/card-parts.js';
import type { MetricsEndpoint, ReadinessCheck } from './slack/health.js';
import { createHomeTabs } from './slack/home-tabs.js';
import type { ListenerDeps } from './slack/listeners/index.js';
import { createSlackNotifier, FailureCountingWebClient } from './slack/notifier.js';
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
  /** GET /metrics; undefined when METRICS=off. */
  readonly metrics?: MetricsEndpoint | undefined;
  /**
   * Work to run once Slack is connected (reconciliation, expiry, reminders and missing cards), each job in one replica
   * at a time under a lease; `replicaName` is stable across restarts (host and port). Returns its stopper.
   */
  readonly background?: (replicaName: string) => Closer;
}

/** BackgroundTimings: tests shorten the jobs' intervals and the leases. */
export interface ApplicationOverrides extends BackgroundTimings {
  /** Where log lines go (tests collect them in memory); stdout by default. */
  logDestination?: DestinationStream;
  /** Replaces parts of what buildDependencies makes (tests: readiness, closers). */
  deps?: Partial<ApplicationDeps>;
  /** Bound on waiting for requests in flight during stop(); 10 s by default. */
  drainTimeoutMs?: number;
  /** Time for the core (request ages, expiry); tests move a manual clock instead of waiting. */
  clock?: Clock;
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
  const metrics = createAppMetrics();
  const store = countStoreEvents(
    await openStore(config.databaseUrl, { logger, holderId: holder, ...(scrubber ? { scrubber } : {}) }),
    metrics,
  );
  const gateway = buildMoodleGateway(config, logger, metrics);
  const client = buildSlackClient(config, logger, metrics);
  const clock = options.clock ?? systemClock;
  const core = buildCoreServices({ config, logger, store, gateway, client, clock });
  const { permissions, requests, provisioning, homeTabs } = core;
  const jobs = buildBackgroundJobs(provisioning, logger, options);
  if (store.sharedAcrossProcesses) jobs.push(signaturePruneJob(store, logger));
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
      runDoctor: async () => {
        const report = await runDoctorForConfig(config, doctorFactories);
        homeTabs.rememberDoctor(report);
        return report;
      },
      homeTabs,
    },
    isReady: () => store.isHealthy(),
    metrics: config.metrics.enabled ? serveMetrics(metrics, config.metrics.token) : undefined,
    closers: [
      { name: 'Moodle HTTP pool', close: () => gateway.close() },
      { name: 'store', close: () => store.close() },
      { name: 'Slack proxy pool', close: async () => slackProxyDispatcher(config)?.close() },
    ],
    background: (replicaName) => ({
      name: 'background jobs',
      close: startLeasedJobs({
        store,
        holder,
        replicaName,
        ttlMs: options.leaseTtlMs ?? LEASE_TTL_MS,
        jobs,
        log: (level, message, context) => logger[level](context ?? {}, message),
        onRun: metrics.jobRun,
        onLease: metrics.jobLease,
      }).close,
    }),
  };
}

function buildMoodleGateway(config: Config, logger: Logger, metrics: AppMetrics): MoodleClient {
  return createMoodleClient({
    url: config.moodle.url,
    token: config.moodle.token,
    timeoutMs: config.moodle.timeoutMs,
    logger,
    proxy: config.proxy,
    observe: metrics.moodleCall,
  });
}

/**
 * The app's own WebClient, for work outside any Slack request (directory look-ups, notifications); its failed calls
 * are counted for the metrics.
 */
function buildSlackClient(config: Config, logger: Logger, metrics: AppMetrics): webApi.WebClient {
  const client = new FailureCountingWebClient(
    config.slack.botToken.reveal(),
    buildWebClientOptions(config, { logger: toBoltLogger(logger, 'slack-web-api') }),
  );
  client.onFailure = metrics.slackFailure;
  return client;
}

interface CoreServiceParts {
  config: Config;
  logger: Logger;
  store: Store;
  gateway: MoodleClient;
  client: webApi.WebClient;
  clock: Clock;
}

function buildCoreServices({ config, logger, store, gateway, client, clock }: CoreServiceParts) {
  const permissions = createPermissions(config.roles, createSlackDirectory(client), {
    clock,
    formatActor: mention,
  });
  const homeTabs = createHomeTabs({ client, store, permissions, clock, logger });
  const requests = createRequestService({
    store,
    clock,
    ttlHours: config.requestTtlHours,
    formatActor: mention,
  });
  const provisioning = createProvisioningService({
    gateway,
    requests,
    store,
    permissions,
    notifier: createSlackNotifier({
      client,
      config,
      onRequestChanged: (request) => homeTabs.refresh(request),
      // Called only once the service below exists: when an import's card is redrawn.
      importResult: (id) => provisioning.imports.result(id),
    }),
    clock,
    formatActor: mention,
    settings: {
      approvalRequired: config.approvalRequired,
      passwordMode: config.passwordMode,
      allowedAuth: config.allowedAuth,
      defaultAuth: config.defaultAuth,
      protectedUsers: config.protectedUsers,
      moodleUrl: config.moodle.url,
      roleIds: config.roleIds,
      reasonRequired: config.reasonRequired,
      approvalsRequired: config.approvalsRequired,
      remindAfterHours: config.remindAfterHours,
      expiryAction: config.expiryAction,
      expiryRemindDays: config.expiryRemindDays,
    },
    log: (level, message, context) => logger[level](context ?? {}, message),
    dryRun: () => gateway.dryRun(),
    createInBatches: (batchClient, users, options) => createUsersInBatches(batchClient, users, { ...options, logger }),
  });
  return { permissions, requests, provisioning, homeTabs };
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

/** The overrides buildDependencies takes (time and the background jobs' timings), without the undefined ones. */
function backgroundOptions(overrides: ApplicationOverrides): BackgroundTimings & { clock?: Clock } {
  const { clock, expiryIntervalMs, reconcileIntervalMs, leaseTtlMs, onExpiryCheck } = overrides;
  const { scheduleIntervalMs, onScheduledRun } = overrides;
  return {
    ...(clock ? { clock } : {}),
    ...(scheduleIntervalMs !== undefined ? { scheduleIntervalMs } : {}),
    ...(onScheduledRun ? { onScheduledRun } : {}),
    ...(expiryIntervalMs !== undefined ? { expiryIntervalMs } : {}),
    ...(reconcileIntervalMs !== undefined ? { reconcileIntervalMs } : {}),
    ...(leaseTtlMs !== undefined ? { leaseTtlMs } : {}),
    ...(onExpiryCheck ? { onExpiryCheck } : {}),
  };
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
      config.metrics.token,
      ...urlSecrets(config),
    ],
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  if (config.proxy) logger.info(describeProxy(config.proxy), 'outbound HTTP goes through a proxy');
  const deps: ApplicationDeps = {
    ...(await buildDependencies(config, logger, scrubber, backgroundOptions(overrides))),
    ...overrides.deps,
  };
  const slack = createSlackApp({
    config,
    logger,
    listenerDeps: deps.listenerDeps,
    isReady: deps.isReady,
    metrics: deps.metrics,
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
