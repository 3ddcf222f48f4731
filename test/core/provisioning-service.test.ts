// The provisioning service end to end below Slack: the real Moodle client against the fake Moodle, an in-memory
// SQLite store, a manual clock and a Notifier that records what it was asked to say.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, HOUR_MS, type ManualClock } from '../../src/core/clock.js';
import type { MoodleGateway } from '../../src/core/moodle-gateway.js';
import { createPermissions } from '../../src/core/permissions.js';
import {
  createProvisioningService,
  type Notifier,
  type ProvisioningService,
  type RequestEvent,
} from '../../src/core/provisioning.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { RequestRecord } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { createMoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/index.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { plainDirectory, testRoles, testSettings } from './core-doubles.js';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const ADMIN = 'U0ADMIN';
const STRANGER = 'U0STRANGER';

const roles = testRoles([APPROVER, ADMIN], [ADMIN]);

/** Records every notification; `failing` makes every call throw, as a Slack outage would. */
function recordingNotifier() {
  const events: Array<{ kind: string; id: string; status: string; event?: RequestEvent }> = [];
  let failing = false;
  let ts = 0;
  const notifier: Notifier = {
    async postApprovalCard(request) {
      if (failing) throw new Error('slack down');
      events.push({ kind: 'card', id: request.id, status: request.status });
      ts += 1;
      return { channel: 'C0APPROVALS', ts: `1700000000.${String(ts).padStart(6, '0')}` };
    },
    async updateApprovalCard(request) {
      if (failing) throw new Error('slack down');
      events.push({ kind: 'update', id: request.id, status: request.status });
    },
    async notifyRequester(request, event) {
      if (failing) throw new Error('slack down');
      events.push({ kind: 'dm', id: request.id, status: request.status, event });
    },
    async announce(request, event) {
      if (failing) throw new Error('slack down');
      events.push({ kind: 'announce', id: request.id, status: request.status, event });
      return '1700000099.000001';
    },
    async remindApprovers(request) {
      if (failing) throw new Error('slack down');
      events.push({ kind: 'reminder', id: request.id, status: request.status });
    },
  };
  return {
    notifier,
    events,
    fail(on: boolean) {
      failing = on;
    },
  };
}

let fake: FakeMoodle;
let store: Store;
let clock: ManualClock;
let client: ReturnType<typeof createMoodleClient>;
let recorder: ReturnType<typeof recordingNotifier>;
let gateway: MoodleGateway;
let provisioning: ProvisioningService;
let logs: string[];

beforeAll(async () => {
  fake = await startFakeMoodle();
});
afterAll(async () => {
  await fake.close();
});

function build(
  options: { passwordMode?: 'email' | 'generate'; gateway?: MoodleGateway; protectedUsers?: string[] } = {},
): void {
  const requests = createRequestService({ store, clock, ttlHours: 72, formatActor: (id) => `<@${id}>` });
  provisioning = createProvisioningService({
    gateway: options.gateway ?? gateway,
    requests,
    store,
    permissions: createPermissions(roles, plainDirectory, { clock }),
    notifier: recorder.notifier,
    clock,
    formatActor: (id) => `<@${id}>`,
    settings: testSettings(fake.url, {
      passwordMode: options.passwordMode ?? 'email',
      protectedUsers: options.protectedUsers ?? [],
    }),
    log: (level, message, context) => logs.push(`${level} ${message} ${JSON.stringify(context ?? {})}`),
  });
}

beforeEach(async () => {
  fake.reset();
  store = await openStore('sqlite::memory:');
  clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
  client = createMoodleClient({
    url: fake.url,
    token: new Secret(fake.token),
    timeoutMs: 2000,
    readRetries: 0,
  });
  gateway = client;
  recorder = recordingNotifier();
  logs = [];
  build();
});
afterEach(async () => {
  fake.setFault(null);
  await client.close();
  await store.close();
});

const jane = { email: 'jane.doe@example.org', firstname: 'Jane', lastname: 'Doe', reason: 'new teacher' };

/**
 * The real client, except that the answer to its next create is lost on the way back (`fault`) after Moodle ran
 * it; with `thenRefuse`, Moodle also cannot be reached for the look-up that follows.
 */
