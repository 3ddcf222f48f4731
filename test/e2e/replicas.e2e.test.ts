// Several replicas on one PostgreSQL database, each the real app in a process of its own (fixtures/replica.ts), with
// the test as a round-robin load balancer in front: exactly one decision and one Moodle call however the approvals
// are spread; each background job runs in one replica and moves to another when its holder is killed; an execution
// whose replica is killed mid-call is reconciled by another replica by a look-up, never called again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord, RequestStatus } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { ACTION_IDS, BLOCK_IDS } from '../../src/slack/ids.js';
import { openStore } from '../../src/store/index.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { buildBlockActions } from '../fakes/sign.js';
import { createPgTestSchema, type PgTestSchema } from '../store/pg-test-database.js';
import { newPerson, REQUESTER } from './approval-helpers.js';
import { type ForkedApp, forkApp, postInteractivity, submissionOf } from './fixtures/forked-app.js';
import { buildTestEnv } from './harness.js';

const APPROVERS = Array.from({ length: 20 }, (_, i) => `U0APPR${String(i).padStart(2, '0')}`);

type Replica = ForkedApp;

let fake: FakeMoodle;
let slack: FakeSlack;
let db: PgTestSchema;
let store: Store;
const replicas: Replica[] = [];

const startReplica = (env: Record<string, string | undefined>): Promise<Replica> => forkApp(env);

function kill(replica: Replica): Promise<void> {
  replicas.splice(replicas.indexOf(replica), 1);
  return new Promise((resolve) => {
    replica.child.once('exit', () => resolve());
    replica.child.kill('SIGKILL');
  });
}

beforeAll(async () => {
  fake = await startFakeMoodle();
  slack = await FakeSlack.start({ users: [REQUESTER, ...APPROVERS].map((id) => ({ id })) });
  db = await createPgTestSchema();
  store = await openStore(db.url);
  const env = buildTestEnv(slack, {
    moodleUrl: fake.url,
    env: {
      MOODLE_TOKEN: fake.token,
      MOODLE_TIMEOUT_MS: '60000',
      DATABASE_URL: db.url,
      SLACK_APPROVERS: APPROVERS.join(','),
      APPROVAL_REQUIRED: 'create,delete',
      LOG_LEVEL: 'warn',
    },
  });
  replicas.push(...(await Promise.all([1, 2, 3].map(() => startReplica(env)))));
}, 60_000);

afterAll(async () => {
  await Promise.all(
    replicas.splice(0).map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.send('stop');
        }),
    ),
  );
  await store?.close();
  await db?.drop();
  await slack?.close();
  await fake?.close();
}, 60_000);

/** The load balancer: one signed interactivity payload to one replica. */
async function post(replica: Replica, payload: Record<string, unknown>): Promise<number> {
  return (await postInteractivity(replica.port, payload)).status;
}

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusOf = (id: string, status: RequestStatus) =>
  waitFor(async () => {
    const request = await store.getRequest(id);
    return request?.status === status ? request : undefined;
  }, `${id} to be ${status}`);

/** A pending create stored as a replica would, whose card the missing-cards job then posts. */
async function pendingCreate(): Promise<{ request: RequestRecord; username: string; cardTs: string }> {
  const { username, email, firstname, lastname } = newPerson('replica');
  const request = await store.createRequest(
    {
      requester: { userId: REQUESTER, channelId: 'C0GENERAL' },
      target: { username, email },
      payload: { operation: 'create', user: { username, email, firstname, lastname, auth: 'manual' } },
      createdAt: new Date(),
    },
    [{ actor: REQUESTER, kind: 'request', outcome: 'pending' }],
  );
  const card = await slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
    30_000,
  );
  return { request, username, cardTs: String(card.response?.ts) };
}

/** Clicks Approve… on the card through `replica` and returns the modal it opened. */
async function openApproveModal(replica: Replica, request: RequestRecord, ts: string) {
  const triggerId = slack.issueTriggerId();
  const actions = [
    { action_id: ACTION_IDS.approveRequestButton, block_id: BLOCK_IDS.requestActionsBlock, value: request.id },
  ];
  expect(
    await post(
      replica,
      buildBlockActions({ user: { id: APPROVERS[0]! }, actions, triggerId, channelId: 'C0APPROVALS', message: { ts } }),
    ),
  ).toBe(200);
  const opened = await slack.waitForCall('views.open', (c) => c.args.trigger_id === triggerId, 30_000);
  return opened.args.view as Record<string, unknown>;
}

