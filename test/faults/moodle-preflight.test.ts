// Moodle faults during the pre-flight look-up of /moodle-adduser (text) with a derived username, end to end through
// the real app over signed HTTP: nothing is stored and the person is told to try again (the cases with Moodle down
// throughout a create are in moodle-direct.test.ts, split off to keep each file short).
// Look-ups are retried by the client, so every fault here stays on for all calls until the reply. One app per file.
import { describe, expect, it } from 'vitest';
import { ADMIN, APPROVER } from '../e2e/approval-helpers.js';
import type { TestApp } from '../e2e/harness.js';
import type { FakeMoodle, FakeMoodleFault } from '../fakes/fake-moodle/index.js';
import { accountsNamed, addUserReply, expectHumane, expectServing, freshPerson, useFaultRig } from './fault-helpers.js';

let fake: FakeMoodle;
let t: TestApp;
useFaultRig({ SLACK_APPROVERS: `${APPROVER},${ADMIN}`, SLACK_ADMINS: ADMIN }, (rig) => {
  ({ fake, t } = rig);
});

const addUser = (text: string, userId = ADMIN) => addUserReply(t, text, userId);

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
