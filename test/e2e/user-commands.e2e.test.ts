// /moodle-user show, update (text), suspend and unsuspend end to end over signed HTTP against the fake Slack and the
// fake Moodle: look-ups by username, email and id; changes stored for approval or executed directly for an admin;
// clashes and protected accounts refused before anything is stored; Moodle's update warnings shown in words.
import { describe, expect, it } from 'vitest';
import { ACTION_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { ADMIN, APPROVER, appForFile, REQUESTER, STRANGER, startAppWithMoodle } from './approval-helpers.js';
import { blockKitProblemsReceived } from './block-kit-received.js';
import type { TestApp } from './harness.js';

let fake: FakeMoodle;
let t: TestApp;
let counter = 0;

appForFile(
  async () => {
    const app = await startAppWithMoodle({
      SLACK_REQUESTERS: `${REQUESTER},${APPROVER},${ADMIN}`,
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'create,delete',
      PROTECTED_USERS: 'keepme',
    });
    app.fake.site.seedRecordingUsers();
    app.fake.site.addUser({ username: 'keepme', firstname: 'Keep', lastname: 'Me', email: 'keepme@example.org' });
    return app;
  },
  (app) => {
    ({ fake, t } = app);
  },
);

/** A fresh Moodle account for one test. */
function person(overrides: { email?: string } = {}) {
  counter += 1;
  const username = `pat${counter}`;
  const email = overrides.email ?? `${username}@example.org`;
  const id = fake.site.addUser({ username, firstname: 'Pat', lastname: `Tester${counter}`, email, city: 'Leeds' });
  return { id, username, email };
}

async function run(text: string, userId = REQUESTER) {
  const result = await t.command('/moodle-user', text, { userId });
  expect(result.ack.status).toBe(200);
  const post = await result.waitForResponse();
  return { text: String(post.body.text), all: JSON.stringify(post.body), body: post.body };
}

async function requestCount(): Promise<number> {
  return (await t.application.deps.listenerDeps.store.listRequests({ limit: 1000 })).length;
}

function updateCalls(): number {
  return fake.calls.filter((c) => c.wsfunction === 'core_user_update_users').length;
}

describe('show', () => {
  it('shows an approver the account by username privately, with state, auth, last access and the profile link; no secrets', async () => {
    const p = person();
    // A plain requester sees less (test/e2e/lookups.e2e.test.ts).
    const reply = await run(`show ${p.username}`, APPROVER);
    expect(reply.body.response_type).toBe('ephemeral');
    expect(reply.all).toContain(`Pat Tester`);
    expect(reply.all).toContain(p.email);
    expect(reply.all).toContain('*Status*\\nActive');
    expect(reply.all).toContain('*Signs in with*\\nMoodle login');
    expect(reply.all).toContain('*Last access*\\nNever');
    expect(reply.all).toContain(`${fake.url}/user/profile.php?id=${p.id}`);
    const stored = fake.site.getUser(p.id);
    expect(reply.all).not.toContain(String(stored?.privateaccesskey));
    expect(reply.all.toLowerCase()).not.toContain('password');
  });

  it('finds by email in another case, and by id', async () => {
    const p = person();
    expect((await run(`show ${p.email.toUpperCase()}`)).all).toContain(`id ${p.id}`);
    expect((await run(`show ${p.id}`)).all).toContain(p.username);
    // Slack sends a typed email as a mailto link.
    expect((await run(`show <mailto:${p.email}|${p.email}>`)).all).toContain(p.username);
  });

  it('lists the accounts that share an email and asks for the username', async () => {
    fake.site.settings.allowaccountssameemail = true;
    const a = person({ email: 'shared@example.org' });
    const b = person({ email: 'Shared@Example.org' });
    const reply = await run('show shared@example.org');
    expect(reply.text).toContain('2 Moodle accounts share the email');
    expect(reply.all).toContain(a.username);
    expect(reply.all).toContain(b.username);
    expect(reply.text).toContain('username');
    fake.site.settings.allowaccountssameemail = false;
  });

  it('says when no account matches, and how to use the command without an account', async () => {
    expect((await run('show nobody.here')).text).toContain('No Moodle account has the username "nobody.here"');
    expect((await run('show')).text).toContain('/moodle-user show &lt;username | email | id&gt;');
  });

  it('is for requesters only', async () => {
    const reply = await run('show gt_bob', STRANGER);
    expect(reply.all).not.toContain('gt_bob@example.com');
    // Who can help, by mention; never the name of a setting.
    expect(reply.all).toContain('You need to be a requester');
    expect(reply.all).toContain(`<@${ADMIN}>`);
    expect(reply.all).not.toContain('SLACK_');
  });
});

describe('update by text', () => {
  it('stores only the changed fields for approval; the card shows before → after; Moodle is not called yet', async () => {
    const p = person();
    const calls = updateCalls();
    const reply = await run(`update ${p.username} city="New York" firstname=Pat reason="moved"`);
    const id = /R-[A-Z0-9]{6}/.exec(reply.text)?.[0];
    expect(id, reply.text).toBeDefined();
    expect(reply.text).toContain('waiting for an approver');
    const request = await t.application.deps.listenerDeps.store.getRequest(String(id));
    expect(request?.payload).toEqual({
      operation: 'update',
      changes: [{ field: 'city', before: 'Leeds', after: 'New York' }],
    });
    expect(request?.target).toEqual({ moodleId: p.id, username: p.username, email: p.email });
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(String(id)),
    );
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain('Leeds → New York');
    expect(blocks).toContain('moved');
    expect(blocks).toContain(ACTION_IDS.approveRequestButton);
    expect(updateCalls()).toBe(calls);
  });

  it('lists every problem with the typed fields and stores nothing', async () => {
    const p = person();
    const before = await requestCount();
    const reply = await run(`update ${p.username} email=bad country=Narnia citty=York`);
    expect(reply.all).toContain('did you mean city?');
    const reply2 = await run(`update ${p.username} email=bad country=Narnia`);
    expect(reply2.all).toContain('is not valid');
    expect(reply2.all).toContain('Narnia');
    expect(await requestCount()).toBe(before);
  });

  it('says when nothing would change', async () => {
    const p = person();
    expect((await run(`update ${p.username} city=Leeds`)).text).toContain('Nothing to change');
  });

  it('refuses a rename onto an existing username before anything is stored or sent', async () => {
    const p = person();
    const before = await requestCount();
    const calls = updateCalls();
    const reply = await run(`update ${p.username} username=gt_alice`);
    expect(reply.all).toContain('The username gt_alice is already used by gt_alice');
    expect(await requestCount()).toBe(before);
    expect(updateCalls()).toBe(calls);
  });

  it('refuses an email change onto an existing email (another case) before approval', async () => {
    const p = person();
    const before = await requestCount();
    const calls = updateCalls();
    const reply = await run(`update ${p.username} email=GT_Bob@Example.com`, ADMIN);
    expect(reply.all).toContain('is already used by gt_bob');
    expect(await requestCount()).toBe(before);
    expect(updateCalls()).toBe(calls);
  });

  it('renames and changes the email directly for an admin when update needs no approval', async () => {
    const p = person();
    const reply = await run(`update ${p.id} username=${p.username}.renamed email=${p.username}.new@example.org`, ADMIN);
    expect(reply.text).toContain('Done');
    const stored = fake.site.getUser(p.id);
    expect(stored?.username).toBe(`${p.username}.renamed`);
    expect(stored?.email).toBe(`${p.username}.new@example.org`);
    const call = fake.calls.findLast((c) => c.wsfunction === 'core_user_update_users');
    // Only the changed fields (and the id) are sent.
    expect(
      Object.keys(call?.params ?? {})
        .filter((k) => k.startsWith('users[0]'))
        .sort(),
    ).toEqual(['users[0][email]', 'users[0][id]', 'users[0][username]']);
  });

  it('shows Moodle’s refusal in words: an admin account cannot be updated (usernotupdatedadmin)', async () => {
    const reply = await run('update admin firstname=Hacked', ADMIN);
    expect(reply.text).toContain('site administrators can only be changed by a site administrator');
    expect(fake.site.findUser('admin')?.firstname).toBe('Admin');
  });
});

