// accounts.ts: how `<user>` is read and looked up (real Moodle client against the fake Moodle), which accounts are
// protected, and how an update becomes the changed fields only, checked for clashes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkUpdateCollisions, prepareUpdate } from '../../src/core/account-changes.js';
import { lookUpAccount, parseAccountRef } from '../../src/core/account-ref.js';
import { findChangeInFlight } from '../../src/core/accounts.js';
import type { MoodleGateway, MoodleUser } from '../../src/core/moodle-gateway.js';
import { createAccountGuard } from '../../src/core/protection.js';
import { createMoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { parseAccountArgs } from '../../src/slack/parse-account-args.js';
import { openStore } from '../../src/store/index.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';

let fake: FakeMoodle;
let gateway: MoodleGateway & { close(): Promise<void> };
let ids: { alice: number; bob: number; carol: number; dave: number };

beforeAll(async () => {
  fake = await startFakeMoodle();
  gateway = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 2_000 });
});
afterAll(async () => {
  await gateway.close();
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  ids = fake.site.seedRecordingUsers();
});

const OPTIONS = { allowedAuth: ['manual', 'oauth2'], defaultAuth: 'manual' };

function user(overrides: Partial<MoodleUser> = {}): MoodleUser {
  return {
    id: 50,
    username: 'jdoe',
    firstname: 'Jane',
    lastname: 'Doe',
    fullname: 'Jane Doe',
    email: 'jane@example.org',
    auth: 'manual',
    suspended: false,
    confirmed: true,
    city: 'Leeds',
    country: 'GB',
    ...overrides,
  };
}

describe('parseAccountRef', () => {
  it.each([
    ['42', { by: 'number', id: 42, username: '42' }],
    ['id:42', { by: 'id', id: 42 }],
    ['username:42', { by: 'username', username: '42' }],
    ['JDoe', { by: 'username', username: 'jdoe' }],
    ['  jdoe  ', { by: 'username', username: 'jdoe' }],
    ['Jane@Example.org', { by: 'email', email: 'Jane@Example.org' }],
    ['email:jane@example.org', { by: 'email', email: 'jane@example.org' }],
  ])('reads %j', (text, ref) => {
    expect(parseAccountRef(text)).toEqual({ ok: true, ref });
  });

  it('refuses an empty reference, a huge one and a bad id, with a sentence', () => {
    expect(parseAccountRef('   ')).toMatchObject({ ok: false, message: expect.stringContaining('username') });
    expect(parseAccountRef('x'.repeat(300)).ok).toBe(false);
    expect(parseAccountRef('id:abc')).toMatchObject({ ok: false, message: expect.stringContaining('not a Moodle') });
    expect(parseAccountRef('id:0').ok).toBe(false);
  });
});

describe('parseAccountArgs', () => {
  it('takes the account, fields and a quoted reason', () => {
    expect(
      parseAccountArgs('jdoe city="New York" username=jane.doe reason="married"', {
        allowFields: true,
        allowReason: true,
      }),
    ).toEqual({ user: 'jdoe', fields: { city: 'New York', username: 'jane.doe' }, reason: 'married', problems: [] });
  });

  it('decodes Slack’s mailto formatting of an email account', () => {
    expect(parseAccountArgs('<mailto:j@x.org|j@x.org>', { allowFields: false, allowReason: false }).user).toBe(
      'j@x.org',
    );
  });

  it('lists every problem: unknown key with a suggestion, duplicate, extra word, field where none is allowed', () => {
    const update = parseAccountArgs('jdoe citty=York city=A city=B extra', { allowFields: true, allowReason: true });
    expect(update.problems).toEqual([
      expect.stringContaining('did you mean city?'),
      'The key city is given more than once; give it once.',
      expect.stringContaining('"extra" is extra'),
    ]);
    const suspend = parseAccountArgs('jdoe city=York', { allowFields: false, allowReason: true });
    expect(suspend.problems).toEqual(['Only reason="..." can follow the account here, not city=.']);
    const del = parseAccountArgs('jdoe reason=x', { allowFields: false, allowReason: false });
    expect(del.problems).toEqual(['Nothing can follow the account here, not reason=.']);
  });
});

