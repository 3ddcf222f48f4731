// Look-ups end to end over signed HTTP (issue "Security and privacy hardening", points 1, 2 and 6): typed LIKE
// wildcards match literally so Moodle hands out no other account, a plain requester reads no contact details while
// an approver does, every look-up is in the audit log, and /moodle-adduser refuses an ID number another account has.
import { beforeEach, describe, expect, it } from 'vitest';
import { type FakeMoodle, usernamesHandedOut } from '../fakes/fake-moodle/index.js';
import { ADMIN, APPROVER, appForFile, REQUESTER, startAppWithMoodle } from './approval-helpers.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;
let bob: number;

appForFile(
  () =>
    startAppWithMoodle({
      SLACK_REQUESTERS: 'everyone',
      SLACK_APPROVERS: APPROVER,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'create,delete',
    }),
  (app) => {
    ({ fake, t } = app);
  },
);
beforeEach(() => {
  fake.reset();
  ({ bob } = fake.site.seedRecordingUsers());
  Object.assign(fake.site.getUser(bob) ?? {}, {
    idnumber: 'S-1001',
    phone1: '+44 113 496 0000',
    address: '1 Park Lane',
    institution: 'Leeds High',
  });
});

async function run(command: '/moodle-user' | '/moodle-adduser', text: string, userId: string) {
  const result = await t.command(command, text, { userId });
  expect(result.ack.status).toBe(200);
  const post = await result.waitForResponse();
  return { text: String(post.body.text), all: JSON.stringify(post.body) };
}

/** The usernames Moodle handed out in its look-up answers since call `from`. */
const handedOut = (from: number) => usernamesHandedOut(fake.calls.slice(from));

const store = () => t.application.deps.listenerDeps.store;
const CONTACT = ['gt_bob@example.com', 'S-1001', '+44 113 496 0000', '1 Park Lane', 'Leeds High'];

describe('look-ups match literally', () => {
  it('/moodle-user show %@% by a requester shows no account, and Moodle hands out none', async () => {
    const from = fake.calls.length;
    const reply = await run('/moodle-user', 'show %@%', REQUESTER);
    expect(reply.text).toContain('No Moodle account has the email "%@%"');
    expect(handedOut(from)).toEqual([]);
    expect(reply.all).not.toContain('gt_alice');
  });
});

describe('least privilege for reading', () => {
  it('a requester sees that the account exists, its username, name and status, and no contact details', async () => {
    const reply = await run('/moodle-user', 'show gt_bob', REQUESTER);
    expect(reply.all).toContain('Bob Brown');
    expect(reply.all).toContain('*Username*\\ngt_bob (id ');
    expect(reply.all).toContain('*Status*\\nActive');
    for (const hidden of CONTACT) expect(reply.all).not.toContain(hidden);
    expect(reply.all).not.toContain('Last access');
  });

  it('an approver and an admin see the whole account', async () => {
    for (const reader of [APPROVER, ADMIN]) {
      const reply = await run('/moodle-user', 'show gt_bob', reader);
      for (const shown of CONTACT) expect(reply.all).toContain(shown);
    }
  });

  it('"already exists" shows a requester the account but not its email', async () => {
    const reply = await run('/moodle-adduser', 'username=gt_bob new.person@example.org New Person', REQUESTER);
    expect(reply.all).toContain('already has an account');
    expect(reply.all).toContain('gt_bob');
    expect(reply.all).not.toContain('gt_bob@example.com');
    const approver = await run('/moodle-adduser', 'username=gt_bob new.person@example.org New Person', APPROVER);
    expect(approver.all).toContain('gt_bob@example.com');
  });

  it('the audit log has every look-up: who, which account, when', async () => {
    const before = (await store().listAudit()).length;
    await run('/moodle-user', 'show gt_bob', REQUESTER);
    await run('/moodle-user', 'show nobody.here', APPROVER);
    const events = (await store().listAudit()).slice(before).filter((e) => e.kind === 'lookup');
    expect(events.map((e) => [e.actor, e.outcome, e.target.moodleId, e.target.username])).toEqual([
      [REQUESTER, 'found', bob, 'gt_bob'],
      [APPROVER, 'not_found', undefined, undefined],
    ]);
    expect(events[0]?.detail).toBe('show: username "gt_bob"');
    expect(events[0]?.at.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('ID numbers', () => {
  it('/moodle-adduser refuses an ID number another account has, names it, and stores nothing', async () => {
    const requests = (await store().listRequests({ limit: 1000 })).length;
    const reply = await run('/moodle-adduser', 'new.teacher@example.org New Teacher idnumber=S-1001', REQUESTER);
    expect(reply.all).toContain('already has an account');
    expect(reply.all).toContain('gt_bob');
    expect(reply.all).toContain('same ID number');
    expect((await store().listRequests({ limit: 1000 })).length).toBe(requests);
    expect(fake.calls.filter((c) => c.wsfunction === 'core_user_create_users')).toHaveLength(0);
  });

  it('/moodle-user update refuses changing the ID number to another account’s', async () => {
    const reply = await run('/moodle-user', 'update gt_alice idnumber=S-1001', REQUESTER);
    expect(reply.all).toContain('The ID number S-1001 is already used by gt_bob');
    expect(fake.calls.filter((c) => c.wsfunction === 'core_user_update_users')).toHaveLength(0);
  });
});