const approval = (view: Record<string, unknown>, approver: string) => submissionOf(slack, view, approver);

const createsOf = (username: string) =>
  fake.calls.filter((c) => c.wsfunction === 'core_user_create_users' && Object.values(c.params).includes(username));

/** The replicas whose /metrics say they hold `job`'s lease, and those that say they have run it. */
async function metricsOf(job: string): Promise<{ holding: number[]; ran: number[] }> {
  const holding: number[] = [];
  const ran: number[] = [];
  for (const replica of replicas) {
    const text = await (await fetch(`http://127.0.0.1:${replica.port}/metrics`)).text();
    if (text.includes(`moodle_provisioner_job_lease_held{job="${job}"} 1`)) holding.push(replica.pid);
    if (text.includes(`moodle_provisioner_job_runs_total{job="${job}",outcome="ok"}`)) ran.push(replica.pid);
  }
  return { holding, ran };
}

const holderPid = (holder: string | undefined) => Number(holder?.split('/').at(-1)?.split('-')[0]);

describe('three replicas on one PostgreSQL database', () => {
  it('20 concurrent approvals spread over the replicas: one decision, one Moodle call, one card', async () => {
    const { request, username, cardTs } = await pendingCreate();
    const view = await openApproveModal(replicas[0]!, request, cardTs);
    const statuses = await Promise.all(
      APPROVERS.map((approver, i) => post(replicas[i % 3]!, approval(view, approver))),
    );
    expect(statuses).toEqual(APPROVERS.map(() => 200));

    const done = await statusOf(request.id, 'succeeded');
    expect(createsOf(username)).toHaveLength(1);
    const audit = (await store.listAudit()).filter((e) => e.requestId === request.id);
    expect(audit.filter((e) => e.kind === 'decision')).toEqual([expect.objectContaining({ actor: done.decidedBy })]);
    expect(audit.filter((e) => e.kind === 'execution' && e.outcome === 'started')).toHaveLength(1);
    // The missing-cards job ran in one replica at a time: the card was posted once.
    const cards = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0APPROVALS');
    expect(cards.filter((c) => String(c.args.text).includes(request.id))).toHaveLength(1);
  });

  it('each background job is held by one replica, and moves to another when its holder is killed', async () => {
    const live = new Set(replicas.map((r) => r.pid));
    for (const job of ['reconcile', 'expiry', 'remind', 'missing-cards', 'scheduled-actions', 'seen-signatures']) {
      expect(live).toContain(holderPid(await store.findLeaseHolder(`job:${job}`)));
    }
    const expiryHolder = holderPid(await store.findLeaseHolder('job:expiry'));
    // Each replica's metrics agree: exactly one holds the job, and only it has run it.
    expect(await metricsOf('expiry')).toEqual({ holding: [expiryHolder], ran: [expiryHolder] });
    const killed = replicas.find((r) => r.pid === expiryHolder)!;
    await kill(killed);
    const next = await waitFor(async () => {
      const pid = holderPid(await store.findLeaseHolder('job:expiry'));
      return pid !== killed.pid && replicas.some((r) => r.pid === pid) ? pid : undefined;
    }, 'another replica to take the expiry job');
    expect(next).not.toBe(killed.pid);
    const after = await waitFor(async () => {
      const seen = await metricsOf('expiry');
      return seen.ran.includes(next) ? seen : undefined;
    }, 'its first run');
    expect(after).toEqual({ holding: [next], ran: [next] });
  });

  it('an execution whose replica is killed mid-call is reconciled by another, by a look-up', async () => {
    const { request, username, cardTs } = await pendingCreate();
    const executor = replicas[0]!;
    fake.setFault('hang', { wsfunction: 'core_user_create_users', times: 1 });
    const view = await openApproveModal(executor, request, cardTs);
    expect(await post(executor, approval(view, APPROVERS[1]!))).toBe(200);
    await waitFor(async () => (createsOf(username).length === 1 ? true : undefined), 'the create call');
    expect((await store.getRequest(request.id))?.status).toBe('executing');
    await kill(executor);

    const failed = await statusOf(request.id, 'failed');
    expect(failed.result).toMatchObject({ ok: false, code: 'interrupted' });
    expect(createsOf(username)).toHaveLength(1);
    const audit = (await store.listAudit()).filter((e) => e.requestId === request.id);
    expect(audit.map((e) => `${e.kind}:${e.outcome}`)).toContain('reconciliation:not_applied');
  });
});
