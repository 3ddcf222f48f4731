// Slack faults end to end over signed HTTP against the fake Slack: the approval card refused (429 with Retry-After,
// HTTP 500, not_in_channel), the form's trigger_id expired, the card's redraw refused (HTTP 500). For each: the
// person concerned is told in words, the request is stored and can still be found and decided, the log says what to
// fix, and the process keeps serving. One app and one fake Moodle for the file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  APPROVAL_ENV,
  APPROVER,
  APPROVER2,
  cardTs,
  clickCard,
  openedView,
  REQUESTER,
  SLACK_USERS,
  submitModal,
  waitForCard,
} from '../e2e/approval-helpers.js';
import { startTestApp, type TestApp } from '../e2e/harness.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import {
  accountsNamed,
  addUserText,
  auditTrail,
  expectHumane,
  expectServing,
  freshPerson,
  requestIdIn,
  storedRequest,
  visibleText,
} from './fault-helpers.js';

let fake: FakeMoodle;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeMoodle();
  t = await startTestApp({
    moodleUrl: fake.url,
    env: { MOODLE_TOKEN: fake.token, ...APPROVAL_ENV },
    slack: { users: SLACK_USERS },
    // The background job that posts missing cards (and expires requests) runs often, so that recovery is seen.
    overrides: { expiryIntervalMs: 250 },
  });
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});
beforeEach(() => {
  t.slack.clearFaults();
  t.slack.setChannel({ id: 'C0APPROVALS', name: 'moodle-approvals', is_member: true });
});

async function ask(userId = REQUESTER) {
  const person = freshPerson('slk');
  const result = await t.command('/moodle-adduser', addUserText(person), { userId });
  expect(result.ack.status).toBe(200);
  const reply = await result.waitForResponse();
  const text = visibleText(reply.body);
  return { person, text, id: requestIdIn(text) };
}

function cardPosted(id: string) {
  return t.slack
    .callsTo('chat.postMessage')
    .find((c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id) && c.response?.ok === true);
}

async function pendingListFor(approver: string): Promise<string> {
  const list = await t.command('/moodle-user', 'requests pending', { userId: approver });
  return visibleText((await list.waitForResponse()).body);
}

function logsAbout(id: string): Array<Record<string, unknown>> {
  return t.logRecords().filter((r) => r.requestId === id);
}

describe('the approval card cannot be posted', () => {
  it.each([
    ['429 with a long Retry-After', { kind: 'ratelimited' as const, retryAfter: 30 }],
    ['HTTP 500', { kind: 'http' as const, status: 500 }],
  ])(
    '%s: stored pending, the requester told, findable, logged; the card is posted once Slack is back',
    async (_n, fault) => {
      t.slack.fail('chat.postMessage', fault);
      const { text, id } = await ask();

      expectHumane(text);
      expect(text).toContain(`Request ${id} is saved`);
      expect(text).toContain('could not be posted');
      expect(text).toContain('/moodle-user requests pending');
      expect(cardPosted(id)).toBeUndefined();

      const stored = await storedRequest(t, id);
      expect(stored.status).toBe('pending');
      expect(await auditTrail(t, id)).toEqual([`request:pending:${REQUESTER}`]);
      expect(await pendingListFor(APPROVER)).toContain(id);
      const logged = logsAbout(id).find((r) => r.msg === 'could not post the approval card');
      expect(JSON.stringify(logged)).toContain(fault.kind === 'http' ? 'http_500' : 'ratelimited');
      await expectServing(t);

      // Slack is back: the background job posts the missing card, and it can be approved from there.
      t.slack.clearFaults();
      const card = await t.slack.waitForCall(
        'chat.postMessage',
        (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id) && c.response?.ok === true,
      );
      const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, stored, cardTs(card));
      await submitModal(t, APPROVER, await openedView(t, triggerId));
      await waitForCard(t, cardTs(card), 'succeeded');
      expect((await storedRequest(t, id)).status).toBe('succeeded');
      // One card, however many times the background job ran meanwhile.
      expect(
        t.slack.callsTo('chat.postMessage').filter((c) => c.response?.ok && c.args.text === card.args.text),
      ).toHaveLength(1);

      // The next request gets its card at once.
      const next = await ask();
      expect(next.text).not.toContain('could not be posted');
      expect(cardPosted(next.id)).toBeDefined();
    },
  );

  it('429 with a short Retry-After: the card is posted after waiting it out; the requester sees no warning', async () => {
    t.slack.fail('chat.postMessage', { kind: 'ratelimited', retryAfter: 1 }, 1);
    const { text, id } = await ask();
    expect(text).toContain(`Request ${id} is saved`);
    expect(text).not.toContain('could not be posted');
    expect(cardPosted(id)).toBeDefined();
    expect((await storedRequest(t, id)).approvalMessage).toBeDefined();
  });

  it('not_in_channel: the requester is told; the log says to invite the bot into the approval channel', async () => {
    t.slack.setChannel({ id: 'C0APPROVALS', name: 'moodle-approvals', is_member: false, notInChannel: true });
    const { text, id } = await ask();
    expectHumane(text);
    expect(text).toContain('could not be posted');
    expect(text).toContain('/moodle-user doctor');
    expect((await storedRequest(t, id)).status).toBe('pending');
    const logged = logsAbout(id).find((r) => r.msg === 'could not post the approval card');
    expect(JSON.stringify(logged)).toContain('not_in_channel');
    expect(JSON.stringify(logged)).toContain('/invite');
    expect(JSON.stringify(logged)).toContain('APPROVAL_CHANNEL');
    await expectServing(t);
  });
});