function losingCreateAnswer(fault: 'reset' | 'truncated', thenRefuse = false): MoodleGateway {
  return {
    ...client,
    createUsers: async (users) => {
      fake.setFault(fault, { times: 1 });
      try {
        return await client.createUsers(users);
      } finally {
        if (thenRefuse) fake.setFault('refuse', { times: 1 });
      }
    },
  };
}

function creates(): number {
  return fake.calls.filter((c) => c.wsfunction === 'core_user_create_users').length;
}

async function pending(): Promise<RequestRecord> {
  const outcome = await provisioning.submitCreate({ userId: REQUESTER, channelId: 'C0GENERAL' }, jane);
  if (outcome.kind !== 'pending') throw new Error(`expected pending, got ${outcome.kind}`);
  return outcome.request;
}

async function auditKinds(id: string): Promise<string[]> {
  return (await store.listAudit()).filter((e) => e.requestId === id).map((e) => `${e.kind}:${e.outcome}`);
}

describe('submit', () => {
  it('executes an admin’s create directly (create is not in APPROVAL_REQUIRED)', async () => {
    const outcome = await provisioning.submitCreate({ userId: ADMIN }, jane);
    expect(outcome.kind).toBe('executed');
    if (outcome.kind !== 'executed') return;
    expect(outcome.execution.request.status).toBe('succeeded');
    expect(fake.site.findUser('jane.doe')?.id).toBe(outcome.execution.moodleId);
    expect(recorder.events.filter((e) => e.kind === 'card')).toEqual([]);
    expect(await auditKinds(outcome.execution.request.id)).toEqual([
      'request:approved',
      'direct_execution:allowed',
      'execution:started',
      'execution:succeeded',
    ]);
  });

  it('stores a requester’s create as pending, with the pre-flight, and posts the card before answering', async () => {
    const request = await pending();
    expect(request.status).toBe('pending');
    expect(request.approvalMessage?.channel).toBe('C0APPROVALS');
    expect(request.preflight?.checked).toBe(true);
    expect(await store.getRequest(request.id)).toMatchObject({
      status: 'pending',
      approvalMessage: request.approvalMessage,
    });
    expect(recorder.events).toEqual([{ kind: 'card', id: request.id, status: 'pending' }]);
    expect(creates()).toBe(0);
  });

  it('keeps the request when the card cannot be posted, and says so', async () => {
    recorder.fail(true);
    const outcome = await provisioning.submitCreate({ userId: REQUESTER }, jane);
    expect(outcome.kind).toBe('pending');
    if (outcome.kind !== 'pending') return;
    expect(outcome.cardNotPosted).toBe(true);
    expect((await store.getRequest(outcome.request.id))?.status).toBe('pending');
  });
});

describe('missing cards', () => {
  it('a sweep that runs while a submission posts its card posts no second card for it', async () => {
    // A request whose card could not be posted: the sweep's to post.
    recorder.fail(true);
    const earlier = await pending();
    recorder.fail(false);
    const original = recorder.notifier.postApprovalCard;
    let calls = 0;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let cardRequested: () => void = () => {};
    const atCard = new Promise<void>((resolve) => {
      cardRequested = resolve;
    });
    let submitting: Promise<unknown> = Promise.resolve();
    recorder.notifier.postApprovalCard = async (request) => {
      calls += 1;
      if (calls === 1) {
        // The submission's own card, held until the sweep has listed the waiting requests.
        cardRequested();
        await released;
      } else if (calls === 2) {
        // The sweep's first card: by the time it is posted, the submission has finished.
        await submitting;
      }
      return original(request);
    };
    submitting = provisioning.submitCreate(
      { userId: REQUESTER },
      { email: 'bob.roe@example.org', firstname: 'Bob', lastname: 'Roe' },
    );
    await atCard;
    const sweep = provisioning.postMissingCards();
    setImmediate(release);
    const [swept, outcome] = await Promise.all([sweep, submitting]);
    const bob = (outcome as { request: RequestRecord }).request;
    expect(swept.map((r) => r.id)).toEqual([earlier.id]);
    expect(recorder.events.filter((e) => e.kind === 'card').map((e) => e.id)).toEqual([bob.id, earlier.id]);
  });
});

