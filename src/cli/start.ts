// `moodle-provisioner start`: reads the settings, starts the application and stops it gracefully on SIGTERM/SIGINT.
// Start-up problems print one clear message (no stack trace) and exit with 78 (EX_CONFIG) when a setting must change.
// This command owns the process: once the app runs, only a signal or a lost Socket Mode connection ends it.
import { ConfigError, loadConfig } from '../config.js';
import { type RunningApplication, startApplication } from '../main.js';
import { SlackStartupError } from '../slack/startup-errors.js';
import { isStoreError } from '../store/index.js';
import { type CliCommand, type CliIo, EX_CONFIG, parseCommandOptions } from './command.js';

export const START_USAGE = `Usage: moodle-provisioner start

Runs the Slack app until SIGTERM or SIGINT (then it finishes the requests in flight and exits 0).
Settings come from the environment and from a .env file in the working directory; with a missing or wrong
setting it lists every problem and exits 78. Exit 1 for anything else that stops it.`;

/** Starts the app, or prints why it cannot and returns the exit code. */
async function startOrExplain(io: CliIo): Promise<RunningApplication | number> {
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
    running = await startApplication(loadConfig(io.env), { onConnectionLost: () => exitAfterStop(1) });
    return running;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return EX_CONFIG;
    }
    if (isStoreError(error)) {
      // A wrong or unreachable DATABASE_URL, or a database from a newer release: a setting to change, not a crash.
      io.stderr(`moodle-provisioner cannot start: ${error.message}\n`);
      return error.code === 'migration_failed' || error.code === 'durability_failed' ? 1 : EX_CONFIG;
    }
    if (error instanceof SlackStartupError) {
      io.stderr(`moodle-provisioner cannot start: ${error.message}\n`);
      return error.code === 'slack_token_rejected' ? EX_CONFIG : 1;
    }
    if (error instanceof Error && typeof (error as { code?: unknown }).code === 'string') {
      io.stderr(`moodle-provisioner cannot start: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/**
 * SIGTERM/SIGINT: finish the requests in flight, then exit 0; a second signal exits at once. Listening starts
 * before the app does, so that a signal that comes while it starts up stops it as soon as it runs.
 */
function stopOnSignals(): { attach(running: RunningApplication): void; detach(): void } {
  let running: RunningApplication | undefined;
  let pending: NodeJS.Signals | undefined;
  const stop = (app: RunningApplication, signal: NodeJS.Signals): void => {
    app.logger.info({ signal }, 'signal received, finishing requests in flight');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.logger.error({ err: error }, 'graceful stop failed');
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (pending) {
      running?.logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    pending = signal;
    if (running) stop(running, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    attach(app) {
      running = app;
      process.on('unhandledRejection', (reason) => {
        // Logged and survived: one failed background task must not take every pending request down with it.
        app.logger.error({ err: reason }, 'unhandled promise rejection');
      });
      if (pending) stop(app, pending);
    },
    detach() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}

export const startCommand: CliCommand = {
  usage: START_USAGE,
  async run(argv, io) {
    parseCommandOptions(argv, {});
    const signals = stopOnSignals();
    const started = await startOrExplain(io);
    if (typeof started === 'number') {
      signals.detach();
      return started;
    }
    signals.attach(started);
    return 0;
  },
};
