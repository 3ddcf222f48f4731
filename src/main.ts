// Builds and starts the whole application from a validated Config: logger, dependencies, Slack app. Shared by the
// process entry point (src/index.ts) and the end-to-end tests, so that tests run exactly what production runs.
import type { DestinationStream } from 'pino';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createSlackApp, type SlackApp } from './slack/app.js';
import type { ReadinessCheck } from './slack/health.js';
import type { ListenerDeps } from './slack/listeners/index.js';

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
}

export interface ApplicationOverrides {
  /** Where log lines go (tests collect them in memory); stdout by default. */
  logDestination?: DestinationStream;
  /** Replaces parts of what buildDependencies makes (tests: readiness, closers). */
  deps?: Partial<ApplicationDeps>;
  /** Bound on waiting for requests in flight during stop(); 10 s by default. */
  drainTimeoutMs?: number;
}

export interface RunningApplication {
  readonly config: Config;
  readonly logger: Logger;
  readonly slack: SlackApp;
  /** The bound HTTP port (health routes; Slack requests in HTTP mode). */
  readonly port: number;
  /** Graceful stop: Slack first (drains requests), then the closers, then the logs are flushed. Idempotent. */
  stop(): Promise<void>;
}

/**
 * The application's dependencies. The store and the Moodle client are created here: each adds itself to
 * `listenerDeps`, its open state to `isReady`, and its shutdown to `closers`.
 */
export function buildDependencies(config: Config, logger: Logger): ApplicationDeps {
  return {
    listenerDeps: { config, logger },
    isReady: () => true,
    closers: [],
  };
}

export async function startApplication(
  config: Config,
  overrides: ApplicationOverrides = {},
): Promise<RunningApplication> {
  const { logger } = createLogger({
    level: config.logLevel,
    secrets: [config.slack.botToken, config.slack.signingSecret, config.slack.appToken, config.moodle.token],
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  const deps = { ...buildDependencies(config, logger), ...overrides.deps };
  const slack = createSlackApp({
    config,
    logger,
    listenerDeps: deps.listenerDeps,
    isReady: deps.isReady,
    ...(overrides.drainTimeoutMs !== undefined ? { drainTimeoutMs: overrides.drainTimeoutMs } : {}),
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

  let stopping: Promise<void> | undefined;
  return {
    config,
    logger,
    slack,
    get port() {
      return slack.port;
    },
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        await slack.stop();
        await closeAll();
        logger.info('stopped');
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      })();
      return stopping;
    },
  };
}
