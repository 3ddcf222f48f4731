// Process entry point: read the settings, start the application, stop gracefully on SIGTERM/SIGINT.
// Start-up problems print one clear message (no stack trace) and exit with 78 (EX_CONFIG) when a setting must change.
import { ConfigError, loadConfig } from './config.js';
import { type RunningApplication, startApplication } from './main.js';
import { SlackStartupError } from './slack/app.js';
import { isStoreError } from './store/index.js';

const EX_CONFIG = 78;

async function main(): Promise<void> {
  let running: RunningApplication | undefined;
  const exitAfterStop = (code: number): void => {
    const stopped = running ? running.stop() : Promise.resolve();
    stopped.then(
      () => process.exit(code),
      () => process.exit(code || 1),
    );
  };
  try {
    // A Socket Mode connection that stays down serves nobody: stop, and exit 1 so the supervisor restarts us.
    running = await startApplication(loadConfig(), { onConnectionLost: () => exitAfterStop(1) });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(EX_CONFIG);
    }
    if (isStoreError(error)) {
      // A wrong or unreachable DATABASE_URL, or a database from a newer release: a setting to change, not a crash.
      console.error(`moodle-provisioner cannot start: ${error.message}`);
      process.exit(error.code === 'migration_failed' || error.code === 'durability_failed' ? 1 : EX_CONFIG);
    }
    if (error instanceof SlackStartupError) {
      console.error(`moodle-provisioner cannot start: ${error.message}`);
      process.exit(error.code === 'slack_token_rejected' ? EX_CONFIG : 1);
    }
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
      console.error(`moodle-provisioner cannot start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      running.logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    running.logger.info({ signal }, 'signal received, finishing requests in flight');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.logger.error({ err: error }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('unhandledRejection', (reason) => {
    // Logged and survived: one failed background task must not take every pending request down with it.
    running.logger.error({ err: reason }, 'unhandled promise rejection');
  });
}

await main();
