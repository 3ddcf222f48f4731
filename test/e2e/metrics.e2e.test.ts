// GET /metrics on the running app: Prometheus text with what happened (requests by operation and outcome, decisions,
// Moodle calls by function with their latency and error codes, Slack failures, requests by status, background job
// runs); behind a bearer token when METRICS_TOKEN is set; absent when METRICS=off; served in Socket Mode too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import {
  APPROVAL_ENV,
  APPROVER,
  cardTs,
  clickCard,
  newPerson,
  openedView,
  REQUESTER,
  requestAccount,
  SLACK_USERS,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import { startTestApp, type TestApp } from './harness.js';

const TOKEN = 'metrics-token-0123456789abcdef';
let fake: FakeMoodle;
const apps: TestApp[] = [];

beforeAll(async () => {
  fake = await startFakeMoodle();
});
afterAll(async () => {
  for (const t of apps) await t.stop();
  await fake.close();
});

async function start(env: Record<string, string | undefined> = {}, transport: 'http' | 'socket' = 'http') {
  const t = await startTestApp({
    transport,
    moodleUrl: fake.url,
    slack: { users: SLACK_USERS },
    env: { MOODLE_TOKEN: fake.token, ...APPROVAL_ENV, ...env },
    overrides: { expiryIntervalMs: 50 },
  });
  apps.push(t);
  return t;
}

async function scrape(t: TestApp, token?: string): Promise<Response> {
  return fetch(`${t.baseUrl}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

async function scrapeUntil(t: TestApp, done: (text: string) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done(await (await scrape(t)).text())) {
    if (Date.now() > deadline) throw new Error('the metrics never showed what was expected');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The value of one sample, e.g. value(text, 'moodle_provisioner_requests_total{operation="create",outcome="submitted"}'). */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('GET /metrics', () => {
  it('counts a request through approval and its Moodle call, with the latency, and failed Slack calls', async () => {
    const t = await start();
    const { request, card } = await requestAccount(t, REQUESTER, newPerson('metrics'));
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    t.slack.fail('chat.postMessage', { kind: 'error', error: 'channel_not_found' }, 1);
    await submitModal(t, APPROVER, await openedView(t, triggerId));
    await waitForCard(t, cardTs(card), 'succeeded');
    // The failed post (the requester's message or the notification line) comes after the card's update.
    const failure = 'moodle_provisioner_slack_call_failures_total{method="chat.postMessage",code="channel_not_found"}';
    await scrapeUntil(t, (text) => value(text, failure) !== undefined);

    const response = await scrape(t);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const p = 'moodle_provisioner_';
    expect(value(text, `${p}requests_total{operation="create",outcome="submitted"}`)).toBe(1);
    expect(value(text, `${p}requests_total{operation="create",outcome="succeeded"}`)).toBe(1);
    expect(value(text, `${p}decisions_total{operation="create",decision="approved"}`)).toBe(1);
    expect(value(text, `${p}moodle_calls_total{function="core_user_create_users",outcome="ok"}`)).toBe(1);
    expect(value(text, `${p}moodle_call_duration_seconds_count{function="core_user_create_users"}`)).toBe(1);
    expect(value(text, `${p}slack_call_failures_total{method="chat.postMessage",code="channel_not_found"}`)).toBe(1);
    expect(value(text, `${p}requests_in_status{status="succeeded"}`)).toBe(1);
    expect(value(text, `${p}job_lease_held{job="expiry"}`)).toBe(1);
    expect(value(text, `${p}job_runs_total{job="expiry",outcome="ok"}`)).toBeGreaterThan(0);
    expect(text).toContain(`${p}process_resident_memory_bytes`);
  });

  it('counts Moodle errors by code', async () => {
    const t = await start();
    fake.setFault({ status: 503 }, { times: 1, wsfunction: 'core_webservice_get_site_info' });
    await expect(t.application.deps.listenerDeps.gateway.getSiteInfo()).resolves.toBeDefined();
    const text = await (await scrape(t)).text();
    const errors = text
      .split('\n')
      .filter((l) => l.startsWith('moodle_provisioner_moodle_calls_total{function="core_webservice_get_site_info"'));
    expect(errors.sort()).toEqual([
      'moodle_provisioner_moodle_calls_total{function="core_webservice_get_site_info",outcome="moodle_maintenance"} 1',
      'moodle_provisioner_moodle_calls_total{function="core_webservice_get_site_info",outcome="ok"} 1',
    ]);
  });

  it('answers only the bearer token when METRICS_TOKEN is set, and never logs it', async () => {
    const t = await start({ METRICS_TOKEN: TOKEN });
    expect((await scrape(t)).status).toBe(401);
    expect((await scrape(t, 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await scrape(t, TOKEN)).status).toBe(200);
    expect(t.logs.join('\n')).not.toContain(TOKEN);
  });

  it('is not served when METRICS=off', async () => {
    const t = await start({ METRICS: 'off' });
    expect((await scrape(t)).status).toBe(404);
    expect((await t.get('/healthz')).status).toBe(200);
  });

  it('is served on PORT in Socket Mode too', async () => {
    const t = await start({}, 'socket');
    const response = await scrape(t);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('moodle_provisioner_job_runs_total');
  });
});