describe('prepareUpdate', () => {
  it('keeps only the fields whose value changes', () => {
    const prepared = prepareUpdate(user(), { city: 'Leeds', firstname: 'Janet', department: 'Maths' }, OPTIONS);
    expect(prepared).toEqual({
      ok: true,
      changes: [
        { field: 'firstname', before: 'Jane', after: 'Janet' },
        { field: 'department', before: '', after: 'Maths' },
      ],
    });
  });

  it('compares normalised values: a country name for the same code is no change', () => {
    expect(prepareUpdate(user(), { country: 'United Kingdom', lang: 'EN' }, OPTIONS)).toMatchObject({
      ok: true,
      changes: [{ field: 'lang', before: '', after: 'en' }],
    });
    expect(prepareUpdate(user(), { country: ' GB ' }, OPTIONS)).toEqual({
      ok: 'unchanged',
      message: 'Nothing to change: jdoe (Jane Doe, id 50) already has these values.',
    });
  });

  it('validates changed fields with the create rules and reports every problem', () => {
    const prepared = prepareUpdate(user(), { username: 'Jane Doe', email: 'not-an-email', firstname: '' }, OPTIONS);
    expect(prepared.ok).toBe(false);
    if (prepared.ok !== false) return;
    expect(prepared.problems.map((p) => p.field).sort()).toEqual(['email', 'firstname', 'username']);
  });

  it('clears an optional field with an empty value', () => {
    expect(prepareUpdate(user(), { city: '' }, OPTIONS)).toEqual({
      ok: true,
      changes: [{ field: 'city', before: 'Leeds', after: '' }],
    });
  });

  it('does not let an odd value already in Moodle block an unrelated edit', () => {
    const odd = user({ lang: 'EN-x!' });
    expect(prepareUpdate(odd, { lang: 'EN-x!', city: 'York' }, OPTIONS)).toMatchObject({
      ok: true,
      changes: [{ field: 'city', after: 'York' }],
    });
  });

  it('refuses a key that is not a field', () => {
    expect(prepareUpdate(user(), { password: 'x' }, OPTIONS)).toMatchObject({
      ok: false,
      problems: [{ field: 'password' }],
    });
  });
});

