// The jobs that run once Slack is connected: reconcile what a stop interrupted, then expire overdue requests and
// remind approvers and post missing approval cards, now and on an interval. A job that fails is logged; the others still run.
import type { Jobs } from './core/use-cases/jobs.js';
import type { Logger } from './logger.js';
import type { Closer } from './main.js';

/** Starts the jobs; closing stops the interval and waits for the start-up run. */
export function startBackgroundJobs(
  jobs: Jobs,
  logger: Logger,
  intervalMs: number,
  onPeriodicRun?: () => void,
): Closer {
  const runPeriodic = () => runPeriodicJobs(jobs, logger);
  const startup = (async () => {
    await reconcileInterrupted(jobs, logger);
    await runPeriodic();
  })();
  // One run at a time: when Moodle, Slack or the machine is slow, ticks that find one running are skipped rather
  // than piling up behind it.
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= runPeriodic().finally(() => {
      running = undefined;
      onPeriodicRun?.();
    });
  }, intervalMs);
  timer.unref();
  return {
    name: 'background jobs',
    close: async () => {
      clearInterval(timer);
      await startup;
      await running;
    },
  };
}

async function reconcileInterrupted(jobs: Jobs, logger: Logger): Promise<void> {
  try {
    const { reconciled, unresolved } = await jobs.reconcileInterrupted();
    if (reconciled.length + unresolved.length > 0) {
      logger.info(
        { reconciled: reconciled.map((r) => r.id), unresolved: unresolved.map((r) => r.id) },
        'reconciled requests interrupted by a stop',
      );
    }
  } catch (err) {
    logger.error({ err }, 'reconciling interrupted requests failed');
  }
}

async function runPeriodicJobs(jobs: Jobs, logger: Logger): Promise<void> {
  try {
    const expired = await jobs.expireDue();
    if (expired.length > 0) logger.info({ count: expired.length }, 'expired pending requests');
  } catch (err) {
    logger.error({ err }, 'checking for expired requests failed');
  }
  try {
    const reminded = await jobs.remindDue();
    if (reminded.length > 0) logger.info({ requestIds: reminded.map((r) => r.id) }, 'reminded approvers');
  } catch (err) {
    logger.error({ err }, 'reminding approvers failed');
  }
  try {
    const posted = await jobs.postMissingCards();
    if (posted.length > 0) logger.info({ requestIds: posted.map((r) => r.id) }, 'posted missing approval cards');
  } catch (err) {
    logger.error({ err }, 'posting missing approval cards failed');
  }
}