describe('suspend and unsuspend', () => {
  it('an admin suspends directly (reason in the audit) and unsuspends; Moodle’s flag follows', async () => {
    const p = person();
    const reply = await run(`suspend ${p.username} reason="left the school"`, ADMIN);
    expect(reply.text).toContain(`Done: ${p.username} (id ${p.id}) was suspended`);
    expect(fake.site.getUser(p.id)?.suspended).toBe(true);
    const id = /R-[A-Z0-9]{6}/.exec(reply.text)?.[0];
    const audit = await t.application.deps.listenerDeps.store.listAudit();
    expect(audit.find((e) => e.requestId === id && e.kind === 'request')?.detail).toBe('Reason: left the school');

    expect((await run(`suspend ${p.username}`, ADMIN)).text).toContain('already suspended');
    expect((await run(`show ${p.username}`)).all).toContain('Suspended');

    const back = await run(`unsuspend ${p.username}`, ADMIN);
    expect(back.text).toContain('was unsuspended');
    expect(fake.site.getUser(p.id)?.suspended).toBe(false);
  });

  it('a requester’s suspension waits for approval with the reason on the card; a second one is refused', async () => {
    const p = person();
    const reply = await run(`suspend ${p.username} reason="on leave"`);
    const id = /R-[A-Z0-9]{6}/.exec(reply.text)?.[0];
    expect(reply.text).toContain('waiting for an approver');
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(String(id)),
    );
    expect(JSON.stringify(card.args.blocks)).toContain('on leave');
    expect(fake.site.getUser(p.id)?.suspended).toBe(false);
    const again = await run(`suspend ${p.username}`);
    expect(again.text).toContain(`${id} already asks to suspend ${p.username}`);
  });

  it('refuses bad arguments with the usage', async () => {
    expect((await run('suspend')).text).toContain('Say which account to suspend');
    expect((await run('suspend gt_bob city=York')).all).toContain('Only reason=');
  });
});

