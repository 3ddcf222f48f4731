// The background jobs of a replica, each run under a lease (leased-jobs.ts) so that one replica at a time runs it:
// reconciling executions whose replica died, expiring overdue requests, reminding approvers of waiting ones, and
// posting the cards Slack did not take; with several replicas, forgetting the signatures of Slack requests whose
// timestamps have left the window. A job that fails is logged; the others still run.
import type { Store } from './core/store.js';
import type { Jobs } from './core/use-cases/jobs.js';
import type { ScheduledRunner } from './core/use-cases/scheduled.js';
import type { LeasedJob } from './leased-jobs.js';
import type { Logger } from './logger.js';

/** How often pending requests are checked for expiry, reminders and missing cards. */
export const EXPIRY_CHECK_INTERVAL_MS = 5 * 60 * 1000;
/** How often executions whose replica died are looked for. */
export const RECONCILE_INTERVAL_MS = 60 * 1000;
/** A replica that stops renewing its leases for this long is taken for dead; its jobs move to another replica. */
export const LEASE_TTL_MS = 30 * 1000;

export interface BackgroundTimings {
  /** How often pending requests are checked for expiry (EXPIRY_CHECK_INTERVAL_MS by default). */
  expiryIntervalMs?: number;
  /** How often interrupted executions are looked for (RECONCILE_INTERVAL_MS by default). */
  reconcileIntervalMs?: number;
  /** How long a replica's leases outlive its last renewal (LEASE_TTL_MS by default). */
  leaseTtlMs?: number;
  /** Called after each expiry run (tests wait for whole runs instead of for a time). */
  onExpiryCheck?: () => void;
  /** How often due scheduled actions (end dates, their reminders) are looked for (SCHEDULE_INTERVAL_MS by default). */
  scheduleIntervalMs?: number;
  /** Called after each run of the scheduled actions, with what it settled. */
  onScheduledRun?: (settled: number) => void;
}

/** How often due scheduled actions are looked for: an end date is a day, so a minute late is on time. */
export const SCHEDULE_INTERVAL_MS = 60 * 1000;
/** How often the signatures of requests taken are cleaned up (replicas only): the table holds ~11 minutes of them. */
export const SIGNATURE_PRUNE_INTERVAL_MS = 60 * 1000;
/**
 * A signature is forgotten this long after its timestamp left the window, by the clock of the replica that cleans
 * up: a replica whose clock is behind the cleaner's by less than this still finds every claim its window accepts.
 */
export const SIGNATURE_PRUNE_MARGIN_MS = 5 * 60 * 1000;

/** The job that forgets expired signatures (SQLite keeps them in memory only: no job there). */
export function signaturePruneJob(store: Pick<Store, 'pruneSignatures'>, logger: Logger): LeasedJob {
  return {
    name: 'seen-signatures',
    intervalMs: SIGNATURE_PRUNE_INTERVAL_MS,
    run: async () => {
      const deleted = await store.pruneSignatures(new Date(Date.now() - SIGNATURE_PRUNE_MARGIN_MS));
      if (deleted > 0) logger.debug({ deleted }, 'forgot the signatures of expired Slack requests');
    },
  };
}

export function buildBackgroundJobs(
  jobs: Jobs & ScheduledRunner,
  logger: Logger,
  timings: BackgroundTimings,
): LeasedJob[] {
  const expiryIntervalMs = timings.expiryIntervalMs ?? EXPIRY_CHECK_INTERVAL_MS;
  return [
    {
      name: 'reconcile',
      intervalMs: timings.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS,
      run: async () => {
        const { reconciled, unresolved } = await jobs.reconcileInterrupted();
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
        try {
          const expired = await jobs.expireDue();
          if (expired.length > 0) logger.info({ count: expired.length }, 'expired pending requests');
        } finally {
          timings.onExpiryCheck?.();
        }
      },
    },
    {
      name: 'remind',
      intervalMs: expiryIntervalMs,
      run: async () => {
        const reminded = await jobs.remindDue();
        if (reminded.length > 0) logger.info({ requestIds: reminded.map((r) => r.id) }, 'reminded approvers');
      },
    },
    {
      // Actions due while the app was down run here at the next start: a job runs as soon as its lease is taken.
      name: 'scheduled-actions',
      intervalMs: timings.scheduleIntervalMs ?? SCHEDULE_INTERVAL_MS,
      run: async () => {
        let settled = 0;
        try {
          const actions = await jobs.runDueActions();
          settled = actions.length;
          if (settled > 0)
            logger.info({ actions: actions.map((a) => `${a.kind}:${a.id}:${a.state}`) }, 'ran scheduled actions');
        } finally {
          timings.onScheduledRun?.(settled);
        }
      },
    },
    {
      name: 'missing-cards',
      intervalMs: expiryIntervalMs,
      run: async () => {
        const posted = await jobs.postMissingCards();
        if (posted.length > 0) logger.info({ requestIds: posted.map((r) => r.id) }, 'posted missing approval cards');
      },
    },
  ];
}
