// What survives a restart: a request made before a restart is approved by a new app instance on the same database
// file; executions interrupted by a crash are reconciled at start-up by looking Moodle up (both ways), never
// re-executed; pending requests expire at start-up and on the periodic check; a generated password reaches the
// approver once and nowhere else (no other Slack call, no log line, not the database file).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, HOUR_MS } from '../../src/core/clock.js';
import type { RequestRecord, RequestStatus } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { openStore } from '../../src/store/index.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import {
  APPROVAL_ENV,
  APPROVER,
  auditOf,
  blocksText,
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
import { type StartTestAppOptions, startTestApp, type TestApp } from './harness.js';

let fake: FakeMoodle;
let slack: FakeSlack;
let dir: string;
let dbFile: string;
const running: TestApp[] = [];

beforeAll(async () => {
  fake = await startFakeMoodle();
  slack = await FakeSlack.start({ users: SLACK_USERS });
  dir = mkdtempSync(join(tmpdir(), 'mp-durable-'));
  dbFile = join(dir, 'x.db');
});
afterAll(async () => {
  for (const t of running) await t.stop();
  await slack?.close();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: Partial<StartTestAppOptions> = {}, file = dbFile): Promise<TestApp> {
  const t = await startTestApp({
    moodleUrl: fake.url,
    slack,
    ...options,
    env: { MOODLE_TOKEN: fake.token, DATABASE_URL: `sqlite:${file}`, ...APPROVAL_ENV, ...options.env },
  });
  running.push(t);
  return t;
}

/** Polls the store (it has no change events) until the request has `status`. */
async function waitForStatus(store: Store, id: string, status: RequestStatus): Promise<RequestRecord> {
  // Generous: the deadline only turns a request that never gets there into a failure; on a loaded machine the
  // start-up work that moves it can take seconds.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const request = await store.getRequest(id);
    if (request?.status === status) return request;
    if (Date.now() > deadline) throw new Error(`${id} did not become ${status} (still ${request?.status})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves after `count` more periodic expiry checks have finished (see startTestApp's onExpiryCheck). */
function expiryChecks(): { after(count: number): Promise<void>; onExpiryCheck: () => void } {
  let done = 0;
  const waiters: Array<{ at: number; wake: () => void }> = [];
  return {
    onExpiryCheck() {
      done += 1;
      for (const w of waiters.filter((w) => w.at <= done)) w.wake();
    },
    after(count) {
      return new Promise((wake) => waiters.push({ at: done + count, wake }));
    },
  };
}

/** A create request left `executing` by a crash, written straight into the database. */
async function leaveExecuting(store: Store, username: string): Promise<RequestRecord> {
  const email = `${username}@example.org`;
  const request = await store.createRequest({
    requester: { userId: REQUESTER },
    target: { username, email },
    payload: { operation: 'create', user: { username, email, firstname: 'Ex', lastname: 'Ecuting', auth: 'manual' } },
    createdAt: new Date(),
    initialStatus: 'approved',
    decidedBy: APPROVER,
  });
  const started = await store.transition(request.id, {
    from: 'approved',
    expectedVersion: request.version,
    to: 'executing',
    at: new Date(),
    patch: { incrementAttempts: true },
  });
  if (!started.ok) throw new Error('could not start the execution');
  return started.request;
}

describe('restart', () => {
  it('a new app instance on the same database file approves a request made before the restart', async () => {
    const first = await start();
    const person = newPerson('restart');
    const { request, card } = await requestAccount(first, REQUESTER, person);
    await first.stop();

    const second = await start();
    const { triggerId } = await clickCard(second, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(second, APPROVER, await openedView(second, triggerId));
    await waitForCard(second, cardTs(card), 'succeeded');
    expect(fake.site.findUser(person.username)).toBeDefined();
    expect(await auditOf(second, request.id)).toEqual([
      `request:pending:${REQUESTER}`,
      `decision:approved:${APPROVER}`,
      `execution:started:${APPROVER}`,
      'execution:succeeded:system',
    ]);
    await second.stop();
  });

  it('reconciles requests left executing at start-up both ways, by look-up, without calling create', async () => {
    const file = join(dir, 'crash.db');
    const store = await openStore(`sqlite:${file}`);
    const done = await leaveExecuting(store, 'made.before.crash');
    const lost = await leaveExecuting(store, 'lost.in.crash');
    await store.close();
    const existingId = fake.site.addUser({ username: 'made.before.crash', email: 'made.before.crash@example.org' });
    const createsBefore = fake.calls.filter((c) => c.wsfunction === 'core_user_create_users').length;

    const t = await start({}, file);
    const deps = t.application.deps.listenerDeps;
    expect(await waitForStatus(deps.store, done.id, 'succeeded')).toMatchObject({
      result: { ok: true, moodleId: existingId },
    });
    expect(await waitForStatus(deps.store, lost.id, 'failed')).toMatchObject({
      result: { ok: false, code: 'interrupted' },
    });
    expect(fake.calls.filter((c) => c.wsfunction === 'core_user_create_users').length).toBe(createsBefore);
    expect(await auditOf(t, done.id)).toContain('reconciliation:applied:system');
    expect(await auditOf(t, lost.id)).toContain('reconciliation:not_applied:system');
    await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes(lost.id),
    );

    // The failed one is retryable, and is then created exactly once.
    await clickCard(t, APPROVER, ACTION_IDS.retryRequestButton, lost, '1700000000.000100');
    await waitForStatus(deps.store, lost.id, 'succeeded');
    expect(fake.site.snapshotUsers().filter((u) => u.username === 'lost.in.crash')).toHaveLength(1);
    await t.stop();
  });
});

describe('expiry', () => {
  it('expires an overdue pending request at start-up: card updated, requester told, audited', async () => {
    const file = join(dir, 'expiry.db');
    const first = await start({ env: { REQUEST_TTL_HOURS: '1' } }, file);
    const { request, card } = await requestAccount(first, REQUESTER, newPerson('old'));
    await first.stop();
    // Age the request in the database, as two hours of downtime would.
    const store = await openStore(`sqlite:${file}`);
    const aged = await store.createRequest(
      {
        requester: request.requester,
        target: request.target,
        payload: request.payload,
        createdAt: new Date(Date.now() - 2 * HOUR_MS),
      },
      [{ actor: REQUESTER, kind: 'request', outcome: 'pending' }],
    );
    await store.setApprovalMessage(aged.id, { channel: 'C0APPROVALS', ts: cardTs(card) });
    await store.close();

    const t = await start({ env: { REQUEST_TTL_HOURS: '1' } }, file);
    await waitForStatus(t.application.deps.listenerDeps.store, aged.id, 'expired');
    const updated = await slack.waitForCall(
      'chat.update',
      (c) => c.args.ts === cardTs(card) && String(c.args.text).includes(aged.id),
    );
    expect(blocksText(updated)).toContain('Expired');
    await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes('expired'),
    );
    await slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0NOTIFY' && String(c.args.text).includes(aged.id),
    );
    expect(await auditOf(t, aged.id)).toEqual([`request:pending:${REQUESTER}`, 'expiry:expired:system']);
    // The fresh request made in the same hour is still pending.
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
    await t.stop();
  });

  it('expires pending requests on the periodic check as time passes', async () => {
    const clock = createManualClock(new Date());
    const checks = expiryChecks();
    const t = await start(
      {
        env: { REQUEST_TTL_HOURS: '1' },
        overrides: { clock, expiryIntervalMs: 40, onExpiryCheck: checks.onExpiryCheck },
      },
      join(dir, 'periodic.db'),
    );
    const { request, card } = await requestAccount(t, REQUESTER, newPerson('tick'));
    // Two whole checks after the request was stored (the first may have begun before): not due, still pending.
    await checks.after(2);
    expect((await t.application.deps.listenerDeps.store.getRequest(request.id))?.status).toBe('pending');
    clock.advance(HOUR_MS + 1000);
    await waitForCard(t, cardTs(card), 'expired');
    const click = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === APPROVER && String(c.args.text).includes('expired'),
    );
    expect(slack.callsTo('views.open').some((c) => c.args.trigger_id === click.triggerId)).toBe(false);
    await t.stop();
  });
});

describe('generated passwords', () => {
  it('shows the password once, privately, to the approver: in no other Slack call, log line or database byte', async () => {
    const file = join(dir, 'generate.db');
    const t = await start({ env: { PASSWORD_MODE: 'generate' } }, file);
    const person = newPerson('pw');
    const { request, card } = await requestAccount(t, REQUESTER, person);
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    await submitModal(t, APPROVER, await openedView(t, triggerId));
    await waitForCard(t, cardTs(card), 'succeeded');
    const shown = await slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === APPROVER && String(c.args.text).includes(request.id),
    );
    expect(shown.args.channel).toBe('C0APPROVALS');
    const password = /\) is `([^`]+)`/.exec(String(shown.args.text))?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(fake.site.findUser(person.username)?.passwordHash).not.toBe('');

    expect(slack.calls.filter((c) => JSON.stringify(c.args).includes(password))).toHaveLength(1);
    expect(t.logs.filter((line) => line.includes(password))).toEqual([]);
    await t.stop();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      if (existsSync(f)) expect(readFileSync(f).includes(Buffer.from(password))).toBe(false);
    }
  });
});
