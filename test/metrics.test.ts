// The metrics registry and the store's counting decorator: what each store write counts, and the requests-by-status
// gauge read from the store when scraped. The HTTP side and the other adapters: e2e/metrics.e2e.test.ts.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createManualClock } from '../src/core/clock.js';
import { createRequestService } from '../src/core/request-lifecycle.js';
import type { RequestService } from '../src/core/request-service.js';
import type { Store } from '../src/core/store.js';
import { type AppMetrics, countStoreEvents, createAppMetrics } from '../src/metrics.js';
import { openStore } from '../src/store/index.js';

let metrics: AppMetrics;
let store: Store;
let service: RequestService;

beforeEach(async () => {
  metrics = createAppMetrics({ defaultMetrics: false });
  store = countStoreEvents(await openStore('sqlite::memory:'), metrics);
  service = createRequestService({ store, clock: createManualClock(), ttlHours: 1 });
});
afterEach(async () => {
  await store.close();
});

const suspend = { requester: { userId: 'UREQ' }, target: { moodleId: 5 }, payload: { operation: 'suspend' as const } };

async function samples(): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

it('counts requests stored, decisions, outcomes and what waits, by operation', async () => {
  const approved = await service.submit(suspend);
  const rejected = await service.submit(suspend);
  await service.submit(suspend);
  await service.submit({ ...suspend, requester: { userId: 'UADMIN' } }, { direct: true });
  await service.approve(approved.id, 'UAPPR');
  await service.approve(approved.id, 'UAPPR2');
  await service.reject(rejected.id, 'UAPPR', 'not now');
  await service.startExecution(approved.id);
  await service.recordSuccess(approved.id);

  expect(await samples()).toEqual([
    'moodle_provisioner_requests_total{operation="suspend",outcome="submitted"} 4',
    'moodle_provisioner_requests_total{operation="suspend",outcome="rejected"} 1',
    'moodle_provisioner_requests_total{operation="suspend",outcome="succeeded"} 1',
    'moodle_provisioner_decisions_total{operation="suspend",decision="direct"} 1',
    'moodle_provisioner_decisions_total{operation="suspend",decision="approved"} 1',
    'moodle_provisioner_decisions_total{operation="suspend",decision="rejected"} 1',
    'moodle_provisioner_requests_in_status{status="approved"} 1',
    'moodle_provisioner_requests_in_status{status="pending"} 1',
    'moodle_provisioner_requests_in_status{status="rejected"} 1',
    'moodle_provisioner_requests_in_status{status="succeeded"} 1',
  ]);
});

it('counts Moodle calls with their latency, Slack failures, import rows and job runs', async () => {
  metrics.moodleCall('core_user_create_users', 0.3);
  metrics.moodleCall('core_user_create_users', 20, 'moodle_timeout');
  metrics.slackFailure('chat.update', 'message_not_found');
  metrics.importRow('created');
  metrics.jobRun('expiry', 'error', 1500);
  metrics.jobLease('expiry', true);
  const lines = await samples();
  expect(lines).toContain('moodle_provisioner_moodle_calls_total{function="core_user_create_users",outcome="ok"} 1');
  expect(lines).toContain(
    'moodle_provisioner_moodle_calls_total{function="core_user_create_users",outcome="moodle_timeout"} 1',
  );
  expect(lines).toContain(
    'moodle_provisioner_moodle_call_duration_seconds_bucket{le="0.5",function="core_user_create_users"} 1',
  );
  expect(lines).toContain(
    'moodle_provisioner_moodle_call_duration_seconds_bucket{le="30",function="core_user_create_users"} 2',
  );
  expect(lines).toContain(
    'moodle_provisioner_slack_call_failures_total{method="chat.update",code="message_not_found"} 1',
  );
  expect(lines).toContain('moodle_provisioner_import_rows_total{status="created"} 1');
  expect(lines).toContain('moodle_provisioner_job_runs_total{job="expiry",outcome="error"} 1');
  expect(lines).toContain('moodle_provisioner_job_lag_seconds{job="expiry"} 1.5');
  expect(lines).toContain('moodle_provisioner_job_lease_held{job="expiry"} 1');
  expect(lines.some((l) => l.startsWith('moodle_provisioner_job_last_success_timestamp_seconds'))).toBe(false);
});