describe('lookUpAccount (against the fake Moodle)', () => {
  it('finds by username (any case), by email ignoring case, and by id', async () => {
    const byName = await lookUpAccount(gateway, { by: 'username', username: 'gt_bob' });
    expect(byName).toMatchObject({ kind: 'found', user: { id: ids.bob, username: 'gt_bob' } });
    const byEmail = await lookUpAccount(gateway, { by: 'email', email: 'GT_BOB@example.COM' });
    expect(byEmail).toMatchObject({ kind: 'found', user: { id: ids.bob } });
    const parsed = parseAccountRef(String(ids.carol));
    if (!parsed.ok) throw new Error('unreachable');
    expect(await lookUpAccount(gateway, parsed.ref)).toMatchObject({ kind: 'found', user: { username: 'gt_carol' } });
  });

  it('says when nothing matches', async () => {
    expect(await lookUpAccount(gateway, { by: 'username', username: 'nobody' })).toEqual({
      kind: 'not_found',
      message: 'No Moodle account has the username "nobody". Check the spelling, or use the Moodle id.',
    });
    expect(await lookUpAccount(gateway, { by: 'id', id: 99999 })).toMatchObject({ kind: 'not_found' });
  });

  it('lists the accounts that share an email and asks for the username', async () => {
    fake.site.settings.allowaccountssameemail = true;
    const twin = fake.site.addUser({
      username: 'gt_bob2',
      firstname: 'Bob',
      lastname: 'Two',
      email: 'gt_bob@example.com',
    });
    const found = await lookUpAccount(gateway, { by: 'email', email: 'gt_bob@example.com' });
    expect(found.kind).toBe('ambiguous');
    if (found.kind !== 'ambiguous') return;
    expect(found.users.map((u) => u.id).sort()).toEqual([ids.bob, twin].sort());
    expect(found.message).toContain('2 Moodle accounts share the email');
    expect(found.message).toContain('with its username');
  });

  it('notices a number that is both an id and another account’s username', async () => {
    fake.site.addUser({ username: String(ids.alice), firstname: 'Num', lastname: 'Ber', email: 'num@example.org' });
    const found = await lookUpAccount(gateway, { by: 'number', id: ids.alice, username: String(ids.alice) });
    expect(found).toMatchObject({ kind: 'ambiguous', message: expect.stringContaining(`id:${ids.alice}`) });
  });

  it('says Moodle could not be asked, in plain words with what to do; the code is kept, Moodle’s hint is not shown', async () => {
    fake.setFault('html');
    const found = await lookUpAccount(gateway, { by: 'username', username: 'gt_bob' });
    fake.setFault(null);
    expect(found).toEqual({
      kind: 'unavailable',
      code: 'moodle_not_json',
      message:
        'Moodle could not be reached or did not answer properly, so the app could not look up username "gt_bob". Nothing was stored; try again in a few minutes, and tell an admin if it keeps happening.',
    });
    fake.setFault({ status: 503 });
    const down = await lookUpAccount(gateway, { by: 'username', username: 'gt_bob' });
    fake.setFault(null);
    expect(down).toMatchObject({ message: expect.stringMatching(/^Moodle is in maintenance, so the app could not /) });
    expect(JSON.stringify(down)).not.toMatch(/MOODLE_|Site administration|HTTP/);
  });
});

describe('createAccountGuard', () => {
  it('protects the guest, PROTECTED_USERS (any case) and the token’s own user, and nobody else', async () => {
    const guard = createAccountGuard(gateway, ['GT_Carol']);
    expect(await guard.protectionOf({ id: 1, username: 'guest' })).toMatchObject({ protected: true });
    expect(await guard.protectionOf({ id: 777, username: 'guest' })).toMatchObject({ protected: true });
    expect(await guard.protectionOf({ id: ids.carol, username: 'gt_carol' })).toMatchObject({
      protected: true,
      reason: expect.stringContaining('list of protected accounts'),
    });
    expect(await guard.protectionOf({ id: 3, username: 'api-user' })).toMatchObject({
      protected: true,
      reason: expect.stringContaining('token belongs to'),
    });
    expect(await guard.protectionOf({ id: ids.bob, username: 'gt_bob' })).toEqual({ protected: false });
  });

  it('asks get_site_info once, and again only after a failure', async () => {
    const guard = createAccountGuard(gateway, []);
    fake.setFault('html');
    expect(await guard.protectionOf({ id: ids.bob, username: 'gt_bob' })).toMatchObject({ protected: 'unknown' });
    fake.setFault(null);
    const before = fake.calls.filter((c) => c.wsfunction === 'core_webservice_get_site_info').length;
    await guard.protectionOf({ id: ids.bob, username: 'gt_bob' });
    await guard.protectionOf({ id: ids.alice, username: 'gt_alice' });
    const after = fake.calls.filter((c) => c.wsfunction === 'core_webservice_get_site_info').length;
    expect(after - before).toBe(1);
  });
});

