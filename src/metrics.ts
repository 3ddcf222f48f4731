// The app's Prometheus metrics, served on GET /metrics (slack/health.ts). One registry per running application (tests
// run several in one process), counted where things happen: the Moodle client, the Slack Web API client, the store
// (requests, decisions) and the background jobs. The core knows nothing of it. Names and example alerts: README.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { FINAL_ROW_STATES } from './core/import/types.js';
import type { RequestStatus } from './core/requests.js';
import type { Store } from './core/store.js';
import type { Secret } from './secret.js';
import type { MetricsEndpoint } from './slack/health.js';

const PREFIX = 'moodle_provisioner_';

export interface AppMetrics {
  readonly registry: Registry;
  /** One Moodle call (each retry is a call); `errorCode`: the client's stable code when it failed. */
  moodleCall(wsfunction: string, seconds: number, errorCode?: string): void;
  slackFailure(method: string, code: string): void;
  /** A request stored (`submitted`), or arrived at an outcome (succeeded, failed, rejected, cancelled, expired). */
  requestOutcome(operation: string, outcome: string): void;
  /** approved, rejected, or direct (an admin acting without approval). */
  decision(operation: string, decision: 'approved' | 'rejected' | 'direct'): void;
  /** One row of a CSV import, by what became of it (for the import feature to count). */
  importRow(status: string): void;
  /** One run of a background job; `lagMs`: how late it started after it was due. */
  jobRun(job: string, outcome: 'ok' | 'error', lagMs: number): void;
  /** Whether this replica holds the job's lease now. */
  jobLease(job: string, held: boolean): void;
  /** Requests by status, read from the store when scraped (the same in every replica: the database's). */
  countRequestsWith(read: () => Promise<Partial<Record<RequestStatus, number>>>): void;
}

const OUTCOMES: Partial<Record<RequestStatus, string>> = {
  succeeded: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  cancelled: 'cancelled',
  expired: 'expired',
};

/** The counters, gauges and histogram, registered in `registry`. */
function declareMetrics(registry: Registry) {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter<L>({ name: `${PREFIX}${name}`, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Gauge<L>({ name: `${PREFIX}${name}`, help, labelNames, registers });
  return {
    requests: counter(
      'requests_total',
      'Requests stored (outcome="submitted") and requests that reached an outcome, by operation.',
      ['operation', 'outcome'],
    ),
    decisions: counter(
      'decisions_total',
      'Decisions on requests: approved, rejected, or direct (an admin acting without approval).',
      ['operation', 'decision'],
    ),
    moodleCalls: counter(
      'moodle_calls_total',
      'Moodle web-service calls by function and outcome ("ok" or the error code).',
      ['function', 'outcome'],
    ),
    moodleSeconds: new Histogram({
      name: `${PREFIX}moodle_call_duration_seconds`,
      help: 'How long Moodle web-service calls took, by function.',
      labelNames: ['function'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers,
    }),
    slackFailures: counter(
      'slack_call_failures_total',
      'Slack Web API calls that failed (cards, direct messages, notification lines), by method and Slack error.',
      ['method', 'code'],
    ),
    importRows: counter('import_rows_total', 'Rows of CSV imports, by status.', ['status']),
    jobRuns: counter('job_runs_total', 'Background job runs in this replica, by job and outcome.', ['job', 'outcome']),
    jobLag: gauge('job_lag_seconds', "How late the job's last run in this replica started after it was due.", ['job']),
    jobLastSuccess: gauge(
      'job_last_success_timestamp_seconds',
      'When the job last ran without error in this replica (Unix time).',
      ['job'],
    ),
    jobLease: gauge('job_lease_held', "1 while this replica holds the job's lease (runs the job), else 0.", ['job']),
  };
}

export function createAppMetrics(options: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const {
    requests,
    decisions,
    moodleCalls,
    moodleSeconds,
    slackFailures,
    importRows,
    jobRuns,
    jobLag,
    jobLastSuccess,
    jobLease,
  } = declareMetrics(registry);
  const registers = [registry];
  let readCounts: (() => Promise<Partial<Record<RequestStatus, number>>>) | undefined;
  new Gauge({
    name: `${PREFIX}requests_in_status`,
    help: 'Requests in the database by status (pending: waiting for a decision). Every replica reports the same.',
    labelNames: ['status'],
    registers,
    async collect() {
      if (!readCounts) return;
      this.reset();
      for (const [status, count] of Object.entries(await readCounts())) this.set({ status }, count ?? 0);
    },
  });

  return {
    registry,
    moodleCall(wsfunction, seconds, errorCode) {
      moodleCalls.inc({ function: wsfunction, outcome: errorCode ?? 'ok' });
      moodleSeconds.observe({ function: wsfunction }, seconds);
    },
    slackFailure: (method, code) => slackFailures.inc({ method, code }),
    requestOutcome: (operation, outcome) => requests.inc({ operation, outcome }),
    decision: (operation, decision) => decisions.inc({ operation, decision }),
    importRow: (status) => importRows.inc({ status }),
    jobRun(job, outcome, lagMs) {
      jobRuns.inc({ job, outcome });
      jobLag.set({ job }, lagMs / 1000);
      if (outcome === 'ok') jobLastSuccess.set({ job }, Date.now() / 1000);
    },
    jobLease: (job, held) => jobLease.set({ job }, held ? 1 : 0),
    countRequestsWith(read) {
      readCounts = read;
    },
  };
}

/** GET /metrics over the registry, behind `token` when there is one. */
export function serveMetrics(metrics: AppMetrics, token: Secret | undefined): MetricsEndpoint {
  return {
    token,
    render: async () => ({ contentType: metrics.registry.contentType, body: await metrics.registry.metrics() }),
  };
}

/** The store, counting what its writes did: requests stored, decisions, outcomes. Reads pass straight through. */
export function countStoreEvents(store: Store, metrics: AppMetrics): Store {
  metrics.countRequestsWith(() => store.countByStatus());
  return {
    ...store,
    async createRequest(input, audit, importRows) {
      const request = await store.createRequest(input, audit, importRows);
      metrics.requestOutcome(request.operation, 'submitted');
      for (const row of importRows ?? []) if (row.state === 'skipped') metrics.importRow('skipped');
      if (request.status === 'approved') metrics.decision(request.operation, 'direct');
      return request;
    },
    async updateImportRows(requestId, updates, audit, options) {
      await store.updateImportRows(requestId, updates, audit, options);
      for (const u of updates) if (FINAL_ROW_STATES.has(u.state)) metrics.importRow(u.state);
    },
    async transition(id, change) {
      const result = await store.transition(id, change);
      if (!result.ok) return result;
      const { operation } = result.request;
      if (change.from === 'pending' && (change.to === 'approved' || change.to === 'rejected')) {
        metrics.decision(operation, change.to);
      }
      const outcome = OUTCOMES[change.to];
      if (outcome) metrics.requestOutcome(operation, outcome);
      return result;
    },
  };
}