describe('requests already in progress', () => {
  it('refuses a second create for the same username or email while the first waits, naming it', async () => {
    const first = await pending();
    const again = await provisioning.submitCreate({ userId: STRANGER }, { ...jane, email: 'JANE.DOE@example.org' });
    expect(again.kind).toBe('refused');
    if (again.kind === 'refused') {
      expect(again.reason).toContain(first.id);
      expect(again.reason).toContain(`<@${REQUESTER}>`);
    }
    const sameName = await provisioning.submitCreate(
      { userId: STRANGER },
      { ...jane, username: 'jane.doe', email: 'someone.else@example.org' },
    );
    expect(sameName.kind).toBe('refused');
    expect(await store.listRequests({ limit: 10 })).toHaveLength(1);
  });

  it('says exactly which request is in progress, and whether the username or the email clashes', async () => {
    const first = await pending();
    const tail =
      `is already in progress: ${first.id}, asked by <@${REQUESTER}> (pending). Nothing new was requested; ` +
      'an approver decides the existing one, or its requester cancels it.';
    expect(
      await provisioning.submitCreate({ userId: STRANGER }, { ...jane, username: 'jane.doe', email: 'x@example.org' }),
    ).toEqual({
      kind: 'refused',
      reason: `A request to create an account with the username jane.doe ${tail}`,
      inFlight: first.id,
      field: 'username',
    });
    expect(
      await provisioning.submitCreate(
        { userId: STRANGER },
        { ...jane, username: 'jdoe', email: 'Jane.Doe@EXAMPLE.org' },
      ),
    ).toEqual({
      kind: 'refused',
      reason: `A request to create an account with this email address ${tail}`,
      inFlight: first.id,
      field: 'email',
    });
  });

  it('a derived username skips every variant that waiting requests will take', async () => {
    await pending();
    const second = await provisioning.submitCreate(
      { userId: STRANGER },
      { email: 'jane.doe@second.example.org', firstname: 'Jane', lastname: 'Doe' },
    );
    if (second.kind !== 'pending') throw new Error(second.kind);
    expect(second.request.target.username).toBe('jane.doe2');
    const third = await provisioning.submitCreate(
      { userId: STRANGER },
      { email: 'jane.doe@third.example.org', firstname: 'Jane', lastname: 'Doe' },
    );
    if (third.kind !== 'pending') throw new Error(third.kind);
    expect(third.request.target.username).toBe('jane.doe3');
  });

  it('a store that cannot answer fails the create as before, and is not blamed on Moodle', async () => {
    const failing: Store = {
      ...store,
      findInFlight: async () => {
        throw new Error('disk I/O error');
      },
    };
    store = failing;
    build();
    await expect(
      provisioning.submitCreate(
        { userId: REQUESTER },
        { email: 'jane.doe@example.org', firstname: 'J', lastname: 'D' },
      ),
    ).rejects.toThrow('disk I/O error');
  });

  it('a decided request no longer blocks a new one', async () => {
    const first = await pending();
    await provisioning.reject(first.id, APPROVER, 'wrong school');
    expect((await provisioning.submitCreate({ userId: REQUESTER }, jane)).kind).toBe('pending');
  });
});

