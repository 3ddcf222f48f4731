// Moodle faults during an admin's direct create (/moodle-adduser as text) and during the pre-flight look-up, end to
// end through the real app over signed HTTP. For each fault: the admin is told in words what happened and what to
// do; the request is stored as failed with a Retry button on its card (or, when Moodle committed but the answer was
// lost, the account is found and reported as created); Retry then creates exactly one account; the process keeps
// serving. One app, one fake Moodle (behind a proxy that aims a fault at one function) for the file.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { ADMIN, APPROVER, cardTs, clickCard, waitForCard } from '../e2e/approval-helpers.js';
import type { TestApp } from '../e2e/harness.js';
import type { FakeMoodle, FakeMoodleFault } from '../fakes/fake-moodle/index.js';
import {
  accountsNamed,
  addUserReply,
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
useFaultRig({ SLACK_APPROVERS: `${APPROVER},${ADMIN}`, SLACK_ADMINS: ADMIN }, (rig) => {
  ({ fake, proxy, t } = rig);
});

const addUser = (text: string, userId = ADMIN) => addUserReply(t, text, userId);

// The fault, and words the admin must read. None of these runs the function except truncated and reset.
const NOT_COMMITTED: Array<[string, FakeMoodleFault, RegExp]> = [
  ['refuse', 'refuse', /reset|refused|closed/i],
  ['hang', 'hang', new RegExp(`did not answer within ${FAST_MOODLE_TIMEOUT_MS} ms`)],
  ['HTTP 500', { status: 500 }, /Moodle answered 500/],
  ['HTTP 503', { status: 503 }, /maintenance/i],
  ['an HTML page', 'html', /HTML page/],
];

describe('a Moodle fault on the create call of an admin’s direct create', () => {
  it.each(NOT_COMMITTED)(
    '%s: told in words, stored as failed with Retry; Retry creates one account',
    async (_n, fault, words) => {
      const person = freshPerson('direct');
      proxy.armOn('core_user_create_users', fault);
      const reply = await addUser(addUserText(person));

      expectHumane(reply.text);
      expect(reply.text).toContain('Moodle did not create the account');
      expect(reply.text).toMatch(words);
      const id = requestIdIn(reply.text);
      expect(reply.text).toMatch(/retry/i);
      expect(accountsNamed(fake, person.username)).toBe(0);

      const failed = await storedRequest(t, id);
      expect(failed).toMatchObject({ status: 'failed', operation: 'create', target: { username: person.username } });
      expect(failed.result).toMatchObject({ ok: false });
      expect(await auditTrail(t, id)).toEqual([
        `request:approved:${ADMIN}`,
        `direct_execution:allowed:${ADMIN}`,
        `execution:started:${ADMIN}`,
        'execution:failed:system',
      ]);

      // A failed direct create must still be retryable from Slack: its card, with Retry, is in the approval channel.
      const card = await cardOf(t, id);
      expect(JSON.stringify(card.args.blocks)).toContain(ACTION_IDS.retryRequestButton);
      expectHumane(visibleText(card.args.blocks));
      await expectServing(t);

      await clickCard(t, APPROVER, ACTION_IDS.retryRequestButton, failed, cardTs(card));
      await waitForCard(t, cardTs(card), 'succeeded');
      expect(accountsNamed(fake, person.username)).toBe(1);
      // The faulted call (a refused connection never reaches Moodle's log) and the retry's.
      expect(createCalls(fake, person.username)).toBe(fault === 'refuse' ? 1 : 2);
      expect((await storedRequest(t, id)).status).toBe('succeeded');
      const audit = await auditTrail(t, id);
      expect(audit).toContain(`retry:retried:${APPROVER}`);
      expect(audit.slice(-2)).toEqual([`execution:started:${APPROVER}`, 'execution:succeeded:system']);
    },
  );

  it.each([
    ['truncated JSON', 'truncated' as const],
    ['a connection reset mid-answer', 'reset' as const],
  ])(
    '%s after Moodle committed: the account is found and reported as created, never created twice',
    async (_n, fault) => {
      const person = freshPerson('lost');
      proxy.armOn('core_user_create_users', fault);
      const reply = await addUser(addUserText(person));

      expectHumane(reply.text);
      expect(reply.text).toContain(`Created the Moodle account ${person.username}`);
      const user = fake.site.findUser(person.username);
      expect(user).toBeDefined();
      expect(reply.text).toContain(`id ${user?.id}`);
      expect(accountsNamed(fake, person.username)).toBe(1);
      expect(createCalls(fake, person.username)).toBe(1);

      const [request] = await t.application.deps.listenerDeps.store.listRequests({ requester: ADMIN, limit: 1 });
      expect(request).toMatchObject({ status: 'succeeded', target: { username: person.username } });
      expect(request?.result).toMatchObject({ ok: true, moodleId: user?.id });
      expect(await auditTrail(t, String(request?.id))).toEqual([
        `request:approved:${ADMIN}`,
        `direct_execution:allowed:${ADMIN}`,
        `execution:started:${ADMIN}`,
        'execution:succeeded:system',
      ]);
      await expectServing(t);
    },
  );

  it('after all of that, a plain create still succeeds at once', async () => {
    const person = freshPerson('after');
    const reply = await addUser(addUserText(person));
    expect(reply.text).toContain(`Created the Moodle account ${person.username}`);
    expect(createCalls(fake, person.username)).toBe(1);
    expect(t.leakedSecrets()).toEqual([]);
  });
});

describe('Moodle down during the pre-flight look-up as well', () => {
  it('with Moodle down throughout an admin’s create: failed, told why, the card offers Retry, Retry works', async () => {
    const person = freshPerson('down');
    fake.setFault({ status: 503 });
    const reply = await addUser(addUserText(person));
    fake.setFault(null);
    expectHumane(reply.text);
    expect(reply.text).toMatch(/maintenance/i);
    const id = requestIdIn(reply.text);
    const failed = await storedRequest(t, id);
    expect(failed.status).toBe('failed');
    expect(failed.preflight).toMatchObject({ checked: false });
    const card = await cardOf(t, id);
    await clickCard(t, APPROVER, ACTION_IDS.retryRequestButton, failed, cardTs(card));
    await waitForCard(t, cardTs(card), 'succeeded');
    expect(accountsNamed(fake, person.username)).toBe(1);
    // The refused attempt (503, not run) and the retry.
    expect(createCalls(fake, person.username)).toBe(2);
  });

  it('a requester whose pre-flight could not run gets a pending request whose card warns the approvers', async () => {
    const person = freshPerson('req');
    fake.setFault('hang');
    const reply = await addUser(addUserText(person), 'U0REQUESTER');
    fake.setFault(null);
    expectHumane(reply.text);
    const id = requestIdIn(reply.text);
    expect(reply.text).toContain('saved');
    expect(await storedRequest(t, id)).toMatchObject({ status: 'pending', preflight: { checked: false } });
    const card = await cardOf(t, id);
    expect(visibleText(card.args.blocks)).toContain('Could not check Moodle for existing accounts');
    expect(JSON.stringify(card.args.blocks)).toContain(ACTION_IDS.approveRequestButton);
  });
});