describe('protected accounts', () => {
  it.each([
    ['the token’s own user', 'api-user', 'token belongs to'],
    ['the guest (by username)', 'guest', 'guest account'],
    ['the guest (by id)', '1', 'guest account'],
    ['PROTECTED_USERS', 'keepme', 'list of protected accounts'],
  ])('refuses to change %s before anything is stored', async (_what, ref, words) => {
    const before = await requestCount();
    const calls = updateCalls();
    const protectedRefusals = async () =>
      (await t.application.deps.listenerDeps.store.listAudit()).filter(
        (e) => e.kind === 'refusal' && e.outcome === 'protected',
      );
    const earlier = (await protectedRefusals()).length;
    for (const text of [`suspend ${ref}`, `update ${ref} city=York`, `unsuspend ${ref}`]) {
      const reply = await run(text, ADMIN);
      expect(reply.text).toContain(words);
    }
    expect(await requestCount()).toBe(before);
    expect(updateCalls()).toBe(calls);
    // Three refusals, each with the stable code and the sentence in the detail.
    const refusals = (await protectedRefusals()).slice(earlier);
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) expect(refusal.detail).toContain(words);
  });

  it('still shows a protected account, saying it is protected', async () => {
    expect((await run('show api-user')).all).toContain('token belongs to');
  });

  it('leaks no secret into the logs', () => {
    expect(t.leakedSecrets()).toEqual([]);
    expect(t.logs.some((l) => l.includes(fake.token))).toBe(false);
  });
});

it('every message, reply and view sent to Slack in this file passes the Block Kit check', async () => {
  expect(await blockKitProblemsReceived(t)).toEqual([]);
});
