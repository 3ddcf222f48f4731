// Integration: the client against the fake Moodle (test/fakes/fake-moodle), which reproduces the recorded
// responses of a real Moodle 4.5. Every error and log line is checked for the token at the end.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CreateUserInput } from '../../src/core/moodle-gateway.js';
import { createUsersInBatches } from '../../src/moodle/batch.js';
import { createMoodleClient, type MoodleClient } from '../../src/moodle/client.js';
import { MoodleError, MoodleErrorCode } from '../../src/moodle/errors.js';
import { Secret } from '../../src/secret.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { caught, collectingLogger, everyRendering } from './helpers.js';

let fake: FakeMoodle;
let client: MoodleClient;
const { logger, lines } = collectingLogger();
const errors: unknown[] = [];

function newClient(token = fake.token, timeoutMs = 3000): MoodleClient {
  return createMoodleClient({ url: fake.url, token: new Secret(token), timeoutMs, logger, retryMinDelayMs: 5 });
}

async function failure(p: Promise<unknown>): Promise<MoodleError> {
  const err = await caught(p);
  errors.push(err);
  expect(err).toBeInstanceOf(MoodleError);
  return err as MoodleError;
}

const person = (name: string, extra: Partial<CreateUserInput> = {}): CreateUserInput => ({
  username: name,
  firstname: 'Test',
  lastname: 'Person',
  email: `${name}@example.com`,
  auth: 'manual',
  password: 'Str0ng!Pass',
  ...extra,
});

const activeUsers = () => fake.site.users.filter((u) => !u.deleted);

beforeAll(async () => {
  fake = await startFakeMoodle();
  client = newClient();
});

beforeEach(() => {
  fake.reset();
  fake.site.seedRecordingUsers();
});

afterAll(async () => {
  await client.close();
  await fake.close();
  // The token must not appear in any error or log line produced by this file.
  for (const text of [...errors.map(everyRendering), ...lines]) {
    expect(text).not.toContain(fake.token);
    expect(text).not.toContain('Str0ng!Pass');
  }
  expect(lines.length).toBeGreaterThan(20);
});

