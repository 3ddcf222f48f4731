// Moodle faults while an approved request is executed, end to end over signed HTTP: a requester asks with
// /moodle-adduser, an approver approves through the card's modal, and the one create call meets the fault. The
// approver and the requester are told in words; the card shows the failure with Retry; Retry creates exactly one
// account. When Moodle committed but the answer was lost (truncated, reset), the account is found, never created
// twice. One app, one fake Moodle (behind a proxy that aims the fault at the create call) for the file.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import {
  APPROVAL_ENV,
  APPROVER,
  APPROVER2,
  cardTs,
  clickCard,
  openedView,
  REQUESTER,
  submitModal,
  waitForCard,
} from '../e2e/approval-helpers.js';
import type { TestApp } from '../e2e/harness.js';
import type { FakeMoodle, FakeMoodleFault } from '../fakes/fake-moodle/index.js';
import {
  accountsNamed,
  addUserText,
  auditTrail,
  cardOf,
  createCalls,
  expectHumane,
  expectServing,
  FAST_MOODLE_TIMEOUT_MS,
  freshPerson,
  requestIdIn,
  storedRequest,
  useFaultRig,
  visibleText,
} from './fault-helpers.js';
import type { FaultProxy } from './fault-proxy.js';

let fake: FakeMoodle;
let proxy: FaultProxy;
let t: TestApp;
useFaultRig(APPROVAL_ENV, (rig) => {
  ({ fake, proxy, t } = rig);
});

/** A requester asks through Slack; returns the stored pending request and its card. */
async function askAndApprove(fault: FakeMoodleFault) {
  const person = freshPerson('appr');
  const asked = await t.command('/moodle-adduser', addUserText(person), { userId: REQUESTER });
  const id = requestIdIn(visibleText((await asked.waitForResponse()).body));
  const request = await storedRequest(t, id);
  expect(request.status).toBe('pending');
  const card = await cardOf(t, id);
  proxy.armOn('core_user_create_users', fault);
  const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
  const submitted = await submitModal(t, APPROVER, await openedView(t, triggerId));
  expect(submitted).toEqual({ status: 200, body: undefined });
  return { person, id, request, card };
}

function privateTo(user: string, includes: string) {
  return t.slack.waitForCall(
    'chat.postEphemeral',
    (c) => c.args.user === user && String(c.args.text).includes(includes),
  );
}

function dmTo(user: string, includes: string) {
  return t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === user && String(c.args.text).includes(includes),
  );
}

const NOT_COMMITTED: Array<[string, FakeMoodleFault, RegExp]> = [
  ['refuse', 'refuse', /reset|refused|closed/i],
  ['hang', 'hang', new RegExp(`did not answer within ${FAST_MOODLE_TIMEOUT_MS} ms`)],
  ['HTTP 500', { status: 500 }, /Moodle answered 500/],
  ['HTTP 503', { status: 503 }, /maintenance/i],
  ['an HTML page', 'html', /HTML page/],
];