describe('decisions', () => {
  it('approve executes once, updates the card, tells the requester and announces', async () => {
    const request = await pending();
    const outcome = await provisioning.approve(request.id, APPROVER, { comment: 'welcome' });
    expect(outcome.kind).toBe('executed');
    const user = fake.site.findUser('jane.doe');
    expect(user).toBeDefined();
    const stored = await store.getRequest(request.id);
    expect(stored).toMatchObject({
      status: 'succeeded',
      decidedBy: APPROVER,
      decisionComment: 'welcome',
      result: { ok: true, moodleId: user?.id },
      notificationTs: '1700000099.000001',
    });
    expect(recorder.events.slice(1)).toEqual([
      { kind: 'update', id: request.id, status: 'succeeded' },
      { kind: 'dm', id: request.id, status: 'succeeded', event: 'executed' },
      { kind: 'announce', id: request.id, status: 'succeeded', event: 'executed' },
    ]);
    expect(await auditKinds(request.id)).toEqual([
      'request:pending',
      'decision:approved',
      'execution:started',
      'execution:succeeded',
    ]);
  });

  it('records an approver’s correction as a diff and creates the corrected account', async () => {
    const request = await pending();
    const outcome = await provisioning.approve(request.id, APPROVER, {
      corrections: { city: 'Lyon', lastname: 'Doe' },
    });
    expect(outcome.kind).toBe('executed');
    expect(fake.site.findUser('jane.doe')?.city).toBe('Lyon');
    const stored = await store.getRequest(request.id);
    expect(stored?.corrections).toEqual([{ field: 'city', before: '', after: 'Lyon' }]);
    const correction = (await store.listAudit()).find((e) => e.kind === 'correction');
    expect(JSON.parse(correction?.detail ?? '[]')).toEqual([{ field: 'city', before: '', after: 'Lyon' }]);
  });

  it('reject stores the reason and tells everyone; no Moodle call', async () => {
    const request = await pending();
    const outcome = await provisioning.reject(request.id, APPROVER, 'not a staff member');
    expect(outcome.kind).toBe('rejected');
    expect(await store.getRequest(request.id)).toMatchObject({
      status: 'rejected',
      decisionComment: 'not a staff member',
    });
    expect(recorder.events.map((e) => e.kind)).toEqual(['card', 'update', 'dm', 'announce']);
    expect(creates()).toBe(0);
  });

  it('refuses the requester deciding their own request, even an admin approver, and audits it', async () => {
    const outcome = await provisioning.submitCreate({ userId: ADMIN }, { ...jane, email: 'x@example.org' });
    expect(outcome.kind).toBe('executed'); // create is direct for admins; delete needs approval even from them
    const own = await provisioning.submitRequest(
      { userId: ADMIN },
      { moodleId: fake.site.findUser('x')?.id ?? 0, username: 'x' },
      { operation: 'delete' },
      undefined,
      'left',
    );
    expect(own.kind).toBe('pending');
    if (own.kind !== 'pending') return;
    const check = await provisioning.checkDecision(own.request.id, ADMIN, 'approve');
    expect(check).toMatchObject({ ok: false, code: 'self_decision' });
    const decided = await provisioning.approve(own.request.id, ADMIN);
    expect(decided).toMatchObject({ kind: 'refused' });
    expect(await auditKinds(own.request.id)).toContain('refusal:self_decision');
    expect(fake.calls.filter((c) => c.wsfunction === 'core_user_delete_users')).toHaveLength(0);
  });

  it('checkDecision refuses non-approvers and decided requests, naming who decided', async () => {
    const request = await pending();
    expect(await provisioning.checkDecision(request.id, STRANGER, 'approve')).toMatchObject({
      ok: false,
      code: 'permission',
    });
    expect(await provisioning.checkDecision(request.id, APPROVER, 'approve')).toMatchObject({ ok: true });
    expect(await provisioning.checkDecision(request.id, APPROVER, 'retry')).toMatchObject({
      ok: false,
      code: 'not_failed',
    });
    await provisioning.reject(request.id, APPROVER, 'no');
    const late = await provisioning.checkDecision(request.id, ADMIN, 'approve');
    expect(late).toMatchObject({ ok: false, code: 'not_pending' });
    if (!late.ok)
      expect(late.reason).toBe(
        `${request.id} (New Moodle account for Jane Doe) was already rejected by <@${APPROVER}>; nothing is left for you to do.`,
      );
    expect(await provisioning.checkDecision('R-ZZZZZZ', APPROVER, 'approve')).toMatchObject({ code: 'not_found' });
    const refusals = (await store.listAudit()).filter((e) => e.kind === 'refusal').map((e) => e.outcome);
    expect(refusals).toEqual(['permission', 'not_failed', 'not_pending', 'not_found']);
  });

  it('a failing notifier neither loses the request nor hides the outcome', async () => {
    const request = await pending();
    recorder.fail(true);
    const outcome = await provisioning.approve(request.id, APPROVER);
    expect(outcome.kind).toBe('executed');
    expect((await store.getRequest(request.id))?.status).toBe('succeeded');
    expect(logs.some((l) => l.includes('could not update the approval card'))).toBe(true);
  });

  it('cancel: only the requester, only while pending', async () => {
    const request = await pending();
    expect(await provisioning.cancel(request.id, APPROVER)).toMatchObject({ ok: false, code: 'not_requester' });
    expect(await provisioning.cancel(request.id, REQUESTER)).toMatchObject({ ok: true });
    expect(await provisioning.cancel(request.id, REQUESTER)).toMatchObject({ ok: false, code: 'not_pending' });
    expect(await auditKinds(request.id)).toEqual([
      'request:pending',
      'refusal:not_requester',
      'cancellation:cancelled',
      'refusal:not_pending',
    ]);
  });
});

