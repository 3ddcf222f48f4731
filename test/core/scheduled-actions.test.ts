// The durable scheduler below Slack: an end date set by a create (and replaced by expire), its reminder and its
// expiry run from the store as the clock moves (never by waiting), each once; a failed expiry is tried again after
// a stored backoff and shown to the approvers after its last try; an account protected after the date was set is
// refused at run time. The real Moodle client against the fake Moodle, an in-memory SQLite store, a manual clock.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { parseDay } from '../../src/core/dates.js';
import { createPermissions } from '../../src/core/permissions.js';
import {
  createProvisioningService,
  type LogFn,
  type Notifier,
  type ProvisioningService,
} from '../../src/core/provisioning.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { Store } from '../../src/core/store.js';
import { FIRST_RETRY_MS, MAX_ACTION_TRIES, retryDelayMs } from '../../src/core/use-cases/scheduled.js';
import { createMoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/index.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { plainDirectory, testRoles, testSettings } from './core-doubles.js';

const ADMIN = 'U0ADMIN';
const APPROVER = 'U0APPROVER';
const roles = testRoles([ADMIN, APPROVER], [ADMIN]);

let fake: FakeMoodle;
let store: Store;
let clock: ManualClock;
let client: ReturnType<typeof createMoodleClient>;
let provisioning: ProvisioningService;
let told: string[];

beforeAll(async () => {
  fake = await startFakeMoodle();
});
afterAll(async () => {
  await fake.close();
});

function recordingNotifier(): Notifier {
  const note = (what: string) => async () => {
    told.push(what);
  };
  return {
    postApprovalCard: async (request) => {
      told.push(`card ${request.operation} ${request.status}`);
      return { channel: 'C0APPROVALS', ts: '1700000000.000001' };
    },
    updateApprovalCard: async (request) => {
      told.push(`update ${request.operation} ${request.status}`);
    },
    notifyRequester: async (request, event) => {
      told.push(`dm ${request.requester.userId} ${request.operation} ${event}`);
    },
    announce: async (request, event) => {
      told.push(`announce ${request.operation} ${event}`);
      return undefined;
    },
    remindApprovers: note('approvers reminded'),
    remindEndDate: async (action) => {
      told.push(`end date reminder ${action.requesterId} ${action.username}`);
    },
  };
}

function build(protectedUsers: string[] = [], over: { notifier?: Partial<Notifier>; log?: LogFn } = {}): void {
  provisioning = createProvisioningService({
    gateway: client,
    requests: createRequestService({ store, clock, ttlHours: 72 }),
    store,
    permissions: createPermissions(roles, plainDirectory, { clock }),
    notifier: { ...recordingNotifier(), ...over.notifier },
    ...(over.log ? { log: over.log } : {}),
    clock,
    settings: testSettings(fake.url, { protectedUsers, expiryRemindDays: 7 }),
  });
}

beforeEach(async () => {
  fake.reset();
  store = await openStore('sqlite::memory:');
  clock = createManualClock(new Date('2027-03-01T08:00:00.000Z'));
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 2000, readRetries: 0 });
  told = [];
  build();
});
afterEach(async () => {
  fake.setFault(null);
  await client.close();
  await store.close();
});

function endOf(day: string) {
  const read = parseDay(day, { timeZone: 'Europe/Berlin', now: clock.now(), edge: 'end', what: 'The end date' });
  if (!read.ok) throw new Error(read.message);
  return { until: day, endAt: read.at.toISOString() };
}

/** An admin creates an account with an end date (directly: create is not in APPROVAL_REQUIRED). */
async function createWithEnd(username: string, day: string): Promise<number> {
  const user = { username, email: `${username}@example.org`, firstname: 'Guest', lastname: 'Lecturer', auth: 'manual' };
  const outcome = await provisioning.submitRequest(
    { userId: ADMIN },
    { username, email: user.email },
    { operation: 'create', user, end: endOf(day) },
    undefined,
    undefined,
  );
  if (outcome.kind !== 'executed') throw new Error(`not executed: ${outcome.kind}`);
  return outcome.execution.moodleId!;
}

const suspended = (id: number) => fake.site.users.find((u) => u.id === id)?.suspended;
const updates = () => fake.calls.filter((c) => c.wsfunction === 'core_user_update_users').length;