describe('a Moodle fault on the create call of an approved request', () => {
  it.each(NOT_COMMITTED)(
    '%s: card failed with Retry, both people told; Retry creates one account',
    async (_n, fault, words) => {
      const { person, id, request, card } = await askAndApprove(fault);

      const failed = await waitForCard(t, cardTs(card), 'failed');
      const cardText = visibleText(failed.args.blocks);
      expectHumane(cardText);
      expect(cardText).toMatch(words);
      expect(JSON.stringify(failed.args.blocks)).toContain(ACTION_IDS.retryRequestButton);

      const approverTold = await privateTo(APPROVER, `\`${id}\``);
      expectHumane(String(approverTold.args.text));
      expect(String(approverTold.args.text)).toMatch(words);
      expect(String(approverTold.args.text)).toContain('is not done: Moodle refused it.');
      expect(String(approverTold.args.text)).toContain('Retry');
      const requesterTold = await dmTo(REQUESTER, id);
      expectHumane(String(requesterTold.args.text));
      // The requester gets plain words and what happens next; Moodle's detail stays with the approvers.
      expect(String(requesterTold.args.text)).toContain('it is not done yet');
      expect(String(requesterTold.args.text)).toMatch(/An approver will retry/);
      expect(String(requesterTold.args.text)).not.toContain('core_user_create_users');
      expect(String(requesterTold.args.text)).not.toMatch(/MOODLE_[A-Z]|HTTP|HTML/);

      expect(await storedRequest(t, id)).toMatchObject({ status: 'failed', result: { ok: false } });
      expect(accountsNamed(fake, person.username)).toBe(0);
      expect(await auditTrail(t, id)).toEqual([
        `request:pending:${REQUESTER}`,
        `decision:approved:${APPROVER}`,
        `execution:started:${APPROVER}`,
        'execution:failed:system',
      ]);
      await expectServing(t);

      await clickCard(t, APPROVER2, ACTION_IDS.retryRequestButton, request, cardTs(card));
      const done = await waitForCard(t, cardTs(card), 'succeeded');
      const user = fake.site.findUser(person.username);
      expect(visibleText(done.args.blocks)).toContain(`/user/profile.php?id=${user?.id}|Open in Moodle>`);
      expect(accountsNamed(fake, person.username)).toBe(1);
      // The faulted call (a refused connection never reaches Moodle's log) and the retry's.
      expect(createCalls(fake, person.username)).toBe(fault === 'refuse' ? 1 : 2);
      expect(await storedRequest(t, id)).toMatchObject({ status: 'succeeded', attempts: 2 });
      const audit = await auditTrail(t, id);
      expect(audit).toContain(`retry:retried:${APPROVER2}`);
      expect(audit.at(-1)).toBe('execution:succeeded:system');
    },
  );

  it.each([
    ['truncated JSON', 'truncated' as const],
    ['a connection reset mid-answer', 'reset' as const],
  ])('%s after Moodle committed: found by a look-up, card succeeded, one account, one call', async (_n, fault) => {
    const { person, id, card } = await askAndApprove(fault);
    const done = await waitForCard(t, cardTs(card), 'succeeded');
    const user = fake.site.findUser(person.username);
    expect(user).toBeDefined();
    expect(visibleText(done.args.blocks)).toContain(`/user/profile.php?id=${user?.id}|Open in Moodle>`);
    expect(accountsNamed(fake, person.username)).toBe(1);
    expect(createCalls(fake, person.username)).toBe(1);
    expect(await storedRequest(t, id)).toMatchObject({ status: 'succeeded', result: { ok: true, moodleId: user?.id } });
    expect(String((await dmTo(REQUESTER, id)).args.text)).toContain('is done');
    expect(await auditTrail(t, id)).toEqual([
      `request:pending:${REQUESTER}`,
      `decision:approved:${APPROVER}`,
      `execution:started:${APPROVER}`,
      'execution:succeeded:system',
    ]);
  });

  it('a fault during the look-up after a lost answer leaves the request failed as "uncertain"; Retry looks first', async () => {
    // Moodle commits, the answer is cut, and the look-up meant to settle it fails too (Moodle went down).
    const person = freshPerson('unsure');
    const asked = await t.command('/moodle-adduser', addUserText(person), { userId: REQUESTER });
    const id = requestIdIn(visibleText((await asked.waitForResponse()).body));
    const request = await storedRequest(t, id);
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id),
    );
    proxy.armOn('core_user_create_users', 'reset');
    const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
    const view = await openedView(t, triggerId);
    // Every call after the create fails until the card shows the failure.
    const watcher = setInterval(() => {
      if (
        fake.calls.some(
          (c) => c.wsfunction === 'core_user_create_users' && c.params['users[0][username]'] === person.username,
        )
      ) {
        fake.setFault({ status: 503 });
        clearInterval(watcher);
      }
    }, 1);
    try {
      await submitModal(t, APPROVER, view);
      const failed = await waitForCard(t, cardTs(card), 'failed');
      expect(visibleText(failed.args.blocks)).toContain('never does it twice');
    } finally {
      clearInterval(watcher);
      fake.setFault(null);
    }
    expect(await storedRequest(t, id)).toMatchObject({ status: 'failed', result: { ok: false, outcomeUnknown: true } });
    expect(accountsNamed(fake, person.username)).toBe(1);

    await clickCard(t, APPROVER2, ACTION_IDS.retryRequestButton, request, cardTs(card));
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(accountsNamed(fake, person.username)).toBe(1);
    expect(createCalls(fake, person.username)).toBe(1);
    expect(t.leakedSecrets()).toEqual([]);
  });
});