describe('failures and retries', () => {
  it('a lost answer to create (connection reset after Moodle ran it) is settled by a look-up: no second create', async () => {
    const request = await pending();
    build({ gateway: losingCreateAnswer('reset') });
    const outcome = await provisioning.approve(request.id, APPROVER);
    expect(outcome.kind).toBe('executed');
    expect(creates()).toBe(1);
    const user = fake.site.findUser('jane.doe');
    expect(await store.getRequest(request.id)).toMatchObject({
      status: 'succeeded',
      result: { ok: true, moodleId: user?.id },
    });
    expect(await auditKinds(request.id)).toContain('execution:succeeded');
  });

  it('when the look-up fails too, the request is failed (outcome unknown); Retry looks up first and does not create twice', async () => {
    const request = await pending();
    build({ gateway: losingCreateAnswer('reset', true) });
    const first = await provisioning.approve(request.id, APPROVER);
    expect(first.kind).toBe('failed');
    const failed = await store.getRequest(request.id);
    expect(failed).toMatchObject({ status: 'failed', result: { ok: false, outcomeUnknown: true } });
    expect(recorder.events.at(-3)).toMatchObject({ kind: 'update', status: 'failed' });

    build(); // the next attempt talks to a healthy Moodle
    expect(await provisioning.retry(request.id, STRANGER)).toMatchObject({ kind: 'refused' });
    const retried = await provisioning.retry(request.id, APPROVER);
    expect(retried.kind).toBe('executed');
    expect(creates()).toBe(1);
    expect(await store.getRequest(request.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await auditKinds(request.id)).toEqual([
      'request:pending',
      'decision:approved',
      'execution:started',
      'execution:outcome_unknown',
      'refusal:permission',
      'retry:retried',
      'execution:started',
      'execution:succeeded',
    ]);
  });

  it('a Moodle refusal fails the request with the hint; Retry after the fix succeeds', async () => {
    const request = await pending();
    fake.setFault({ status: 503 });
    const first = await provisioning.approve(request.id, APPROVER);
    expect(first.kind).toBe('failed');
    if (first.kind === 'failed') expect(first.failure.hint).toContain('maintenance');
    fake.setFault(null);
    expect((await provisioning.retry(request.id, APPROVER)).kind).toBe('executed');
    // Two create calls reached the server, but the first was answered 503 without running.
    expect(creates()).toBe(2);
    expect(fake.site.snapshotUsers().filter((u) => u.email === jane.email)).toHaveLength(1);
  });

  it('generate mode, answer lost but Moodle committed: the password shown is the one Moodle got', async () => {
    const request = await pending();
    build({ passwordMode: 'generate', gateway: losingCreateAnswer('truncated') });
    const outcome = await provisioning.approve(request.id, APPROVER);
    if (outcome.kind !== 'executed') throw new Error(outcome.kind);
    const sent = fake.calls.find((c) => c.wsfunction === 'core_user_create_users')?.params['users[0][password]'];
    expect(sent).toBeDefined();
    expect(outcome.execution.password?.reveal()).toBe(sent);
    expect(outcome.execution.passwordUnknown).toBeUndefined();
    expect(creates()).toBe(1);
  });

  it('generate mode, account made by an earlier lost attempt: Retry says the password is unknown, shows none', async () => {
    const request = await pending();
    build({ passwordMode: 'generate', gateway: losingCreateAnswer('reset', true) });
    expect((await provisioning.approve(request.id, APPROVER)).kind).toBe('failed');
    build({ passwordMode: 'generate' });
    const retried = await provisioning.retry(request.id, APPROVER);
    if (retried.kind !== 'executed') throw new Error(retried.kind);
    expect(retried.execution.password).toBeUndefined();
    expect(retried.execution.passwordUnknown).toBe(true);
    expect(creates()).toBe(1);
  });

  it('generate mode returns the password once, and it is stored nowhere', async () => {
    build({ passwordMode: 'generate' });
    const request = await pending();
    const outcome = await provisioning.approve(request.id, APPROVER);
    if (outcome.kind !== 'executed') throw new Error(outcome.kind);
    const password = outcome.execution.password?.reveal() ?? '';
    expect(password.length).toBeGreaterThanOrEqual(8);
    const everything = JSON.stringify([await store.getRequest(request.id), await store.listAudit(), recorder.events]);
    expect(everything).not.toContain(password);
    expect(logs.join('\n')).not.toContain(password);
  });
});

describe('re-checks whenever something is about to change Moodle', () => {
  async function pendingSuspension(requester = REQUESTER): Promise<RequestRecord> {
    const id = fake.site.addUser({
      username: 'leaver',
      email: 'leaver@example.org',
      firstname: 'Lee',
      lastname: 'Ver',
    });
    const outcome = await provisioning.submitRequest(
      { userId: requester },
      { moodleId: id, username: 'leaver', email: 'leaver@example.org' },
      { operation: 'suspend' },
      undefined,
      'left the school',
    );
    if (outcome.kind !== 'pending') throw new Error(`expected pending, got ${outcome.kind}`);
    return outcome.request;
  }
  const updates = () => fake.calls.filter((c) => c.wsfunction === 'core_user_update_users').length;

  /** The real client, except that Moodle is in maintenance for the first call of `method`. */
  function maintenanceOnFirst(method: 'createUsers' | 'updateUsers'): MoodleGateway {
    let first = true;
    const once =
      <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        if (first) fake.setFault({ status: 503 }, { times: 1 });
        first = false;
        return call(...args);
      };
    return method === 'createUsers'
      ? { ...client, createUsers: once(client.createUsers.bind(client)) }
      : { ...client, updateUsers: once(client.updateUsers.bind(client)) };
  }

  it('an account protected after the request was made is not changed on approval, and the refusal is audited', async () => {
    const request = await pendingSuspension();
    build({ protectedUsers: ['Leaver'] });
    const outcome = await provisioning.approve(request.id, APPROVER);
    expect(outcome).toMatchObject({ kind: 'refused', reason: expect.stringContaining('list of protected accounts') });
    if (outcome.kind === 'refused') {
      expect(outcome.reason).toMatch(
        /never updated, suspended or deleted from here\. Nothing was changed; reject the request to close it\.$/,
      );
    }
    expect(updates()).toBe(0);
    expect((await store.getRequest(request.id))?.status).toBe('pending');
    expect(await provisioning.checkDecision(request.id, APPROVER, 'approve')).toMatchObject({
      ok: false,
      code: 'protected',
    });
    expect(await auditKinds(request.id)).toContain('refusal:protected');
    // Rejecting it stays possible: that changes nothing in Moodle.
    expect((await provisioning.reject(request.id, APPROVER, 'protected now')).kind).toBe('rejected');
  });

  it('an account protected after a failed attempt is not changed on retry', async () => {
    const request = await pendingSuspension();
    build({ gateway: maintenanceOnFirst('updateUsers') });
    expect((await provisioning.approve(request.id, APPROVER)).kind).toBe('failed');
    build({ protectedUsers: ['leaver'] });
    expect(await provisioning.retry(request.id, ADMIN)).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/list of protected accounts.* Nothing was changed\.$/),
    });
    expect(updates()).toBe(1);
    expect(fake.site.findUser('leaver')?.suspended).toBe(false);
  });

  it('an approver cannot retry a failed request they asked for themselves; another approver can', async () => {
    const request = await pendingSuspension(APPROVER);
    build({ gateway: maintenanceOnFirst('updateUsers') });
    expect((await provisioning.approve(request.id, ADMIN)).kind).toBe('failed');
    expect(await provisioning.checkDecision(request.id, APPROVER, 'retry')).toMatchObject({
      ok: false,
      code: 'self_decision',
    });
    expect(await provisioning.retry(request.id, APPROVER)).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining('another approver has to retry it'),
    });
    expect(updates()).toBe(1);
    expect((await provisioning.retry(request.id, ADMIN)).kind).toBe('executed');
    expect(fake.site.findUser('leaver')?.suspended).toBe(true);
  });

  it('when Moodle cannot say whether the account is protected, nothing is changed and the request can be retried', async () => {
    const request = await pendingSuspension();
    fake.setFault({ status: 503 }, { times: 2 });
    expect((await provisioning.approve(request.id, APPROVER)).kind).toBe('failed');
    expect((await store.getRequest(request.id))?.result).toMatchObject({ ok: false, code: 'protection_unknown' });
    expect(updates()).toBe(0);
    expect((await provisioning.retry(request.id, ADMIN)).kind).toBe('executed');
  });

  it('an admin may retry the direct execution they made themselves', async () => {
    build({ gateway: maintenanceOnFirst('createUsers') });
    const outcome = await provisioning.submitCreate({ userId: ADMIN }, jane);
    expect(outcome.kind).toBe('failed');
    if (outcome.kind !== 'failed') return;
    expect((await provisioning.retry(outcome.execution.request.id, ADMIN)).kind).toBe('executed');
  });
});