describe('the New Moodle user form cannot open', () => {
  it('expired_trigger_id: the person is told privately that the form could not open and what to do', async () => {
    const stale = t.slack.issueTriggerId();
    t.slack.expireTriggerId(stale);
    const result = await t.command('/moodle-adduser', '', { userId: REQUESTER, trigger_id: stale });
    expect(result.ack.status).toBe(200);
    const reply = await result.waitForResponse();
    expect(reply.body.response_type).toBe('ephemeral');
    const text = visibleText(reply.body);
    expectHumane(text);
    expect(text).toContain('could not open the form');
    expect(text).toContain('/moodle-adduser');
    expect(text).toMatch(/again|as text/);
    const open = t.slack.callsTo('views.open').find((c) => c.args.trigger_id === stale);
    expect(open?.response).toMatchObject({ ok: false, error: 'expired_trigger_id' });
    await expectServing(t);
  });
});

describe('the card cannot be redrawn', () => {
  it('HTTP 500 on chat.update: the approval and the account stand; people are told; a later click repairs the card', async () => {
    const { person, id } = await ask();
    const request = await storedRequest(t, id);
    const card = t.slack
      .callsTo('chat.postMessage')
      .find((c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id));
    if (!card) throw new Error('no card');
    t.slack.fail('chat.update', { kind: 'http', status: 500 });
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    expect((await submitModal(t, APPROVER, await openedView(t, triggerId))).status).toBe(200);

    const dm = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === REQUESTER && String(c.args.text).includes(id),
    );
    expect(String(dm.args.text)).toContain('is done');
    await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0NOTIFY' && String(c.args.text).includes(id),
    );
    expect(await storedRequest(t, id)).toMatchObject({ status: 'succeeded', decidedBy: APPROVER });
    expect(accountsNamed(fake, person.username)).toBe(1);
    expect(await auditTrail(t, id)).toEqual([
      `request:pending:${REQUESTER}`,
      `decision:approved:${APPROVER}`,
      `execution:started:${APPROVER}`,
      'execution:succeeded:system',
    ]);
    const updates = t.slack.callsTo('chat.update').filter((c) => c.args.ts === cardTs(card));
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((c) => c.status === 500)).toBe(true);
    expect(logsAbout(id).some((r) => r.msg === 'could not update the approval card')).toBe(true);

    // Slack is back: a click on the stale card says it is decided and redraws it.
    t.slack.clearFaults();
    await clickCard(t, APPROVER2, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const told = await t.slack.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === APPROVER2 && String(c.args.text).includes(id),
    );
    expectHumane(String(told.args.text));
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(accountsNamed(fake, person.username)).toBe(1);
    expect(t.leakedSecrets()).toEqual([]);
  });
});