describe('checkUpdateCollisions', () => {
  it('refuses a rename onto another username and an email another account has, ignoring case', async () => {
    const [bob] = await gateway.getUsersByField('id', [ids.bob]);
    if (!bob) throw new Error('no bob');
    const { problems, preflight } = await checkUpdateCollisions(
      gateway,
      bob,
      [
        { field: 'username', before: 'gt_bob', after: 'gt_alice' },
        { field: 'email', before: 'gt_bob@example.com', after: 'GT_CAROL@example.com' },
      ],
      fake.url,
    );
    expect(problems).toEqual([
      {
        field: 'username',
        message: expect.stringContaining(`already used by gt_alice (Alice Anderson, id ${ids.alice}`),
      },
      { field: 'email', message: expect.stringContaining('ignoring case') },
    ]);
    expect(preflight.conflicts.map((c) => c.matchedOn)).toEqual(['username', 'email']);
  });

  it('does not count the account itself (an email changed only in case)', async () => {
    const [bob] = await gateway.getUsersByField('id', [ids.bob]);
    if (!bob) throw new Error('no bob');
    const { problems, preflight } = await checkUpdateCollisions(
      gateway,
      bob,
      [{ field: 'email', before: 'gt_bob@example.com', after: 'GT_Bob@example.com' }],
      fake.url,
    );
    expect(problems).toEqual([]);
    expect(preflight).toMatchObject({ checked: true, conflicts: [] });
  });

  it('lets the request go on with a note when the look-up function is missing', async () => {
    fake.site.setServiceFunctions('user_creation', [
      'core_user_create_users',
      'core_user_update_users',
      'core_user_delete_users',
      'core_user_get_users_by_field',
      'core_webservice_get_site_info',
    ]);
    const [bob] = await gateway.getUsersByField('id', [ids.bob]);
    if (!bob) throw new Error('no bob');
    const { problems, preflight } = await checkUpdateCollisions(
      gateway,
      bob,
      [{ field: 'email', before: 'gt_bob@example.com', after: 'new@example.com' }],
      fake.url,
    );
    expect(problems).toEqual([]);
    expect(preflight.checked).toBe(false);
    expect(preflight.notes[0]).toContain('Could not check whether another account uses the new email');
  });
});

describe('findChangeInFlight', () => {
  it('finds the waiting change of this account and operation however many other requests wait', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const at = (minutes: number) => new Date(Date.UTC(2026, 2, 2, 8, minutes));
      const suspend = await store.createRequest({
        requester: { userId: 'UREQ' },
        target: { moodleId: 7, username: 'jdoe' },
        payload: { operation: 'suspend' },
        createdAt: at(0),
      });
      // Newer requests in flight: other accounts' suspensions and this account's deletion.
      for (let i = 0; i < 600; i++) {
        await store.createRequest({
          requester: { userId: 'UREQ' },
          target: { moodleId: 100 + i, username: `u${i}` },
          payload: { operation: 'suspend' },
          createdAt: at(1),
        });
      }
      await store.createRequest({
        requester: { userId: 'UREQ' },
        target: { moodleId: 7, username: 'jdoe' },
        payload: { operation: 'delete' },
        createdAt: at(2),
      });
      expect((await findChangeInFlight(store, 'suspend', { moodleId: 7, username: 'jdoe' }))?.id).toBe(suspend.id);
      expect(await findChangeInFlight(store, 'update', { moodleId: 7, username: 'jdoe' })).toBeUndefined();
      await store.transition(suspend.id, { from: 'pending', expectedVersion: 1, to: 'cancelled', at: at(3) });
      expect(await findChangeInFlight(store, 'suspend', { moodleId: 7, username: 'jdoe' })).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('tells enrolments of one account apart by course: another course is not a duplicate', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const jdoe = { moodleId: 7, username: 'jdoe' };
      const enrolment = (id: number, shortname: string) => ({
        operation: 'enrol' as const,
        enrolment: { course: { id, shortname, fullname: shortname }, role: { shortname: 'student', id: 5 } },
      });
      const waiting = await store.createRequest({
        requester: { userId: 'UREQ' },
        target: jdoe,
        payload: enrolment(2, 'TEST101'),
        createdAt: new Date(Date.UTC(2026, 2, 2, 8)),
      });
      expect((await findChangeInFlight(store, 'enrol', jdoe, enrolment(2, 'TEST101')))?.id).toBe(waiting.id);
      expect(await findChangeInFlight(store, 'enrol', jdoe, enrolment(3, 'TEST102'))).toBeUndefined();
      expect(
        await findChangeInFlight(store, 'enrol', { moodleId: 8, username: 'other' }, enrolment(2, 'TEST101')),
      ).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