describe('expiry and reconciliation', () => {
  it('expires pending requests older than the TTL and tells everyone', async () => {
    const old = await pending();
    clock.advance(71 * HOUR_MS);
    const fresh = await provisioning.submitCreate({ userId: REQUESTER }, { ...jane, email: 'other@example.org' });
    clock.advance(2 * HOUR_MS);
    const expired = await provisioning.expireDue();
    expect(expired.map((r) => r.id)).toEqual([old.id]);
    expect((await store.getRequest(old.id))?.status).toBe('expired');
    if (fresh.kind === 'pending') expect((await store.getRequest(fresh.request.id))?.status).toBe('pending');
    expect(recorder.events.filter((e) => e.id === old.id).map((e) => e.kind)).toEqual([
      'card',
      'update',
      'dm',
      'announce',
    ]);
    expect(await auditKinds(old.id)).toEqual(['request:pending', 'expiry:expired']);
  });

  async function interrupted(
    username: string,
    payload: RequestRecord['payload'] = {
      operation: 'create',
      user: { username, email: `${username}@example.org`, firstname: 'A', lastname: 'B', auth: 'manual' },
    },
    target: RequestRecord['target'] = { username, email: `${username}@example.org` },
  ): Promise<RequestRecord> {
    const request = await store.createRequest({
      requester: { userId: REQUESTER },
      target,
      payload,
      createdAt: clock.now(),
      initialStatus: 'approved',
      decidedBy: APPROVER,
    });
    const started = await store.transition(request.id, {
      from: 'approved',
      expectedVersion: request.version,
      to: 'executing',
      at: clock.now(),
      patch: { incrementAttempts: true },
    });
    if (!started.ok) throw new Error('could not start');
    return started.request;
  }

  const TEST101 = { id: 2, shortname: 'TEST101', fullname: 'Test Course 101' };
  const student = { shortname: 'student', id: 5 };

  it('reconciles an interrupted enrolment by the courses Moodle lists, both ways, without enrolling', async () => {
    const enrolled = fake.site.addUser({ username: 'in.course', email: 'in.course@example.org' });
    const notYet = fake.site.addUser({ username: 'not.yet', email: 'not.yet@example.org' });
    fake.site.catalogue.enrolments.push({
      userid: enrolled,
      courseid: 2,
      status: 0,
      timestart: 0,
      timeend: 0,
      timecreated: 0,
      timemodified: 0,
    });
    const payload = { operation: 'enrol' as const, enrolment: { course: TEST101, role: student } };
    const done = await interrupted('in.course', payload, { moodleId: enrolled, username: 'in.course' });
    const lost = await interrupted('not.yet', payload, { moodleId: notYet, username: 'not.yet' });
    await provisioning.reconcileInterrupted();
    expect((await store.getRequest(done.id))?.status).toBe('succeeded');
    expect((await store.getRequest(lost.id))?.status).toBe('failed');
    expect(fake.calls.filter((c) => c.wsfunction === 'enrol_manual_enrol_users')).toHaveLength(0);
  });

  it('an interrupted create whose account exists but not its courses is failed with the account kept; Retry only enrols', async () => {
    const payload: RequestRecord['payload'] = {
      operation: 'create',
      user: { username: 'half.done', email: 'half.done@example.org', firstname: 'H', lastname: 'D', auth: 'manual' },
      enrolments: [{ course: TEST101, role: student }],
    };
    const request = await interrupted('half.done', payload);
    const id = fake.site.addUser({ username: 'half.done', email: 'half.done@example.org' });
    await provisioning.reconcileInterrupted();
    const failed = await store.getRequest(request.id);
    expect(failed).toMatchObject({ status: 'failed', target: { moodleId: id } });
    expect(failed?.result).toMatchObject({ ok: false, message: expect.stringContaining(`account (id ${id})`) });
    expect((await provisioning.retry(request.id, APPROVER)).kind).toBe('executed');
    expect(creates()).toBe(0);
    expect(fake.site.catalogue.rolesOf(id, 2)).toEqual([5]);
  });

  it('reconciles an interrupted create both ways by looking the user up, never re-executing', async () => {
    const done = await interrupted('made.it');
    const lost = await interrupted('never.made');
    const existingId = fake.site.addUser({ username: 'made.it', email: 'made.it@example.org' });
    const { reconciled, unresolved } = await provisioning.reconcileInterrupted();
    expect(unresolved).toEqual([]);
    expect(reconciled.map((r) => r.id).sort()).toEqual([done.id, lost.id].sort());
    expect(await store.getRequest(done.id)).toMatchObject({
      status: 'succeeded',
      result: { ok: true, moodleId: existingId },
    });
    expect(await store.getRequest(lost.id)).toMatchObject({
      status: 'failed',
      result: { ok: false, code: 'interrupted' },
    });
    expect(creates()).toBe(0);
    expect(await auditKinds(done.id)).toContain('reconciliation:applied');
    expect(await auditKinds(lost.id)).toContain('reconciliation:not_applied');
    // The failed one is retryable and then created once.
    expect((await provisioning.retry(lost.id, APPROVER)).kind).toBe('executed');
    expect(creates()).toBe(1);
  });

  it('leaves an interrupted request for later when Moodle cannot be reached', async () => {
    const request = await interrupted('unknown.yet');
    fake.setFault('refuse');
    const { reconciled, unresolved } = await provisioning.reconcileInterrupted();
    expect(reconciled).toEqual([]);
    expect(unresolved.map((r) => r.id)).toEqual([request.id]);
    expect((await store.getRequest(request.id))?.status).toBe('executing');
  });
});

