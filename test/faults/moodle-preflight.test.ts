// Moodle faults during the pre-flight look-up of /moodle-adduser (text), end to end through the real app over signed
// HTTP: with a derived username nothing is stored and the person is told to try again; with Moodle down throughout
// an admin's create the request fails retryably; a requester's request is stored pending with a warning on its card.
// Look-ups are retried by the client, so every fault here stays on for all calls until the reply. One app per file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { ADMIN, APPROVER, cardTs, clickCard, SLACK_USERS, waitForCard } from '../e2e/approval-helpers.js';
import { startTestApp, type TestApp } from '../e2e/harness.js';
import { type FakeMoodle, type FakeMoodleFault, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import {
  accountsNamed,
  addUserText,
  createCalls,
  expectHumane,
  expectServing,
  FAST_MOODLE_TIMEOUT_MS,
  freshPerson,
  requestIdIn,
  storedRequest,
  visibleText,
} from './fault-helpers.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

let fake: FakeMoodle;
let proxy: FaultProxy;
let t: TestApp;

beforeAll(async () => {
  fake = await startFakeMoodle();
  proxy = await startFaultProxy(fake);
  t = await startTestApp({
    moodleUrl: proxy.url,
    env: {
      MOODLE_TOKEN: fake.token,
      MOODLE_TIMEOUT_MS: FAST_MOODLE_TIMEOUT_MS,
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
    },
    slack: { users: SLACK_USERS },
  });
});
afterAll(async () => {
  await t?.stop();
  await proxy?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.setFault(null);
  proxy.disarm();
});

async function addUser(text: string, userId = ADMIN) {
  const result = await t.command('/moodle-adduser', text, { userId });
  expect(result.ack.status).toBe(200);
  const post = await result.waitForResponse(6_000);
  expect(post.body.response_type).toBe('ephemeral');
  return { body: post.body, text: visibleText(post.body) };
}

/** The card the app posted for a request, by its id in the card's text. */
function cardOf(id: string) {
  return t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(id),
    4_000,
  );
}

const READ_FAULTS: Array<[string, FakeMoodleFault]> = [
  ['refuse', 'refuse'],
  ['hang', 'hang'],
  ['HTTP 500', { status: 500 }],
  ['HTTP 503', { status: 503 }],
  ['an HTML page', 'html'],
  ['truncated JSON', 'truncated'],
  ['a connection reset', 'reset'],
];

describe('a Moodle fault during the pre-flight look-up', () => {
  it.each(READ_FAULTS)(
    '%s with a derived username: nothing stored, the person is told to try again',
    async (_n, fault) => {
      const person = freshPerson('pre');
      const before = (await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 })).length;
      fake.setFault(fault);
      const reply = await addUser(`${person.email} ${person.firstname} ${person.lastname}`, ADMIN);
      fake.setFault(null);

      expectHumane(reply.text);
      expect(reply.text).toContain('Moodle could not be checked');
      expect(reply.text).toMatch(/try again|check|MOODLE_/i);
      expect(accountsNamed(fake, person.username)).toBe(0);
      expect((await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 })).length).toBe(before);
      await expectServing(t);

      const again = await addUser(`${person.email} ${person.firstname} ${person.lastname}`, ADMIN);
      expect(again.text).toContain(`Created the Moodle account ${person.username}`);
    },
  );

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
    const card = await cardOf(id);
    await clickCard(t, APPROVER, ACTION_IDS.retryRequestButton, failed, cardTs(card));
    await waitForCard(t, cardTs(card), 'succeeded', 6_000);
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
    const card = await cardOf(id);
    expect(visibleText(card.args.blocks)).toContain('Could not check Moodle for existing accounts');
    expect(JSON.stringify(card.args.blocks)).toContain(ACTION_IDS.approveRequestButton);
  });
});
