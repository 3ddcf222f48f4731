// Moodle faults during the pre-flight look-up of /moodle-adduser (text) with a derived username, end to end through
// the real app over signed HTTP: nothing is stored and the person is told to try again (the cases with Moodle down
// throughout a create are in moodle-direct.test.ts, split off to keep each file short).
// Look-ups are retried by the client, so every fault here stays on for all calls until the reply. One app per file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, SLACK_USERS } from '../e2e/approval-helpers.js';
import { startTestApp, type TestApp } from '../e2e/harness.js';
import { type FakeMoodle, type FakeMoodleFault, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import {
  accountsNamed,
  expectHumane,
  expectServing,
  FAST_MOODLE_TIMEOUT_MS,
  freshPerson,
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
function _cardOf(id: string) {
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
});