/** Runs the due reminder of `username` through every try, each failing; returns the states it was settled in. */
async function failReminderToTheEnd(username: string): Promise<string[]> {
  clock.set(new Date('2027-03-24T22:00:00.000Z'));
  const states: string[] = [];
  for (let attempt = 1; attempt <= MAX_ACTION_TRIES; attempt++) {
    const settled = await provisioning.runDueActions();
    states.push(...settled.filter((a) => a.username === username).map((a) => `${a.kind} ${a.state} ${a.attempts}`));
    clock.advance(retryDelayMs(attempt));
  }
  return states;
}

describe('the scheduler', () => {
  it('reminds once before the end date and suspends once at it, as the system on the requester’s behalf', async () => {
    const id = await createWithEnd('guest.one', '2027-03-31');
    const actions = await store.listActions({ moodleIds: [id] });
    expect(actions.map((a) => [a.kind, a.state, a.requesterId])).toEqual([
      ['remind', 'scheduled', ADMIN],
      ['expire', 'scheduled', ADMIN],
    ]);
    // 2027-03-31 in Berlin ends at 22:00 UTC (summer time from 28 March).
    expect(actions[1]?.dueAt.toISOString()).toBe('2027-03-31T22:00:00.000Z');
    expect(actions[0]?.dueAt.toISOString()).toBe('2027-03-24T22:00:00.000Z');

    clock.set(new Date('2027-03-24T21:59:59.000Z'));
    expect(await provisioning.runDueActions()).toEqual([]);
    clock.set(new Date('2027-03-24T22:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.kind, a.state])).toEqual([['remind', 'done']]);
    expect(await provisioning.runDueActions()).toEqual([]);
    expect(told.filter((t) => t.startsWith('end date reminder'))).toEqual([`end date reminder ${ADMIN} guest.one`]);
    expect(suspended(id)).toBe(false);
    // The delivered reminder is audited once (more in scheduled-reminders.test.ts).
    const reminded = (await store.listAudit()).filter((e) => e.kind === 'end_date');
    expect(reminded.map((e) => [e.actor, e.outcome, e.moodleId])).toEqual([['system', 'reminder_sent', id]]);

    clock.set(new Date('2027-04-02T08:00:00.000Z'));
    const [expired] = await provisioning.runDueActions();
    expect(expired).toMatchObject({ kind: 'expire', state: 'done', resultRequestId: expect.any(String) });
    expect(suspended(id)).toBe(true);
    expect(await provisioning.runDueActions()).toEqual([]);
    expect(updates()).toBe(1);

    const request = await store.getRequest(expired!.resultRequestId!);
    expect(request).toMatchObject({ operation: 'suspend', status: 'succeeded', decidedBy: 'system' });
    expect(request?.requester.userId).toBe(ADMIN);
    const audit = (await store.listAudit()).filter((e) => e.requestId === request?.id);
    expect(audit.map((e) => [e.actor, e.kind, e.outcome])).toEqual([
      ['system', 'request', 'approved'],
      ['system', 'direct_execution', 'allowed'],
      ['system', 'execution', 'started'],
      ['system', 'execution', 'succeeded'],
    ]);
    expect(audit[0]?.detail).toContain(ADMIN);
    const setIn = actions[1]?.requestId;
    expect(request?.reason).toBe(`End date reached (2027-03-31 22:00 UTC), set in ${setIn} by ${ADMIN}.`);
    expect(audit.map((e) => e.detail)).toContain(
      `Scheduled by ${setIn} (asked for by ${ADMIN}); EXPIRY_ACTION=suspend.`,
    );
    expect(told).toEqual(expect.arrayContaining([`dm ${ADMIN} suspend executed`, 'announce suspend executed']));
  });

  it('replaces an end date whole: expire moves it, and only the new date runs', async () => {
    const id = await createWithEnd('guest.two', '2027-03-20');
    const outcome = await provisioning.submitRequest(
      { userId: ADMIN },
      { moodleId: id, username: 'guest.two' },
      { operation: 'expire', end: endOf('2027-06-30') },
      undefined,
      undefined,
    );
    expect(outcome.kind).toBe('executed');
    clock.set(new Date('2027-03-25T00:00:00.000Z'));
    expect(await provisioning.runDueActions()).toEqual([]);
    expect(suspended(id)).toBe(false);
    clock.set(new Date('2027-07-01T00:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.kind, a.state])).toEqual([
      ['remind', 'done'],
      ['expire', 'done'],
    ]);
    expect(suspended(id)).toBe(true);
  });

  it('tries a failed expiry again after a stored, growing wait, and shows it to approvers after the last try', async () => {
    const id = await createWithEnd('guest.three', '2027-03-05');
    clock.set(new Date('2027-03-06T00:00:00.000Z'));
    fake.setFault({ status: 503 }, { times: 100, wsfunction: 'core_user_update_users' });
    const [first] = await provisioning.runDueActions();
    expect(first).toMatchObject({ state: 'scheduled', attempts: 1, lastError: expect.any(String) });
    expect(first && 'nextTryAt' in first && first.nextTryAt).toEqual(new Date(clock.now().getTime() + FIRST_RETRY_MS));
    // Not shown yet: no card, no DM, and the missing-cards sweep leaves it alone while it will be tried again.
    expect(told.filter((t) => t.includes('suspend'))).toEqual([]);
    expect(await provisioning.postMissingCards()).toEqual([]);

    clock.advance(FIRST_RETRY_MS - 1);
    expect(await provisioning.runDueActions()).toEqual([]);
    let waited = FIRST_RETRY_MS;
    for (let attempt = 2; attempt <= MAX_ACTION_TRIES; attempt++) {
      clock.advance(1);
      const [next] = await provisioning.runDueActions();
      expect(next).toMatchObject({ attempts: attempt, state: attempt < MAX_ACTION_TRIES ? 'scheduled' : 'failed' });
      waited *= 2;
      clock.advance(waited - 1);
    }
    expect(told).toEqual(expect.arrayContaining(['card suspend failed', `dm ${ADMIN} suspend failed`]));
    expect(suspended(id)).toBe(false);
    const [action] = await store.listActions({ moodleIds: [id], kind: 'expire' });
    await provisioning.runDueActions();
    expect(await store.getAction(action!.id)).toMatchObject({ state: 'failed' });
    // An approver's Retry on the card (not the requester's: nobody retries their own request) then succeeds; the next run closes the action.
    fake.setFault(null);
    const retried = await provisioning.retry(action!.resultRequestId!, APPROVER);
    expect(retried.kind).toBe('executed');
    await provisioning.runDueActions();
    expect(await store.getAction(action!.id)).toMatchObject({ state: 'done' });
    expect(suspended(id)).toBe(true);
  });

  it('refuses at run time an account protected after its end date was set, and shows it to approvers at once', async () => {
    const id = await createWithEnd('guest.four', '2027-03-05');
    build(['guest.four']);
    clock.set(new Date('2027-03-06T00:00:00.000Z'));
    const [refused] = await provisioning.runDueActions();
    expect(refused).toMatchObject({
      state: 'failed',
      attempts: 1,
      lastError: expect.stringContaining('list of protected accounts'),
    });
    expect(updates()).toBe(0);
    expect(suspended(id)).toBe(false);
    expect(told).toEqual(expect.arrayContaining(['card suspend failed']));
    const request = await store.getRequest(refused!.resultRequestId!);
    expect(request?.result).toMatchObject({ ok: false, code: 'protected' });
    expect((await store.listAudit()).filter((e) => e.kind === 'end_date')).toEqual([]);
  });

  it('sends no reminder once the end date has passed, and leaves an account deleted in the meantime alone', async () => {
    const id = await createWithEnd('guest.five', '2027-03-20');
    fake.site.users = fake.site.users.filter((u) => u.id !== id);
    clock.set(new Date('2027-03-25T00:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.kind, a.state])).toEqual([
      ['remind', 'done'],
      ['expire', 'done'],
    ]);
    expect(told.filter((t) => t.startsWith('end date reminder'))).toEqual([]);
    expect(updates()).toBe(0);
    expect(await store.listRequests({ operation: 'suspend', limit: 5 })).toEqual([]);
  });
  it('tells the approvers of a reminder that failed its last try, and audits it; the expiry still waits for its date', async () => {
    const id = await createWithEnd('guest.six', '2027-03-31');
    const toldApprovers: string[] = [];
    build([], {
      notifier: {
        remindEndDate: async () => {
          throw new Error('Slack is down');
        },
        endDateReminderFailed: async (action, error) => {
          toldApprovers.push(`${action.username}: ${error}`);
        },
      },
    });
    expect(await failReminderToTheEnd('guest.six')).toEqual([
      'remind scheduled 1',
      'remind scheduled 2',
      'remind scheduled 3',
      'remind scheduled 4',
      'remind failed 5',
    ]);
    expect(toldApprovers).toEqual(['guest.six: Slack is down']);
    const audit = (await store.listAudit()).filter((e) => e.kind === 'end_date');
    expect(audit.map((e) => [e.actor, e.outcome, e.moodleId])).toEqual([['system', 'reminder_failed', id]]);
    expect(audit[0]?.detail).toContain(`The reminder to ${ADMIN} failed after 5 tries: Slack is down`);
    expect((await store.listActions({ moodleIds: [id], kind: 'expire' }))[0]?.state).toBe('scheduled');
  });

  it('logs a failed reminder the approvers could not be told of', async () => {
    await createWithEnd('guest.seven', '2027-03-31');
    const logged: unknown[][] = [];
    build([], {
      notifier: {
        remindEndDate: async () => {
          throw 'no DM channel';
        },
        endDateReminderFailed: async () => {
          throw new Error('channel_not_found');
        },
      },
      log: (...args) => logged.push(args),
    });
    expect((await failReminderToTheEnd('guest.seven')).at(-1)).toBe('remind failed 5');
    expect(logged.filter(([level]) => level === 'error')).toEqual([
      [
        'error',
        'could not tell the approvers of a failed end-date reminder',
        { actionId: expect.any(String), message: 'channel_not_found' },
      ],
    ]);
    const [audit] = (await store.listAudit()).filter((e) => e.kind === 'end_date');
    expect(audit?.detail).toContain('failed after 5 tries: no DM channel');
    const warned = logged.filter(([level]) => level === 'warn');
    expect(warned[0]).toEqual([
      'warn',
      'a scheduled action failed',
      expect.objectContaining({ kind: 'remind', state: 'scheduled', lastError: 'no DM channel' }),
    ]);
    expect(warned.map((w) => (w[2] as { state: string }).state)).toEqual([
      'scheduled',
      'scheduled',
      'scheduled',
      'scheduled',
      'failed',
    ]);
    clock.set(new Date('2027-04-01T00:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.kind, a.state])).toEqual([['expire', 'done']]);
    expect(logged.filter(([level]) => level === 'warn')).toHaveLength(5);
  });

  it('waits for an expiry whose request is still executing (its process died) instead of sending it again', async () => {
    const id = await createWithEnd('guest.eight', '2027-03-05');
    clock.set(new Date('2027-03-06T00:00:00.000Z'));
    fake.setFault({ status: 503 }, { times: 100, wsfunction: 'core_user_update_users' });
    const [first] = await provisioning.runDueActions();
    const requestId = first!.resultRequestId!;
    // An approver's Retry started in a process that died before it called Moodle.
    expect((await createRequestService({ store, clock, ttlHours: 72 }).retry(requestId, APPROVER)).ok).toBe(true);
    fake.setFault(null);
    clock.advance(FIRST_RETRY_MS);
    const [waiting] = await provisioning.runDueActions();
    expect(waiting).toMatchObject({
      state: 'scheduled',
      attempts: 2,
      resultRequestId: requestId,
      lastError: `${requestId} is executing; waiting for it to settle.`,
    });
    expect(updates()).toBe(1);
    expect(suspended(id)).toBe(false);
  });

  it('logs nothing more for a failed reminder when the approvers have no channel to be told in', async () => {
    await createWithEnd('guest.fifteen', '2027-03-31');
    const logged: unknown[][] = [];
    const notifier = { remindEndDate: async () => Promise.reject(new Error('down')), endDateReminderFailed: undefined };
    build([], { notifier: notifier as unknown as Partial<Notifier>, log: (...args) => logged.push(args) });
    expect((await failReminderToTheEnd('guest.fifteen')).at(-1)).toBe('remind failed 5');
    expect(logged.filter(([level]) => level === 'error')).toEqual([]);
  });

  it('does not start an expiry again that another process started since it was read', async () => {
    await createWithEnd('guest.sixteen', '2027-03-05');
    clock.set(new Date('2027-03-06T00:00:00.000Z'));
    fake.setFault({ status: 503 }, { times: 100, wsfunction: 'core_user_update_users' });
    const [first] = await provisioning.runDueActions();
    const requestId = first!.resultRequestId!;
    const stale = await store.getRequest(requestId);
    const lifecycle = createRequestService({ store, clock, ttlHours: 72 });
    expect((await lifecycle.retry(requestId, APPROVER)).ok).toBe(true);
    const realGet = store.getRequest.bind(store);
    store.getRequest = async (id) => (id === requestId ? stale : realGet(id));
    clock.advance(FIRST_RETRY_MS);
    const [refused] = await provisioning.runDueActions();
    store.getRequest = realGet;
    const refusal = await lifecycle.retry(requestId, 'system');
    expect(refusal.ok).toBe(false);
    expect(refused).toMatchObject({ state: 'scheduled', attempts: 2, lastError: expect.stringContaining(requestId) });
    expect(!refusal.ok && refusal.message).toContain(refused?.lastError);
  });

  it('gives up an expiry whose account could not be looked up, and goes on running the others', async () => {
    const id = await createWithEnd('guest.thirteen', '2027-03-05');
    clock.set(new Date('2027-03-06T00:00:00.000Z'));
    fake.setFault({ status: 503 }, { times: 100, wsfunction: 'core_user_get_users_by_field' });
    const states: string[] = [];
    for (let attempt = 1; attempt <= MAX_ACTION_TRIES; attempt++) {
      states.push(...(await provisioning.runDueActions()).map((a) => `${a.kind} ${a.state}`));
      clock.advance(retryDelayMs(attempt));
    }
    expect(states).toEqual([...Array(4).fill('expire scheduled'), 'expire failed']);
    const [expire] = await store.listActions({ moodleIds: [id], kind: 'expire' });
    expect(expire).toMatchObject({ state: 'failed', resultRequestId: undefined });
    fake.setFault(null);
    const other = await createWithEnd('guest.fourteen', '2027-03-10');
    clock.set(new Date('2027-03-11T00:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.moodleId, a.kind, a.state])).toEqual([
      [other, 'expire', 'done'],
    ]);
    expect(await store.getAction(expire!.id)).toMatchObject({ state: 'failed' });
  });

  it('waits 5 minutes after the first failed try (never less), and doubles the wait with each try', () => {
    expect([0, 1, 2, 3, 4].map(retryDelayMs)).toEqual([5, 5, 10, 20, 40].map((minutes) => minutes * 60_000));
  });

  it('holds an action under a 10-minute lease while it tries it, and never runs one another process claimed', async () => {
    const id = await createWithEnd('guest.nine', '2027-03-31');
    const [remind] = await store.listActions({ moodleIds: [id], kind: 'remind' });
    const leases: Array<Date | undefined> = [];
    build([], {
      notifier: {
        remindEndDate: async (action) => {
          leases.push((await store.getAction(action.id))?.leaseUntil);
        },
      },
    });
    clock.set(remind!.dueAt);
    const realFind = store.findDueActions.bind(store);
    const other = store.claimAction.bind(store);
    // Another process claims every due action between this one's look-up and its claim.
    store.findDueActions = async (at, limit) => {
      const due = await realFind(at, limit);
      for (const action of due) await other(action.id, at, new Date(at.getTime() + 60_000));
      return due;
    };
    expect(await provisioning.runDueActions()).toEqual([]);
    expect(leases).toEqual([]);
    store.findDueActions = realFind;
    clock.advance(60_000);
    expect((await provisioning.runDueActions()).map((a) => [a.kind, a.state])).toEqual([['remind', 'done']]);
    expect(leases).toEqual([new Date(clock.now().getTime() + 10 * 60_000)]);
  });

  it('settles an expiry whose request an approver already retried with success, without sending it again', async () => {
    const id = await createWithEnd('guest.ten', '2027-03-05');
    clock.set(new Date('2027-03-06T00:00:00.000Z'));
    fake.setFault({ status: 503 }, { times: 100, wsfunction: 'core_user_update_users' });
    const [first] = await provisioning.runDueActions();
    fake.setFault(null);
    expect((await provisioning.retry(first!.resultRequestId!, APPROVER)).kind).toBe('executed');
    const sent = updates();
    clock.advance(FIRST_RETRY_MS);
    expect(await provisioning.runDueActions()).toEqual([
      expect.objectContaining({ kind: 'expire', state: 'done', resultRequestId: first!.resultRequestId }),
    ]);
    expect(updates()).toBe(sent);
    expect(suspended(id)).toBe(true);
  });

  it('sends no reminder at the very instant the end date is reached, nor without a way to send one', async () => {
    const id = await createWithEnd('guest.eleven', '2027-03-20');
    const [remind] = await store.listActions({ moodleIds: [id], kind: 'remind' });
    clock.set(remind!.endAt);
    const [settled] = await provisioning.runDueActions();
    expect(settled).toMatchObject({ kind: 'remind', state: 'done' });
    expect(told.filter((t) => t.startsWith('end date reminder'))).toEqual([]);
    const other = await createWithEnd('guest.twelve', '2027-05-20');
    build([], { notifier: { remindEndDate: undefined } as unknown as Partial<Notifier> });
    clock.set(new Date('2027-05-15T00:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.moodleId, a.kind, a.state])).toEqual([
      [other, 'remind', 'done'],
    ]);
  });
});
