// Background jobs for several replicas on one database: each job runs in exactly one replica at a time, the one that
// holds its lease (`job:<name>`), and moves to another replica when the holder stops renewing (it died) or gives the
// lease up (a graceful stop). Every replica also keeps a presence lease (`replica:<name>`), which tells the others
// that the executions it started are still under way (Store.findInterrupted). A replica restarted under the same name
// takes its presence lease back at once: what its previous life was executing is then seen as interrupted.
import type { Store } from './core/store.js';

export interface LeasedJob {
  readonly name: string;
  /** How often the job runs while this replica holds its lease; it also runs as soon as the lease is taken. */
  readonly intervalMs: number;
  run(): Promise<void>;
}

export type JobOutcome = 'ok' | 'error';

export interface LeasedJobsOptions {
  store: Pick<Store, 'acquireLease' | 'releaseLease'>;
  /** This process's lease holder id (the store records it on the executions it starts). */
  holder: string;
  /** Stable across restarts of the same replica (host and port). */
  replicaName: string;
  /** A lease not renewed for this long passes to another replica. */
  ttlMs: number;
  jobs: readonly LeasedJob[];
  log: (level: 'warn' | 'error' | 'info', message: string, context?: Record<string, unknown>) => void;
  /** Metrics: one call per run; `lagMs` is how late the run started after it was due. */
  onRun?: (job: string, outcome: JobOutcome, lagMs: number) => void;
  /** Metrics: whether this replica holds the job's lease, after each renewal. */
  onLease?: (job: string, held: boolean) => void;
}

export interface RunningJobs {
  /** Stops renewing, waits for the runs under way, and gives every lease up so another replica takes over at once. */
  close(): Promise<void>;
}

interface JobState {
  held: boolean;
  dueAt: number;
  running: Promise<void> | undefined;
}

export const PRESENCE_LEASE_PREFIX = 'replica:';
export const JOB_LEASE_PREFIX = 'job:';

/** Runs `job` once, detached; its outcome goes to the log and the metrics, never to the caller. */
function startRun(job: LeasedJob, state: JobState, options: Pick<LeasedJobsOptions, 'log' | 'onRun'>): void {
  const now = Date.now();
  const lagMs = state.held && state.dueAt > 0 ? Math.max(0, now - state.dueAt) : 0;
  state.dueAt = now + job.intervalMs;
  state.running = job
    .run()
    .then(
      () => options.onRun?.(job.name, 'ok', lagMs),
      (err: unknown) => {
        options.log('error', `background job ${job.name} failed`, { err });
        options.onRun?.(job.name, 'error', lagMs);
      },
    )
    .finally(() => {
      state.running = undefined;
    });
}

export function startLeasedJobs(options: LeasedJobsOptions): RunningJobs {
  const { store, holder, ttlMs } = options;
  const presence = `${PRESENCE_LEASE_PREFIX}${options.replicaName}`;
  const tickMs = Math.max(10, Math.min(ttlMs / 3, ...options.jobs.map((job) => job.intervalMs)));
  const states = new Map<LeasedJob, JobState>(
    options.jobs.map((job) => [job, { held: false, dueAt: 0, running: undefined }]),
  );
  let firstTick = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const acquire = async (name: string, takeOver = false): Promise<boolean> => {
    try {
      return await store.acquireLease(name, holder, ttlMs, { takeOver });
    } catch (err) {
      options.log('warn', 'could not renew a lease; its work waits', { lease: name, err });
      return false;
    }
  };

  const tick = async (): Promise<void> => {
    await acquire(presence, firstTick);
    firstTick = false;
    for (const [job, state] of states) {
      if (stopped) return;
      const held = await acquire(`${JOB_LEASE_PREFIX}${job.name}`);
      options.onLease?.(job.name, held);
      if (!held) {
        state.held = false;
        continue;
      }
      // A lease just taken (at start-up, or from a replica that died) runs its job at once.
      if (!state.running && (!state.held || Date.now() >= state.dueAt)) {
        if (!state.held) state.dueAt = 0;
        startRun(job, state, options);
      }
      state.held = true;
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick().finally(schedule);
    }, tickMs);
    timer.unref();
  };
  ticking = tick().finally(schedule);

  return {
    async close() {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      await Promise.all([...states.values()].map((state) => state.running));
      const names = [presence, ...options.jobs.map((job) => `${JOB_LEASE_PREFIX}${job.name}`)];
      for (const name of names) {
        await store.releaseLease(name, holder).catch(() => undefined);
      }
      for (const job of options.jobs) options.onLease?.(job.name, false);
    },
  };
}