describe('free text limits: every path ends in the core', () => {
  const TOO_LONG_REASON = { field: 'reason', message: 'Reason is too long: 501 characters, at most 500.' };

  it('a create with a reason over 500 characters is invalid before Moodle is asked or anything stored', async () => {
    const calls = fake.calls.length;
    const outcome = await provisioning.submitCreate({ userId: REQUESTER }, { ...jane, reason: 'x'.repeat(501) });
    expect(outcome).toEqual({ kind: 'invalid', problems: [TOO_LONG_REASON] });
    expect(fake.calls.length).toBe(calls);
    expect(await store.listRequests({ limit: 10 })).toEqual([]);
  });

  it('any other request with a reason over 500 characters is refused by submitRequest', async () => {
    const outcome = await provisioning.submitRequest(
      { userId: REQUESTER },
      { moodleId: 5, username: 'pat' },
      { operation: 'suspend' },
      undefined,
      `${'x'.repeat(500)}!`,
    );
    expect(outcome).toEqual({ kind: 'invalid', problems: [TOO_LONG_REASON] });
    expect(await store.listRequests({ limit: 10 })).toEqual([]);
  });

  it('an approver’s comment or rejection reason over 2000 characters is refused; the request stays pending', async () => {
    const request = await pending();
    const approved = await provisioning.approve(request.id, APPROVER, { comment: 'y'.repeat(2001) });
    expect(approved).toMatchObject({
      kind: 'refused',
      reason: 'The comment is too long: 2001 characters, at most 2000.',
    });
    const rejected = await provisioning.reject(request.id, APPROVER, 'z'.repeat(2001));
    expect(rejected).toMatchObject({
      kind: 'refused',
      reason: 'The reason is too long: 2001 characters, at most 2000.',
    });
    expect((await store.getRequest(request.id))?.status).toBe('pending');
    expect(creates()).toBe(0);
  });
});
