// An end date's reminder in the audit log: delivered, it writes one `end_date` event (actor the system, outcome
// reminder_sent, the account, the request that set the date, the end date in the detail), also after earlier failed
// tries, and once even when a try whose claim was lost sent it too; none when it was not sent (past its end date).
// The audit export carries it. The real scheduler over an in-memory SQLite store and a manual clock; the reminder's
// DM is a recording double, and no Moodle call is made (reminders need none).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatAuditCsv } from '../../src/cli/audit.js';
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createPermissions } from '../../src/core/permissions.js';
import { createProvisioningService, type Notifier, type ProvisioningService } from '../../src/core/provisioning.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { ScheduledAction } from '../../src/core/scheduled-actions.js';
import type { Store } from '../../src/core/store.js';
import { ACTION_LEASE_MS, retryDelayMs } from '../../src/core/use-cases/scheduled.js';
import { createMoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/index.js';
import { plainDirectory, silentNotifier, testRoles, testSettings } from './core-doubles.js';

const ADMIN = 'U0ADMIN';
const END = new Date('2027-03-31T22:00:00.000Z');
const DUE = new Date('2027-03-24T22:00:00.000Z');

let store: Store;
let clock: ManualClock;
let client: ReturnType<typeof createMoodleClient>;
let sent: string[];

function build(remindEndDate: Notifier['remindEndDate']): ProvisioningService {
  const notifier = silentNotifier({
    endDateReminderFailed: async () => {},
    ...(remindEndDate ? { remindEndDate } : {}),
  });
  return createProvisioningService({
    gateway: client,
    requests: createRequestService({ store, clock, ttlHours: 72 }),
    store,
    permissions: createPermissions(testRoles([ADMIN], [ADMIN]), plainDirectory, { clock }),
    notifier,
    clock,
    // Nothing listens there: a Moodle call would fail the test.
    settings: testSettings('http://127.0.0.1:9', { expiryRemindDays: 7 }),
  });
}

const remindRecording: Notifier['remindEndDate'] = async (action) => {
  sent.push(`${action.requesterId} ${action.username}`);
};

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  clock = createManualClock(new Date('2027-03-01T08:00:00.000Z'));
  client = createMoodleClient({ url: 'http://127.0.0.1:9', token: new Secret('t'), timeoutMs: 500, readRetries: 0 });
  sent = [];
});
afterEach(async () => {
  await client.close();
  await store.close();
});

/** The account's end date as a create or expire request stores it: a reminder and an expiry. */
async function scheduleEnd(moodleId: number, username: string): Promise<ScheduledAction> {
  const common = { moodleId, username, endAt: END, requestId: 'R-SET001', requesterId: ADMIN };
  const [remind] = await store.replaceSchedule(
    moodleId,
    [
      { ...common, kind: 'remind', dueAt: DUE },
      { ...common, kind: 'expire', dueAt: END },
    ],
    clock.now(),
  );
  return remind!;
}

const reminderEvents = async () =>
  (await store.listAudit()).filter((e) => e.kind === 'end_date' && e.outcome === 'reminder_sent');

describe('a delivered reminder', () => {
  it('is audited once: the system, the account, the request that set the date, the end date; and exported', async () => {
    await scheduleEnd(42, 'guest.one');
    const provisioning = build(remindRecording);
    clock.set(new Date('2027-03-25T08:00:00.000Z'));
    expect((await provisioning.runDueActions()).map((a) => [a.kind, a.state])).toEqual([['remind', 'done']]);
    await provisioning.runDueActions();
    expect(sent).toEqual([`${ADMIN} guest.one`]);
    const events = await reminderEvents();
    expect(events).toEqual([
      expect.objectContaining({
        actor: 'system',
        kind: 'end_date',
        outcome: 'reminder_sent',
        requestId: 'R-SET001',
        target: { moodleId: 42, username: 'guest.one' },
        moodleId: 42,
        detail: `Ends 2027-03-31 22:00 UTC. The reminder was delivered to ${ADMIN}.`,
      }),
    ]);
    const csv = formatAuditCsv(events);
    expect(csv).toContain('end_date,R-SET001,,guest.one,,42,reminder_sent,42,');
  });

  it('delivered after failed tries: one event, naming the try', async () => {
    await scheduleEnd(43, 'guest.two');
    let failures = 2;
    const provisioning = build(async (action) => {
      if (failures-- > 0) throw new Error('Slack is down');
      sent.push(action.username);
    });
    clock.set(new Date('2027-03-25T08:00:00.000Z'));
    const states: string[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      states.push(...(await provisioning.runDueActions()).map((a) => `${a.state} ${a.attempts}`));
      clock.advance(retryDelayMs(attempt));
    }
    expect(states).toEqual(['scheduled 1', 'scheduled 2', 'done 3']);
    expect(sent).toEqual(['guest.two']);
    const events = await reminderEvents();
    expect(events.map((e) => e.detail)).toEqual([
      `Ends 2027-03-31 22:00 UTC. The reminder was delivered to ${ADMIN} (try 3).`,
    ]);
    expect((await store.listAudit()).filter((e) => e.outcome === 'reminder_failed')).toEqual([]);
  });

  it('sent again by a process that took over a lost claim: still one event', async () => {
    const remind = await scheduleEnd(44, 'guest.three');
    clock.set(new Date('2027-03-25T08:00:00.000Z'));
    // The first process is slow to deliver: its lease runs out and a second one claims and delivers the reminder.
    let second: Promise<ScheduledAction[]> | undefined;
    const slow = build(async (action) => {
      sent.push(`slow ${action.username}`);
      clock.advance(ACTION_LEASE_MS + 1000);
      second = build(remindRecording).runDueActions();
      await second;
    });
    expect(await slow.runDueActions()).toEqual([]);
    expect((await second)?.map((a) => [a.id, a.state])).toEqual([[remind.id, 'done']]);
    expect(sent).toEqual(['slow guest.three', `${ADMIN} guest.three`]);
    expect((await reminderEvents()).map((e) => e.moodleId)).toEqual([44]);
  });

  it('is not audited when it was not sent: past its end date, or with nothing to send it', async () => {
    await scheduleEnd(45, 'guest.four');
    clock.set(new Date('2027-04-02T08:00:00.000Z'));
    // Expiry fails (no Moodle here); the reminder is done without a DM.
    const settled = await build(remindRecording).runDueActions();
    expect(settled.find((a) => a.kind === 'remind')?.state).toBe('done');
    expect(sent).toEqual([]);
    await scheduleEnd(46, 'guest.five');
    clock.set(new Date('2027-03-25T08:00:00.000Z'));
    await build(undefined).runDueActions();
    expect(await reminderEvents()).toEqual([]);
  });
});
