// Look-ups by people (issue "Security and privacy hardening", points 1, 2 and 6), below Slack: the real client
// against the fake Moodle, an in-memory store. Typed wildcards match literally, a plain requester reads only the
// summary of an account, every look-up is audited, and an ID number clash is refused like a username clash.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { type AccountService, createAccountService } from '../../src/core/accounts.js';
import { createManualClock } from '../../src/core/clock.js';
import { createPermissions } from '../../src/core/permissions.js';
import { createProvisioningService, type ProvisioningService } from '../../src/core/provisioning.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { Store } from '../../src/core/store.js';
import { createMoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/index.js';
import { type FakeMoodle, usernamesHandedOut } from '../fakes/fake-moodle/index.js';
import { fakeMoodleForFile } from '../fakes/fake-moodle-per-file.js';
import { silentNotifier } from './core-doubles.js';

const REQUESTER = 'U0REQUESTER';
const APPROVER = 'U0APPROVER';
const ADMIN = 'U0ADMIN';

const roles: Config['roles'] = {
  requesters: [REQUESTER, APPROVER, ADMIN].map((id) => ({ kind: 'user' as const, id })),
  approvers: [{ kind: 'user', id: APPROVER }],
  admins: [{ kind: 'user', id: ADMIN }],
};

let fake: FakeMoodle;
let store: Store;
let client: ReturnType<typeof createMoodleClient>;
let provisioning: ProvisioningService;
let accounts: AccountService;
let ids: { alice: number; bob: number };
const clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));

fakeMoodleForFile((started) => {
  fake = started;
});
beforeEach(async () => {
  ids = fake.site.seedRecordingUsers();
  Object.assign(fake.site.getUser(ids.bob) ?? {}, {
    idnumber: 'S-1001',
    phone1: '+44 113 496 0000',
    institution: 'Leeds High',
  });
  store = await openStore('sqlite::memory:');
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 2000, readRetries: 0 });
  // Roles by user id only: the Slack directory is never asked.
  const directory = { getUser: () => Promise.reject(new Error('unused')), getGroupMembers: async () => [] };
  const permissions = createPermissions(roles, directory, { clock });
  const requests = createRequestService({ store, clock, ttlHours: 72 });
  const notifier = silentNotifier();
  const settings = {
    approvalRequired: new Set(['delete'] as const),
    passwordMode: 'email' as const,
    allowedAuth: ['manual'],
    defaultAuth: 'manual',
    protectedUsers: [],
    moodleUrl: fake.url,
  };
  provisioning = createProvisioningService({
    gateway: client,
    requests,
    store,
    permissions,
    notifier,
    clock,
    settings,
  });
  accounts = createAccountService({
    gateway: client,
    store,
    requests,
    provisioning,
    permissions,
    clock,
    config: { allowedAuth: ['manual'], defaultAuth: 'manual', protectedUsers: [], moodle: { url: fake.url } },
  });
});
afterEach(async () => {
  await client.close();
  await store.close();
});

/** The usernames Moodle handed out in its look-up answers since call `from`. */
const handedOut = (from: number) => usernamesHandedOut(fake.calls.slice(from));

const lookups = async () => (await store.listAudit()).filter((e) => e.kind === 'lookup');

describe('show: literal look-ups', () => {
  it('show %@% finds nothing, and Moodle hands out no account', async () => {
    const from = fake.calls.length;
    const shown = await accounts.show(REQUESTER, '%@%');
    expect(shown.kind).toBe('not_found');
    expect(handedOut(from)).toEqual([]);
    expect(await accounts.show(REQUESTER, 'email:gt\\_bob@example.com')).toMatchObject({ kind: 'not_found' });
  });

  it('too many accounts behind one email is refused, not shown, and audited as too_broad', async () => {
    fake.site.settings.allowaccountssameemail = true;
    for (let i = 0; i < 11; i++) {
      fake.site.addUser({ username: `twin${i}`, firstname: 'T', lastname: `${i}`, email: 'twin@example.org' });
    }
    const shown = await accounts.show(APPROVER, 'twin@example.org');
    expect(shown).toMatchObject({ kind: 'unavailable', message: expect.stringContaining('more accounts (11)') });
    expect((await lookups()).map((e) => [e.actor, e.outcome])).toEqual([[APPROVER, 'too_broad']]);
  });
});