describe('functions', () => {
  it('get_site_info lists the service functions (a1)', async () => {
    const info = await client.getSiteInfo();
    expect(info.username).toBe('api-user');
    expect(info.functions).toEqual(expect.arrayContaining(['core_user_create_users', 'core_user_get_users']));
    const call = fake.calls[0];
    expect(call?.method).toBe('POST');
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(call?.params.moodlewsrestformat).toBe('json');
  });

  it('creates a user with createpassword, which look-ups then find (b1, d1)', async () => {
    const { password: _, ...noPassword } = person('gt_new');
    const [created] = await client.createUsers([{ ...noPassword, createpassword: true }]);
    expect(created?.username).toBe('gt_new');
    const [found] = await client.getUsersByField('username', ['gt_new']);
    expect(found).toMatchObject({ id: created?.id, email: 'gt_new@example.com', suspended: false, auth: 'manual' });
    expect(fake.calls[0]?.params['users[0][createpassword]']).toBe('1');
    expect(fake.calls[0]?.params['users[0][password]']).toBeUndefined();
  });

  it('creates unicode names intact', async () => {
    await client.createUsers([person('gt_uni', { firstname: 'Zoë', lastname: 'Łukasz-李' })]);
    expect(fake.site.findUser('gt_uni')).toMatchObject({ firstname: 'Zoë', lastname: 'Łukasz-李' });
  });

  it.each([
    [
      'duplicate username (c1)',
      person('gt_bob', { email: 'gt_bob2@example.com' }),
      MoodleErrorCode.InvalidParameter,
      /username "gt_bob" is already taken/,
    ],
    [
      'duplicate email in other case (c2b)',
      person('gt_bob3', { email: 'GT_BOB@EXAMPLE.COM' }),
      MoodleErrorCode.InvalidParameter,
      /already uses the email address/,
    ],
    ['uppercase username (c3)', person('GT_Upper'), MoodleErrorCode.InvalidParameter, /not a valid Moodle username/],
    [
      'invalid email (c5)',
      person('gt_bademail', { email: 'not-an-email' }),
      MoodleErrorCode.InvalidParameter,
      /not a valid email address/,
    ],
    [
      'unknown auth (c9)',
      person('gt_authfoo', { auth: 'foo' }),
      MoodleErrorCode.InvalidParameter,
      /not an installed authentication method/,
    ],
    [
      'weak password (c6)',
      person('gt_weakpw', { password: 'abc' }),
      MoodleErrorCode.PasswordPolicy,
      /at least 8 characters long/,
    ],
    [
      '300-character first name (c11)',
      person('gt_longname', { firstname: 'A'.repeat(300) }),
      MoodleErrorCode.DatabaseWrite,
      /longer than its column/,
    ],
  ])('create error: %s', async (_name, user, code, debugHint) => {
    const before = activeUsers().length;
    const plain = await failure(client.createUsers([user]));
    expect(plain.code).toBe(code);
    expect(plain.outcomeUnknown).toBe(false);
    if (code === MoodleErrorCode.InvalidParameter) expect(plain.hint).toMatch(/usual causes/);
    fake.site.settings.debug = 'normal';
    const detailed = await failure(client.createUsers([user]));
    expect(detailed.code).toBe(code);
    expect(detailed.hint).toMatch(debugHint);
    expect(activeUsers().length).toBe(before);
  });

  it('create is all-or-nothing (c10)', async () => {
    const err = await failure(client.createUsers([person('gt_erin'), person('gt_bob', { email: 'x@example.com' })]));
    expect(err.code).toBe(MoodleErrorCode.InvalidParameter);
    expect(await client.getUsersByField('username', ['gt_erin'])).toEqual([]);
  });

  it('update: success, then each recorded warning (e1, e2, e3, e5, e8, e9)', async () => {
    const bob = fake.site.findUser('gt_bob')?.id ?? 0;
    const alice = fake.site.findUser('gt_alice')?.id ?? 0;
    await client.updateUsers([{ id: bob, email: 'gt_bob_new@example.com', suspended: true }]);
    expect(fake.site.getUser(bob)).toMatchObject({ email: 'gt_bob_new@example.com', suspended: true });
    const cases: Array<[number, Record<string, string>, string]> = [
      [bob, { email: 'gt_alice@example.com' }, 'useremailduplicate'],
      [999999, { firstname: 'Ghost' }, 'invaliduserid'],
      [2, { firstname: 'Hacked' }, 'usernotupdatedadmin'],
      [1, { firstname: 'Guesty' }, 'usernotupdatedguest'],
      [bob, { email: 'bad' }, 'useremailinvalid'],
      [bob, { username: 'gt_alice' }, 'dmlwriteexception'],
    ];
    for (const [id, fields, warningcode] of cases) {
      const err = await failure(client.updateUsers([{ id, ...fields }]));
      expect(err.code).toBe(MoodleErrorCode.UpdateWarnings);
      expect(err.warnings?.map((w) => [w.itemid, w.warningcode])).toEqual([[id, warningcode]]);
    }
    const e9 = await failure(
      client.updateUsers([
        { id: alice, firstname: 'Alicia' },
        { id: 999998, firstname: 'Nobody' },
      ]),
    );
    expect(e9.warnings?.map((w) => w.itemid)).toEqual([999998]);
    expect(fake.site.getUser(alice)?.firstname).toBe('Alicia');
  });

  it('delete: success, missing id, admin, self, guest, all-or-nothing (f1-f6)', async () => {
    const dave = fake.site.findUser('gt_dave')?.id ?? 0;
    const carol = fake.site.findUser('gt_carol')?.id ?? 0;
    await client.deleteUsers([dave]);
    expect(fake.site.getUser(dave)?.deleted).toBe(true);
    expect((await failure(client.deleteUsers([dave]))).code).toBe(MoodleErrorCode.InvalidUser);
    expect((await failure(client.deleteUsers([999999]))).code).toBe(MoodleErrorCode.InvalidUser);
    expect((await failure(client.deleteUsers([2]))).code).toBe(MoodleErrorCode.AdminNotDeletable);
    expect((await failure(client.deleteUsers([3]))).code).toBe(MoodleErrorCode.UserNotDeleted);
    await client.deleteUsers([1]);
    expect(fake.site.getUser(1)?.deleted).toBe(false);
    await failure(client.deleteUsers([carol, 999999]));
    expect(fake.site.getUser(carol)?.deleted).toBe(false);
  });

  it('look-ups: exact by_field email is case-sensitive (d3b), findUsersByEmail is not (d6b)', async () => {
    expect(await client.getUsersByField('email', ['GT_BOB@example.com'])).toEqual([]);
    const found = await client.findUsersByEmail('GT_BOB@EXAMPLE.COM');
    expect(found.map((u) => u.username)).toEqual(['gt_bob']);
    expect(await client.findUsersByEmail('nobody@example.com')).toEqual([]);
    const two = await client.getUsersByField('username', ['gt_alice', 'gt_nobody']);
    expect(two.map((u) => u.username)).toEqual(['gt_alice']);
  });

  it('findUsersByEmail keeps only exact matches when _ acts as a wildcard', async () => {
    fake.site.addUser({ username: 'gt_x', firstname: 'X', lastname: 'Y', email: 'gtxbob@example.com' });
    const found = await client.findUsersByEmail('gt_bob@example.com');
    expect(found.map((u) => u.username)).toEqual(['gt_bob']);
  });

  it('look-ups match literally: a typed % or _ is escaped, so Moodle hands out no other account', async () => {
    const answered = () => {
      const last = fake.calls.at(-1);
      expect(last?.wsfunction).toBe('core_user_get_users');
      return (JSON.parse(last?.body ?? '{}') as { users: Array<{ username: string }> }).users.map((u) => u.username);
    };
    expect(await client.getUsers([{ key: 'email', value: '%@%' }])).toEqual([]);
    expect(answered()).toEqual([]);
    expect(fake.calls.at(-1)?.params['criteria[0][value]']).toBe('\\%@\\%');
    expect(await client.findUsersByEmail('%@%')).toEqual([]);
    expect(answered()).toEqual([]);
    fake.site.addUser({ username: 'gt_x', firstname: 'X', lastname: 'Y', email: 'gtxbob@example.com' });
    expect((await client.findUsersByEmail('GT_BOB@example.COM')).map((u) => u.username)).toEqual(['gt_bob']);
    expect(answered()).toEqual(['gt_bob']);
    expect(await client.getUsers([{ key: 'lastname', value: '%' }])).toEqual([]);
    expect(answered()).toEqual([]);
  });

  it('an email with a backslash, % or _ in it still finds its own account', async () => {
    const id = fake.site.addUser({ username: 'gt_odd', firstname: 'O', lastname: 'D', email: 'a\\b%c_d@example.com' });
    expect((await client.findUsersByEmail('A\\B%C_D@example.com')).map((u) => u.id)).toEqual([id]);
  });

  it('a look-up that returns more accounts than it can name is an error, sent once and never retried', async () => {
    fake.site.settings.allowaccountssameemail = true;
    for (let i = 0; i < 11; i++) {
      fake.site.addUser({ username: `gt_share${i}`, firstname: 'S', lastname: `${i}`, email: 'shared@example.com' });
    }
    const before = fake.calls.length;
    const err = await failure(client.findUsersByEmail('shared@example.com'));
    expect(err.code).toBe(MoodleErrorCode.LookupTooBroad);
    expect(err.code).toBe('moodle_lookup_too_broad');
    expect(err.retryable).toBe(false);
    expect(err.hint).toMatch(/more accounts \(11\).*at most 10/);
    expect(fake.calls.length - before).toBe(1);
    fake.site.addUser({ username: 'gt_twin', firstname: 'T', lastname: 'W', email: 'x@example.com', idnumber: 'S1' });
    fake.site.addUser({ username: 'gt_twin2', firstname: 'T', lastname: 'W', email: 'y@example.com', idnumber: 'S1' });
    expect((await client.getUsersByField('idnumber', ['S1'])).map((u) => u.username)).toEqual(['gt_twin', 'gt_twin2']);
  });

  it('an unsupported get_users key is refused before sending (d8)', async () => {
    const err = await failure(client.getUsers([{ key: 'foo' as 'email', value: 'bar' }]));
    expect(err.code).toBe(MoodleErrorCode.InvalidRequest);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('access and configuration errors', () => {
  it('limited service → accessexception (g2), and probeFunction tells which functions are in the service', async () => {
    const limited = newClient(fake.limitedToken);
    const err = await failure(limited.createUsers([person('gt_limited')]));
    expect(err.code).toBe(MoodleErrorCode.AccessException);
    expect(err.hint).toMatch(/External services > Functions/);
    await expect(limited.probeFunction('core_user_create_users')).resolves.toBe('not_in_service');
    await expect(limited.probeFunction('core_webservice_get_site_info')).resolves.toBe('available');
    await expect(client.probeFunction('core_user_create_users')).resolves.toBe('available');
    await expect(client.probeFunction('core_user_does_not_exist')).resolves.toBe('unknown_function');
    expect(fake.site.findUser('gt_limited')).toBeUndefined();
    await limited.close();
  });

  it('wrong token → invalidtoken (g1)', async () => {
    const wrong = newClient('0123456789abcdef0123456789abcdef');
    expect((await failure(wrong.getSiteInfo())).code).toBe(MoodleErrorCode.InvalidToken);
    await wrong.close();
  });

  it('missing moodle/user:create → nopermissions naming the capability (g8)', async () => {
    fake.site.removeCapability('moodle/user:create');
    const err = await failure(client.createUsers([person('gt_nocap')]));
    expect(err.code).toBe(MoodleErrorCode.NoPermissions);
    expect(err.hint).toMatch(/moodle\/user:create/);
  });

  it('web services disabled → 403 (g3)', async () => {
    fake.site.settings.enablewebservices = false;
    const err = await failure(client.getSiteInfo());
    expect(err.code).toBe(MoodleErrorCode.WebServicesDisabled);
    expect(fake.calls).toHaveLength(1);
  });
});

describe('faults', () => {
  it('hang → timeout within timeoutMs', async () => {
    const quick = newClient(fake.token, 200);
    fake.setFault('hang');
    const started = Date.now();
    const err = await failure(quick.createUsers([person('gt_slow')]));
    expect(err.code).toBe(MoodleErrorCode.Timeout);
    expect(err.outcomeUnknown).toBe(true);
    // A hang never ends: any bound shows the timeout cut the call; this one leaves a loaded machine room.
    expect(Date.now() - started).toBeLessThan(5_000);
    fake.setFault(null);
    await quick.close();
  });

  it('a refused connection is reported as unreachable', async () => {
    const other = await startFakeMoodle();
    const url = other.url;
    await other.close();
    const gone = createMoodleClient({ url, token: new Secret(fake.token), timeoutMs: 1000, logger, readRetries: 0 });
    const err = await failure(gone.createUsers([person('gt_gone')]));
    expect(err.code).toBe(MoodleErrorCode.Unreachable);
    expect(err.transport).toBe('refused');
    expect(err.outcomeUnknown).toBe(false);
    await gone.close();
  });

  it("the fake's 'refuse' fault (socket destroyed) is unreachable; reads retry through it", async () => {
    fake.setFault('refuse', { times: 1 });
    const info = await client.getSiteInfo();
    expect(info.username).toBe('api-user');
    fake.setFault('refuse');
    const err = await failure(client.getSiteInfo());
    expect(err.code).toBe(MoodleErrorCode.Unreachable);
    fake.setFault(null);
  });

  it('HTML body, truncated JSON, 503', async () => {
    fake.setFault('html', { times: 1 });
    expect((await failure(client.getUsersByField('username', ['gt_bob']))).code).toBe(MoodleErrorCode.NotJson);
    fake.setFault('truncated', { times: 1 });
    const cut = await failure(client.createUsers([person('gt_cut')]));
    expect(cut.code).toBe(MoodleErrorCode.NotJson);
    expect(cut.outcomeUnknown).toBe(true);
    fake.setFault({ status: 503, body: '<html>maintenance</html>' });
    expect((await failure(client.createUsers([person('gt_maint')]))).code).toBe(MoodleErrorCode.Maintenance);
    fake.setFault(null);
  });
});

describe('batches', () => {
  const fifty = (bad: number[]) =>
    Array.from({ length: 50 }, (_, i) =>
      bad.includes(i) ? person(`Bad${i}`, { email: `bad${i}@example.com` }) : person(`gt_batch${i}`),
    );

  it.each([[[20]], [[0, 13, 27, 38, 49]]])(
    '50 users with bad ones %j: the good ones created, the bad ones reported',
    async (bad) => {
      const r = await createUsersInBatches(client, fifty(bad), { logger });
      expect(r.failed.map((f) => f.index)).toEqual(bad);
      expect(r.failed.every((f) => f.error.code === MoodleErrorCode.InvalidParameter)).toBe(true);
      expect(r.created).toHaveLength(50 - bad.length);
      expect(r.roundTrips).toBe(fake.calls.length);
      expect(r.roundTrips - 1).toBeLessThanOrEqual(bad.length * (Math.ceil(Math.log2(50)) + 1));
      for (const c of r.created) expect(fake.site.findUser(c.username)?.id).toBe(c.id);
    },
  );

  it('a batch whose connection broke after Moodle committed is reconciled without duplicates', async () => {
    fake.setFault('reset', { times: 1 });
    const users = Array.from({ length: 8 }, (_, i) => person(`gt_rec${i}`));
    const r = await createUsersInBatches(client, users, { logger });
    expect(r.failed).toEqual([]);
    expect(r.created.map((c) => c.username)).toEqual(users.map((u) => u.username));
    expect(fake.calls.map((c) => c.wsfunction)).toEqual(['core_user_create_users', 'core_user_get_users_by_field']);
    for (const u of users) expect(fake.site.users.filter((x) => x.username === u.username)).toHaveLength(1);
  });

  it('a batch refused before Moodle ran it is resent once the look-up shows nothing was created', async () => {
    fake.setFault('hang', { times: 1 });
    const quick = newClient(fake.token, 200);
    const users = Array.from({ length: 4 }, (_, i) => person(`gt_hang${i}`));
    const r = await createUsersInBatches(quick, users, { logger });
    expect(r.created).toHaveLength(4);
    expect(fake.calls.map((c) => c.wsfunction)).toEqual([
      'core_user_create_users',
      'core_user_get_users_by_field',
      'core_user_create_users',
    ]);
    await quick.close();
  });
});