describe('show: least privilege', () => {
  it('a plain requester gets the summary only: no email, ID number, phone, institution or access times', async () => {
    const shown = await accounts.show(REQUESTER, 'gt_bob');
    if (shown.kind !== 'found') throw new Error(shown.kind);
    expect(shown.view.detail).toBe('summary');
    expect(Object.keys(shown.view.user).sort()).toEqual(
      ['fullname', 'firstname', 'id', 'lastname', 'suspended', 'username'].sort(),
    );
    expect(JSON.stringify(shown)).not.toMatch(/gt_bob@example\.com|S-1001|\+44|Leeds High|lastaccess/);
  });

  it('approvers and admins get the whole account', async () => {
    for (const reader of [APPROVER, ADMIN]) {
      const shown = await accounts.show(reader, 'gt_bob');
      if (shown.kind !== 'found') throw new Error(shown.kind);
      expect(shown.view).toMatchObject({
        detail: 'full',
        user: { email: 'gt_bob@example.com', idnumber: 'S-1001', phone1: '+44 113 496 0000' },
      });
    }
  });

  it('several matches are listed without contact details, whoever asks', async () => {
    fake.site.settings.allowaccountssameemail = true;
    fake.site.addUser({ username: 'gt_bob2', firstname: 'Bob', lastname: 'Two', email: 'GT_BOB@example.com' });
    const shown = await accounts.show(APPROVER, 'gt_bob@example.com');
    if (shown.kind !== 'ambiguous') throw new Error(shown.kind);
    expect(shown.users.map((u) => u.username)).toEqual(['gt_bob', 'gt_bob2']);
    expect(JSON.stringify(shown.users)).not.toContain('@');
  });

  it('every look-up by a person is audited: who, which account, when, what was typed', async () => {
    await accounts.show(REQUESTER, 'gt_bob');
    await accounts.show(APPROVER, 'nobody.here');
    await accounts.requestSuspension({ userId: REQUESTER }, 'gt_alice', 'suspend');
    const events = await lookups();
    expect(
      events.map((e) => ({ actor: e.actor, outcome: e.outcome, moodleId: e.target.moodleId, detail: e.detail })),
    ).toEqual([
      { actor: REQUESTER, outcome: 'found', moodleId: ids.bob, detail: 'show: username "gt_bob"' },
      { actor: APPROVER, outcome: 'not_found', moodleId: undefined, detail: 'show: username "nobody.here"' },
      { actor: REQUESTER, outcome: 'found', moodleId: ids.alice, detail: 'suspend: username "gt_alice"' },
    ]);
    expect(events[0]?.at).toEqual(clock.now());
    expect(events[0]?.target.username).toBe('gt_bob');
  });
});

describe('create pre-flight', () => {
  const person = { email: 'new.teacher@example.org', firstname: 'New', lastname: 'Teacher' };

  it('a typed %_%@example.com matches no one: the request goes ahead and Moodle handed out nobody', async () => {
    const from = fake.calls.length;
    const outcome = await provisioning.submitCreate(
      { userId: REQUESTER },
      { ...person, username: 'pct', email: '%_%@example.com' },
    );
    expect(outcome.kind).toBe('pending');
    expect(handedOut(from)).toEqual([]);
  });

  it('refuses an ID number another account has, naming it', async () => {
    const outcome = await provisioning.submitCreate({ userId: REQUESTER }, { ...person, idnumber: 'S-1001' });
    if (outcome.kind !== 'exists') throw new Error(outcome.kind);
    expect(outcome.conflicts).toEqual([{ moodleId: ids.bob, username: 'gt_bob', matchedOn: 'idnumber' }]);
    expect(outcome.message).toContain(`The ID number is already used by Moodle account gt_bob (id ${ids.bob}`);
    expect(await store.listRequests({ limit: 10 })).toEqual([]);
    expect((await lookups()).map((e) => [e.actor, e.outcome, e.target.moodleId, e.detail])).toEqual([
      [REQUESTER, 'exists', ids.bob, 'create: same idnumber'],
    ]);
  });

  it('"already exists" shows the other account’s email to approvers, not to a plain requester', async () => {
    const clash = { ...person, username: 'gt_bob' };
    const plain = await provisioning.submitCreate({ userId: REQUESTER }, clash);
    expect(plain).toMatchObject({ kind: 'exists', conflicts: [{ username: 'gt_bob', matchedOn: 'username' }] });
    expect(JSON.stringify(plain)).not.toContain('gt_bob@example.com');
    const approver = await provisioning.submitCreate({ userId: APPROVER }, clash);
    expect(approver).toMatchObject({ kind: 'exists', conflicts: [{ email: 'gt_bob@example.com' }] });
  });

  it('an ID number clash that appears before approval stops the execution too', async () => {
    const outcome = await provisioning.submitCreate({ userId: REQUESTER }, { ...person, idnumber: 'S-2002' });
    if (outcome.kind !== 'pending') throw new Error(outcome.kind);
    Object.assign(fake.site.getUser(ids.alice) ?? {}, { idnumber: 'S-2002' });
    const decided = await provisioning.approve(outcome.request.id, APPROVER);
    expect(decided).toMatchObject({ kind: 'failed', failure: { code: 'already_exists' } });
    expect(fake.site.findUser('new.teacher')).toBeUndefined();
  });
});

describe('update: ID number clash', () => {
  it('refuses changing the ID number to one another account has', async () => {
    const planned = await accounts.planUpdate({ userId: REQUESTER }, 'gt_alice', { idnumber: 'S-1001' });
    expect(planned).toMatchObject({
      kind: 'problems',
      problems: [
        { field: 'idnumber', message: expect.stringContaining('The ID number S-1001 is already used by gt_bob') },
      ],
    });
    const free = await accounts.planUpdate({ userId: REQUESTER }, 'gt_alice', { idnumber: 'S-3003' });
    expect(free).toMatchObject({ kind: 'planned' });
  });
});
