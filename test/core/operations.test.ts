// The operation modules on their own: what each sends to Moodle, what it finds after a lost answer, the key that
// keeps a second request for the same change out, and what an approver may correct. The gateway is an in-memory
// stand-in that records every call.
import { describe, expect, it } from 'vitest';
import type { CohortWarning } from '../../src/core/gateway/cohorts.js';
import type { EnrolmentInput } from '../../src/core/gateway/enrolments.js';
import type { CreateUserInput, MoodleGateway, MoodleUser, UserProfileFields } from '../../src/core/moodle-gateway.js';
import { addToCohort, removeFromCohort } from '../../src/core/operations/cohort-membership.js';
import {
  createInputFor,
  createUser,
  describeConflicts,
  preflightCreate,
} from '../../src/core/operations/create-user.js';
import { deleteUser } from '../../src/core/operations/delete-user.js';
import { enrolUser, unenrolUser } from '../../src/core/operations/enrol.js';
import type { CohortRef, EnrolmentSpec } from '../../src/core/operations/memberships.js';
import {
  isRequestOperation,
  OPERATIONS,
  operationOf,
  POLICY_KEYS,
  policyOperation,
  requestPayloadSchema,
} from '../../src/core/operations/registry.js';
import { suspendUser, unsuspendUser } from '../../src/core/operations/suspension.js';
import type { OperationContext, OperationDefinition } from '../../src/core/operations/types.js';
import { updateUser } from '../../src/core/operations/update-user.js';
import type { RequestPayload } from '../../src/core/requests.js';

const jane: UserProfileFields = {
  username: 'jdoe',
  email: 'jane.doe@example.org',
  firstname: 'Jane',
  lastname: 'Doe',
  auth: 'manual',
};

function account(id: number, fields: Partial<MoodleUser> = {}): MoodleUser {
  return {
    id,
    username: `user${id}`,
    firstname: 'F',
    lastname: 'L',
    fullname: 'F L',
    email: `user${id}@example.org`,
    auth: 'manual',
    suspended: false,
    confirmed: true,
    ...fields,
  };
}

/** Moodle in memory: accounts, course enrolments by user, cohort warnings to answer; every call recorded. */
function memoryGateway(accounts: MoodleUser[] = [], courses: Record<number, number[]> = {}) {
  const calls: Array<[string, unknown]> = [];
  let cohortWarnings: CohortWarning[] = [];
  let failing: Error | undefined;
  const record = (name: string, arg: unknown) => {
    calls.push([name, arg]);
    if (failing) throw failing;
  };
  const gateway = {
    async getUsersByField(field: string, values: Array<string | number>) {
      record('getUsersByField', [field, values]);
      return accounts.filter((a) => values.includes(a[field as keyof MoodleUser] as string | number));
    },
    async findUsersByEmail(email: string) {
      record('findUsersByEmail', email);
      return accounts.filter((a) => a.email.toLowerCase() === email.toLowerCase());
    },
    async createUsers(users: CreateUserInput[]) {
      record('createUsers', users);
      return users.map((u, i) => ({ id: 500 + i, username: u.username }));
    },
    async updateUsers(users: unknown[]) {
      record('updateUsers', users);
    },
    async deleteUsers(ids: number[]) {
      record('deleteUsers', ids);
    },
    async enrolUsers(items: EnrolmentInput[]) {
      record('enrolUsers', items);
    },
    async unenrolUsers(items: unknown[]) {
      record('unenrolUsers', items);
    },
    async getUserCourses(userId: number) {
      record('getUserCourses', userId);
      return (courses[userId] ?? []).map((id) => ({ id, shortname: `C${id}`, fullname: `Course ${id}` }));
    },
    async addCohortMembers(items: unknown[]) {
      record('addCohortMembers', items);
      return cohortWarnings;
    },
    async deleteCohortMembers(items: unknown[]) {
      record('deleteCohortMembers', items);
    },
  };
  return {
    context: { gateway: gateway as unknown as MoodleGateway, settings } satisfies OperationContext,
    calls,
    names: () => calls.map(([name]) => name),
    warnCohorts: (warnings: CohortWarning[]) => {
      cohortWarnings = warnings;
    },
    failWith: (error: Error | undefined) => {
      failing = error;
    },
  };
}

const settings = { passwordMode: 'email', moodleUrl: 'https://lms.example.org' } as const;
const course = (id: number) => ({ id, shortname: `C${id}`, fullname: `Course ${id}` });
const enrolment = (id: number, extra: Partial<EnrolmentSpec> = {}): EnrolmentSpec => ({
  course: course(id),
  role: { shortname: 'student', id: 5 },
  ...extra,
});
const cohort = (id: number): CohortRef => ({ id, idnumber: `K${id}`, name: `Cohort ${id}` });
const onAccount = <P>(
  payload: P,
  target: { moodleId?: number; username?: string } = { moodleId: 42, username: 'jdoe' },
) => ({
  id: 'R-TEST01',
  payload,
  target,
});

describe('the registry', () => {
  it('knows every operation by name, and the policy key that governs it', () => {
    expect(OPERATIONS.map((o) => o.name)).toEqual([
      'create',
      'update',
      'suspend',
      'unsuspend',
      'delete',
      'enrol',
      'unenrol',
      'cohort_add',
      'cohort_remove',
      'expire',
      'extend',
      'import',
    ]);
    expect(POLICY_KEYS).toEqual([
      'create',
      'update',
      'suspend',
      'delete',
      'enrol',
      'unenrol',
      'cohort_add',
      'cohort_remove',
      'expire',
      'extend',
      'import',
    ]);
    expect(policyOperation('unsuspend')).toBe('suspend');
    expect(policyOperation('extend')).toBe('extend');
    expect(isRequestOperation('enrol')).toBe(true);
    expect(isRequestOperation('drop_table')).toBe(false);
    expect(() => operationOf('drop_table')).toThrow('unknown operation drop_table');
  });
});

const gatewayError = (code: string, hint: string, outcomeUnknown = false) =>
  Object.assign(new Error(`moodle said ${code}`), { code, hint, outcomeUnknown });

describe('payloads', () => {
  it('every operation’s payload comes back from the stored form unchanged', () => {
    const payloads = [
      {
        operation: 'create',
        user: { ...jane, city: 'Paris' },
        enrolments: [enrolment(7, { from: '2026-09-01', until: '2027-07-01', timeStart: 1, timeEnd: 2 })],
        cohorts: [cohort(3)],
        end: { until: '2027-07-31', endAt: '2027-07-31T22:00:00.000Z' },
      },
      { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lyon' }] },
      { operation: 'suspend' },
      { operation: 'unsuspend' },
      { operation: 'delete' },
      { operation: 'enrol', enrolment: enrolment(7) },
      { operation: 'unenrol', course: course(7) },
      { operation: 'cohort_add', cohort: cohort(3) },
      { operation: 'cohort_remove', cohort: cohort(3) },
      { operation: 'expire', end: { until: '2027-07-31', endAt: '2027-07-31T22:00:00.000Z' } },
      { operation: 'extend', end: { until: '2027-12-31', endAt: '2027-12-31T23:00:00.000Z' } },
    ];
    for (const payload of payloads) {
      expect(requestPayloadSchema.parse(JSON.parse(JSON.stringify(payload))), payload.operation).toEqual(payload);
    }
  });
});

describe('create: what is sent', () => {
  it('email mode asks Moodle to make and mail the password; nothing is kept', () => {
    expect(createInputFor(jane, 'email')).toEqual({ input: { ...jane, createpassword: true } });
    expect(createInputFor({ ...jane, auth: 'email' }, 'email').input.createpassword).toBe(true);
  });

  it('generate mode sends a password the person must change, and hands it back once', () => {
    const { input, password } = createInputFor(jane, 'generate');
    expect(password?.reveal()).toHaveLength(20);
    expect(input).toEqual({
      ...jane,
      password: password?.reveal(),
      preferences: [{ type: 'auth_forcepasswordchange', value: '1' }],
    });
  });

  it('auth methods that never log in with it get a random password nobody sees; others get none', () => {
    for (const auth of ['oauth2', 'lti', 'nologin', 'none', 'db']) {
      const prepared = createInputFor({ ...jane, auth }, 'generate');
      expect(prepared.password, auth).toBeUndefined();
      expect(prepared.input.password, auth).toHaveLength(20);
      expect(prepared.input.createpassword, auth).toBeUndefined();
    }
    for (const auth of ['ldap', 'saml2', 'shibboleth']) {
      expect(createInputFor({ ...jane, auth }, 'generate'), auth).toEqual({ input: { ...jane, auth } });
    }
  });

  it('prepare() follows PASSWORD_MODE', () => {
    const generating = { ...memoryGateway().context, settings: { ...settings, passwordMode: 'generate' as const } };
    expect(createUser.prepare(generating, { operation: 'create', user: jane }).password).toBeDefined();
    expect(createUser.prepare(memoryGateway().context, { operation: 'create', user: jane }).password).toBeUndefined();
  });
});

describe('create: the pre-flight', () => {
  it('finds clashes by username, by email ignoring case (each account once) and by ID number', async () => {
    const byName = account(1, { username: 'jdoe', email: 'JANE.DOE@example.org' });
    const byEmail = account(2, { email: 'Jane.Doe@Example.org' });
    const byIdnumber = account(3, { idnumber: 'T-17' });
    const { context } = memoryGateway([byName, byEmail, byIdnumber, account(4)]);
    const summary = await preflightCreate(context.gateway, { ...jane, idnumber: 'T-17' });
    expect(summary).toEqual({
      checked: true,
      notes: [],
      conflicts: [
        { moodleId: 1, username: 'jdoe', email: 'JANE.DOE@example.org', matchedOn: 'username' },
        { moodleId: 2, username: 'user2', email: 'Jane.Doe@Example.org', matchedOn: 'email' },
        { moodleId: 3, username: 'user3', email: 'user3@example.org', matchedOn: 'idnumber' },
      ],
    });
    expect(describeConflicts(settings.moodleUrl, summary.conflicts)).toBe(
      'The username is already used by Moodle account jdoe (id 1, https://lms.example.org/user/profile.php?id=1). ' +
        'The email is already used by Moodle account user2 (id 2, https://lms.example.org/user/profile.php?id=2). ' +
        'The ID number is already used by Moodle account user3 (id 3, https://lms.example.org/user/profile.php?id=3).',
    );
  });

  it('finds an account that has only the email', async () => {
    const { context } = memoryGateway([account(2, { email: 'JANE.DOE@example.org' })]);
    expect((await preflightCreate(context.gateway, jane)).conflicts).toEqual([
      { moodleId: 2, username: 'user2', email: 'JANE.DOE@example.org', matchedOn: 'email' },
    ]);
  });

  it('says what it checked when nothing clashes, and looks the ID number up only when there is one', async () => {
    const gateway = memoryGateway([account(3, { idnumber: '' })]);
    expect(await preflightCreate(gateway.context.gateway, jane)).toEqual({
      checked: true,
      notes: ['No Moodle account uses the username jdoe or this email.'],
      conflicts: [],
    });
    expect(gateway.calls.filter(([name]) => name === 'getUsersByField').map(([, arg]) => arg)).toEqual([
      ['username', ['jdoe']],
    ]);
    const withId = await preflightCreate(gateway.context.gateway, { ...jane, idnumber: 'T-1' });
    expect(withId.notes).toEqual(['No Moodle account uses the username jdoe or this email or ID number.']);
  });

  it('a failed look-up is "could not check" with what to do; a look-up too broad to trust stops everything', async () => {
    const gateway = memoryGateway();
    gateway.failWith(gatewayError('moodle_unreachable', 'Check that the site is up.'));
    expect(await preflightCreate(gateway.context.gateway, jane)).toEqual({
      checked: false,
      notes: ['Could not check Moodle for existing accounts: Check that the site is up.'],
      conflicts: [],
    });
    gateway.failWith(new Error('socket hang up'));
    expect((await preflightCreate(gateway.context.gateway, jane)).notes).toEqual([
      'Could not check Moodle for existing accounts: Look at the app log for this request id, then retry.',
    ]);
    const tooBroad = gatewayError('moodle_lookup_too_broad', 'Too many accounts.');
    gateway.failWith(tooBroad);
    await expect(preflightCreate(gateway.context.gateway, jane)).rejects.toBe(tooBroad);
  });
});

describe('create: execute', () => {
  const payload = { operation: 'create' as const, user: jane };

  it('refuses, before creating anything, an account that clashes with one made since the request', async () => {
    const gateway = memoryGateway([account(9, { username: 'jdoe' })]);
    const failure = await createUser.execute(gateway.context, onAccount(payload, {}), undefined).catch((e) => e);
    expect(failure).toMatchObject({
      code: 'already_exists',
      outcomeUnknown: false,
      hint: 'Nothing was created. Use the existing account, or change the username, email or ID number and ask again.',
    });
    expect(failure.message).toContain('The username is already used by Moodle account jdoe (id 9');
    expect(gateway.names()).not.toContain('createUsers');
  });

  it('sends what prepare() made, then the enrolments, then the cohorts', async () => {
    const gateway = memoryGateway();
    const prepared = { input: { ...jane, password: 'Prepared-1234567' } };
    const full = { ...payload, enrolments: [enrolment(7, { timeStart: 100, timeEnd: 200 })], cohorts: [cohort(3)] };
    expect(await createUser.execute(gateway.context, onAccount(full, {}), prepared)).toEqual({ moodleId: 500 });
    expect(gateway.calls.slice(-3)).toEqual([
      ['createUsers', [prepared.input]],
      ['enrolUsers', [{ userId: 500, courseId: 7, roleId: 5, timeStart: 100, timeEnd: 200 }]],
      ['addCohortMembers', [{ cohortId: 3, userId: 500 }]],
    ]);
  });

  it('without prepare(), makes the input from the settings; a plain create adds no memberships', async () => {
    const gateway = memoryGateway();
    await createUser.execute(gateway.context, onAccount(payload, {}), undefined);
    expect(gateway.calls.at(-1)).toEqual(['createUsers', [{ ...jane, createpassword: true }]]);
    expect(gateway.names()).not.toContain('enrolUsers');
    expect(gateway.names()).not.toContain('addCohortMembers');
  });

  it('a create Moodle answers without an account records no id, and adds nothing to it', async () => {
    const gateway = memoryGateway();
    const silent = { ...gateway.context.gateway, createUsers: async () => [] };
    const full = { ...payload, enrolments: [enrolment(7)] };
    expect(await createUser.execute({ ...gateway.context, gateway: silent }, onAccount(full, {}), undefined)).toEqual(
      {},
    );
    expect(gateway.names()).not.toContain('enrolUsers');
  });

  it('an account made by an earlier attempt is not created again: only the memberships are sent', async () => {
    const gateway = memoryGateway();
    const full = { ...payload, enrolments: [enrolment(7)] };
    expect(await createUser.execute(gateway.context, onAccount(full, { moodleId: 77 }), undefined)).toEqual({
      moodleId: 77,
    });
    expect(gateway.names()).toEqual(['enrolUsers']);
  });

  it('a membership that fails names the account it leaves behind, keeps its id and says a retry completes it', async () => {
    const gateway = memoryGateway();
    gateway.warnCohorts([{ kind: 'not_found', message: 'Cohort 3 does not exist' }]);
    const withCohort = { ...payload, cohorts: [cohort(3)] };
    const failure = await createUser.execute(gateway.context, onAccount(withCohort, {}), undefined).catch((e) => e);
    expect(failure.message).toBe(
      'The account jdoe was created (id 500), but not all of its courses and cohorts were added: ' +
        'Moodle did not add the account to a cohort: Cohort 3 does not exist',
    );
    expect(failure).toMatchObject({
      code: 'cohort_add_refused',
      hint: 'Check that the cohort still exists and that the account is not deleted. A retry adds what is missing; the account is not created again.',
      outcomeUnknown: false,
      moodleId: 500,
    });
  });

  it('a membership call that fails without a code is treated as of unknown outcome', async () => {
    const gateway = memoryGateway();
    const full = { ...payload, enrolments: [enrolment(7)] };
    const enrolFails = { ...gateway.context.gateway, enrolUsers: async () => Promise.reject('boom') };
    const failure = await createUser
      .execute({ ...gateway.context, gateway: enrolFails }, onAccount(full, { moodleId: 77 }), undefined)
      .catch((e) => e);
    expect(failure.message).toBe(
      'The account jdoe was created (id 77), but not all of its courses and cohorts were added: boom',
    );
    expect(failure).toMatchObject({
      code: 'memberships_failed',
      hint: 'Look at the app log for this request id. A retry adds what is missing; the account is not created again.',
      outcomeUnknown: true,
      moodleId: 77,
    });
  });
});

describe('create: after a lost answer', () => {
  const full = { operation: 'create' as const, user: jane, enrolments: [enrolment(7), enrolment(8)] };

  it('is applied when the account and every course are there; not when a course or the account is missing', async () => {
    const found = account(61, { username: 'jdoe' });
    expect(await createUser.lookUpOutcome(memoryGateway([found], { 61: [7, 8, 9] }).context, onAccount(full))).toEqual({
      applied: true,
      moodleId: 61,
    });
    expect(await createUser.lookUpOutcome(memoryGateway([found], { 61: [7] }).context, onAccount(full))).toEqual({
      applied: false,
      moodleId: 61,
    });
    expect(await createUser.lookUpOutcome(memoryGateway([]).context, onAccount(full))).toEqual({ applied: false });
  });

  it('with cohorts (which cannot be read back) the account is kept and the rest is sent again', async () => {
    const found = account(61, { username: 'jdoe' });
    const withCohort = { operation: 'create' as const, user: jane, cohorts: [cohort(3)] };
    const gateway = memoryGateway([found]);
    expect(await createUser.lookUpOutcome(gateway.context, onAccount(withCohort))).toEqual({
      applied: false,
      moodleId: 61,
    });
    const plain = { operation: 'create' as const, user: jane };
    expect(await createUser.lookUpOutcome(gateway.context, onAccount(plain))).toEqual({ applied: true, moodleId: 61 });
    expect(gateway.names()).not.toContain('getUserCourses');
  });
});

describe('create: corrections and description', () => {
  const payload = { operation: 'create' as const, user: { ...jane, city: 'Paris' } };

  it('refuses to empty a required field, and an unchanged form changes nothing', () => {
    expect(createUser.correct(payload, {}, { lastname: ' ' })).toEqual({
      ok: false,
      message: 'lastname cannot be empty for a new account.',
    });
    expect(createUser.correct(payload, {}, { city: ' Paris ', lastname: 'Doe' })).toMatchObject({ ok: true, diff: [] });
    expect(createUser.correct(payload, {}, { username: ' janed ' })).toMatchObject({
      diff: [{ field: 'username', before: 'jdoe', after: 'janed' }],
      target: { username: 'janed', email: jane.email },
    });
  });

  it('describes the filled fields by their Moodle labels, then the memberships', () => {
    const full = {
      ...payload,
      user: { ...payload.user, department: '' },
      enrolments: [enrolment(7, { from: '2026-09-01', until: '2027-07-01' })],
      cohorts: [cohort(3), { id: 4, idnumber: 'K4', name: 'K4' }],
    };
    expect(createUser.describe(full)).toEqual([
      { label: 'Username', value: 'jdoe' },
      { label: 'Email address', value: 'jane.doe@example.org' },
      { label: 'First name', value: 'Jane' },
      { label: 'Last name', value: 'Doe' },
      { label: 'Authentication method', value: 'Moodle login' },
      { label: 'City/town', value: 'Paris' },
      { label: 'Course', value: 'C7 (Course 7) as student, from 2026-09-01 until 2027-07-01' },
      { label: 'Cohort', value: 'K3 (Cohort 3)' },
      { label: 'Cohort', value: 'K4' },
    ]);
    expect(createUser.targetKey(payload)).toBe('username:jdoe');
  });

  it('names codes in words: auth, country, language and time zone 99; the payload keeps the codes', () => {
    const coded = {
      ...payload,
      user: { ...payload.user, auth: 'oauth2', country: 'DE', lang: 'pt_br', timezone: '99' },
    };
    const lines = Object.fromEntries(createUser.describe(coded).map((l) => [l.label, l.value]));
    expect(lines['Authentication method']).toBe('OAuth 2 single sign-on');
    expect(lines.Country).toBe('Germany');
    expect(lines.Language).toBe('Brazilian Portuguese');
    expect(lines['Time zone']).toBe('Server default');
    expect(coded.user.country).toBe('DE');
    expect(
      updateUser.describe({ operation: 'update', changes: [{ field: 'country', before: 'FR', after: 'DE' }] }),
    ).toEqual([{ label: 'Country', value: 'France → Germany' }]);
  });

  it('the card’s header names the person first, and says what happens next once it is done', () => {
    expect(createUser.headline(payload, createUser.personOf?.(payload) ?? '')).toBe('New Moodle account for Jane Doe');
    expect(createUser.nextSteps?.(payload, { passwordMode: 'email' })).toEqual([
      'The username is jdoe.',
      'Moodle has emailed the login details to jane.doe@example.org.',
    ]);
    expect(createUser.nextSteps?.(payload, { passwordMode: 'generate' })?.[1]).toContain('temporary password');
    const sso = { ...payload, user: { ...payload.user, auth: 'oauth2' } };
    expect(createUser.nextSteps?.(sso, { passwordMode: 'email' })?.[1]).toBe(
      'Jane signs in with OAuth 2 single sign-on; no Moodle password is needed.',
    );
    expect(deleteUser.headline({ operation: 'delete' }, 'Lee Ver')).toBe('Delete Moodle account: Lee Ver');
    expect(deleteUser.destructive).toBe(true);
    expect(suspendUser.destructive).toBe(true);
    expect(unsuspendUser.destructive).toBe(false);
  });
});

describe('changes to an existing account', () => {
  const [suspend, unsuspend, update, remove] = [suspendUser, unsuspendUser, updateUser, deleteUser];

  it('suspend and unsuspend set the one flag, and are applied only when Moodle shows it set', async () => {
    const gateway = memoryGateway([account(42, { suspended: true })]);
    expect(await suspend.execute(gateway.context, onAccount({ operation: 'suspend' }))).toEqual({
      moodleId: 42,
    });
    await unsuspend.execute(gateway.context, onAccount({ operation: 'unsuspend' }));
    expect(gateway.calls.map(([, arg]) => arg)).toEqual([
      [{ id: 42, suspended: true }],
      [{ id: 42, suspended: false }],
    ]);
    expect(await suspend.lookUpOutcome(gateway.context, onAccount({ operation: 'suspend' }))).toEqual({
      applied: true,
      moodleId: 42,
    });
    expect(await unsuspend.lookUpOutcome(gateway.context, onAccount({ operation: 'unsuspend' }))).toEqual({
      applied: false,
      moodleId: 42,
    });
    expect(await suspend.lookUpOutcome(memoryGateway().context, onAccount({ operation: 'suspend' }))).toEqual({
      applied: false,
      moodleId: 42,
    });
    expect([suspend.policyKey, unsuspend.policyKey]).toEqual(['suspend', 'suspend']);
    expect(suspend.describe()).toEqual([]);
  });

  it('update sends only the changed fields, and is applied when Moodle holds every new value', async () => {
    const payload = {
      operation: 'update' as const,
      changes: [
        { field: 'city' as const, before: 'Paris', after: 'Lyon' },
        { field: 'phone1' as const, before: '123', after: '' },
      ],
    };
    const gateway = memoryGateway([account(42, { city: 'Lyon' })]);
    expect(await update.execute(gateway.context, onAccount(payload))).toEqual({ moodleId: 42 });
    expect(gateway.calls).toEqual([['updateUsers', [{ id: 42, city: 'Lyon', phone1: '' }]]]);
    expect(await update.lookUpOutcome(gateway.context, onAccount(payload))).toEqual({ applied: true, moodleId: 42 });
    const notYet = memoryGateway([account(42, { city: 'Paris' })]);
    expect(await update.lookUpOutcome(notYet.context, onAccount(payload))).toEqual({ applied: false, moodleId: 42 });
    expect(await update.lookUpOutcome(memoryGateway().context, onAccount(payload))).toEqual({ applied: false });
    expect(update.describe(payload)).toEqual([
      { label: 'City/town', value: 'Paris → Lyon' },
      { label: 'Phone', value: '123 → ∅' },
    ]);
  });

  it('an approver corrects only the fields the requester asked to change', () => {
    const payload = {
      operation: 'update' as const,
      changes: [{ field: 'city' as const, before: 'Paris', after: 'Lyon' }],
    };
    const target = { moodleId: 42 };
    expect(update.correct?.(payload, target, { city: ' Lille ' })).toEqual({
      ok: true,
      diff: [{ field: 'city', before: 'Lyon', after: 'Lille' }],
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lille' }] },
      target,
    });
    expect(update.correct?.(payload, target, { city: 'Lyon' })).toMatchObject({ ok: true, diff: [] });
    expect(update.correct?.(payload, target, { email: 'x@example.org' })).toEqual({
      ok: false,
      message:
        'The request does not change email; an approver can only correct the fields the requester asked to change.',
    });
    expect(payload.changes[0]?.after).toBe('Lyon');
  });

  it('delete removes the account; it is applied once the account is gone or renamed by Moodle', async () => {
    const gateway = memoryGateway([account(42, { username: 'jdoe' })]);
    expect(await remove.execute(gateway.context, onAccount({ operation: 'delete' }))).toEqual({
      moodleId: 42,
    });
    expect(gateway.calls).toEqual([['deleteUsers', [42]]]);
    expect(await remove.lookUpOutcome(gateway.context, onAccount({ operation: 'delete' }))).toEqual({
      applied: false,
      moodleId: 42,
    });
    const renamed = memoryGateway([account(42, { username: 'jane.doe@example.org.1700000000' })]);
    expect(await remove.lookUpOutcome(renamed.context, onAccount({ operation: 'delete' }))).toEqual({
      applied: true,
      moodleId: 42,
    });
    expect(await remove.lookUpOutcome(memoryGateway().context, onAccount({ operation: 'delete' }))).toEqual({
      applied: true,
      moodleId: 42,
    });
    expect([remove.keepsAccount, suspend.keepsAccount]).toEqual([false, true]);
    expect(remove.describe()).toEqual([]);
    expect(remove.words.warning).toBe('Deletion cannot be undone. Consider suspending the account instead.');
  });

  it('refuses to run without the account’s id, naming the request', async () => {
    for (const name of ['update', 'suspend', 'delete', 'enrol', 'unenrol', 'cohort_add', 'cohort_remove']) {
      const operation = operationOf(name);
      const request = { id: 'R-NOID01', payload: { operation: name } as RequestPayload, target: { username: 'jdoe' } };
      await expect(operation.execute(memoryGateway().context, request, undefined), name).rejects.toThrow(
        'request R-NOID01 has no Moodle account id',
      );
    }
  });

  it('one change in flight per account, per course and per cohort', () => {
    const byId = { moodleId: 42, username: 'jdoe' };
    expect(update.targetKey({ operation: 'update', changes: [] }, byId)).toBe('user:42');
    expect(remove.targetKey({ operation: 'delete' }, { username: 'jdoe' })).toBe('user:jdoe');
    expect(suspend.targetKey({ operation: 'suspend' }, {})).toBe('user:');
    expect(operationOf('enrol').targetKey({ operation: 'enrol', enrolment: enrolment(7) }, byId)).toBe(
      'user:42/course:7',
    );
    expect(operationOf('unenrol').targetKey({ operation: 'unenrol', course: course(7) }, byId)).toBe(
      'user:42/course:7',
    );
    expect(operationOf('cohort_add').targetKey({ operation: 'cohort_add', cohort: cohort(3) }, byId)).toBe(
      'user:42/cohort:3',
    );
    expect(operationOf('cohort_remove').targetKey({ operation: 'cohort_remove', cohort: cohort(3) }, byId)).toBe(
      'user:42/cohort:3',
    );
  });
});

describe('memberships of an existing account', () => {
  const [enrol, unenrol, add, remove] = [enrolUser, unenrolUser, addToCohort, removeFromCohort];

  it('enrol sends the role and dates; applied when Moodle lists the course', async () => {
    const payload = { operation: 'enrol' as const, enrolment: enrolment(7, { timeStart: 10, timeEnd: 20 }) };
    const gateway = memoryGateway([], { 42: [7] });
    expect(await enrol.execute(gateway.context, onAccount(payload))).toEqual({ moodleId: 42 });
    expect(gateway.calls[0]).toEqual([
      'enrolUsers',
      [{ userId: 42, courseId: 7, roleId: 5, timeStart: 10, timeEnd: 20 }],
    ]);
    // Without dates, none are sent (not even as undefined).
    await enrol.execute(gateway.context, onAccount({ operation: 'enrol' as const, enrolment: enrolment(8) }));
    expect(gateway.calls.at(-1)).toStrictEqual(['enrolUsers', [{ userId: 42, courseId: 8, roleId: 5 }]]);
    expect(await enrol.lookUpOutcome(gateway.context, onAccount(payload))).toEqual({ applied: true, moodleId: 42 });
    expect(await enrol.lookUpOutcome(memoryGateway([], { 42: [8] }).context, onAccount(payload))).toEqual({
      applied: false,
      moodleId: 42,
    });
    expect(enrol.describe(payload)).toEqual([{ label: 'Course', value: 'C7 (Course 7) as student' }]);
  });

  it('unenrol leaves the course; applied when Moodle no longer lists it', async () => {
    const payload = { operation: 'unenrol' as const, course: { id: 7, shortname: 'C7', fullname: 'C7' } };
    const gateway = memoryGateway([], { 42: [7] });
    expect(await unenrol.execute(gateway.context, onAccount(payload))).toEqual({ moodleId: 42 });
    expect(gateway.calls[0]).toEqual(['unenrolUsers', [{ userId: 42, courseId: 7 }]]);
    expect(await unenrol.lookUpOutcome(gateway.context, onAccount(payload))).toEqual({ applied: false, moodleId: 42 });
    expect(await unenrol.lookUpOutcome(memoryGateway().context, onAccount(payload))).toEqual({
      applied: true,
      moodleId: 42,
    });
    expect(unenrol.describe(payload)).toEqual([{ label: 'Course', value: 'C7' }]);
  });

  it('cohort add and remove are sent again to settle a lost answer (Moodle treats both as idempotent)', async () => {
    const gateway = memoryGateway();
    gateway.warnCohorts([{ kind: 'already_member', message: 'already in' }]);
    const added = { operation: 'cohort_add' as const, cohort: cohort(3) };
    const removed = { operation: 'cohort_remove' as const, cohort: cohort(3) };
    expect(await add.execute(gateway.context, onAccount(added))).toEqual({ moodleId: 42 });
    expect(await add.lookUpOutcome(gateway.context, onAccount(added))).toEqual({ applied: true, moodleId: 42 });
    expect(await remove.execute(gateway.context, onAccount(removed))).toEqual({ moodleId: 42 });
    expect(await remove.lookUpOutcome(gateway.context, onAccount(removed))).toEqual({ applied: true, moodleId: 42 });
    expect(gateway.calls).toEqual([
      ['addCohortMembers', [{ cohortId: 3, userId: 42 }]],
      ['addCohortMembers', [{ cohortId: 3, userId: 42 }]],
      ['deleteCohortMembers', [{ cohortId: 3, userId: 42 }]],
      ['deleteCohortMembers', [{ cohortId: 3, userId: 42 }]],
    ]);
    expect(add.describe(added)).toEqual([{ label: 'Cohort', value: 'K3 (Cohort 3)' }]);
    expect(remove.describe(removed)).toEqual([{ label: 'Cohort', value: 'K3 (Cohort 3)' }]);
  });

  it('a cohort add that Moodle warns about (other than "already a member") fails with what to check', async () => {
    const gateway = memoryGateway();
    gateway.warnCohorts([
      { kind: 'already_member', message: 'already in' },
      { kind: 'not_found', message: 'no such cohort' },
    ]);
    const failure = await add
      .execute(gateway.context, onAccount({ operation: 'cohort_add' as const, cohort: cohort(3) }))
      .catch((e) => e);
    expect(failure).toMatchObject({
      message: 'Moodle did not add the account to a cohort: no such cohort',
      code: 'cohort_add_refused',
      outcomeUnknown: false,
    });
  });
});

describe('words', () => {
  it('every operation has its verb, title and past tense, and says what it needs to be corrected', () => {
    expect(OPERATIONS.map((o) => [o.name, o.words.verb, o.words.title, o.words.done, o.target, o.correctable])).toEqual(
      [
        ['create', 'create', 'Create account', 'created', 'new', true],
        ['update', 'update', 'Update account', 'updated', 'existing', true],
        ['suspend', 'suspend', 'Suspend account', 'suspended', 'existing', false],
        ['unsuspend', 'unsuspend', 'Unsuspend account', 'unsuspended', 'existing', false],
        ['delete', 'delete', 'Delete account', 'deleted', 'existing', false],
        ['enrol', 'enrol', 'Enrol in a course', 'enrolled', 'existing', false],
        ['unenrol', 'unenrol', 'Unenrol from a course', 'unenrolled', 'existing', false],
        ['cohort_add', 'add to a cohort', 'Add to a cohort', 'added to the cohort', 'existing', false],
        ['cohort_remove', 'remove from a cohort', 'Remove from a cohort', 'removed from the cohort', 'existing', false],
        ['expire', 'set the end date of', 'Set end date', 'given an end date', 'existing', false],
        ['extend', 'extend', 'Extend account', 'extended', 'existing', false],
        ['import', 'import', 'Import accounts', 'imported', 'new', false],
      ],
    );
    expect(OPERATIONS.filter((o) => !o.keepsAccount).map((o) => o.name)).toEqual(['delete', 'import']);
  });

  it('every operation has its person-first headline, its outcome and what is not done yet after a failure', () => {
    const enrolment = { course: course(7), role: { shortname: 'student', id: 5 } };
    const payloads: Record<string, RequestPayload> = {
      create: { operation: 'create', user: jane },
      update: { operation: 'update', changes: [] },
      suspend: { operation: 'suspend' },
      unsuspend: { operation: 'unsuspend' },
      delete: { operation: 'delete' },
      enrol: { operation: 'enrol', enrolment },
      unenrol: { operation: 'unenrol', course: course(7) },
      cohort_add: { operation: 'cohort_add', cohort: cohort(3) },
      cohort_remove: { operation: 'cohort_remove', cohort: { id: 4, idnumber: 'K4', name: '' } },
      expire: { operation: 'expire', end: { until: '2027-07-31', endAt: '2027-08-01T00:00:00.000Z' } },
      extend: { operation: 'extend', end: { until: '2028-07-31', endAt: '2028-08-01T00:00:00.000Z' } },
      import: {
        operation: 'import',
        fileName: 'staff.csv',
        sha256: 'a'.repeat(64),
        mode: 'create',
        rows: 3,
        counts: { create: 3, update: 0, unchanged: 0, invalid: 0, duplicate: 0, exists: 0 },
        courses: [],
        cohorts: [],
      },
    };
    const words = OPERATIONS.map((o) => {
      const definition = o as unknown as OperationDefinition<RequestPayload>;
      const p = payloads[o.name] as RequestPayload;
      return [
        o.name,
        definition.headline(p, 'Lee Ver'),
        o.words.outcome,
        o.words.notYet,
        definition.destructive === true,
      ];
    });
    expect(words).toEqual([
      ['create', 'New Moodle account for Lee Ver', 'account created', 'the account isn’t created yet', false],
      ['update', 'Update Moodle account: Lee Ver', 'account updated', 'the account isn’t updated yet', false],
      ['suspend', 'Suspend Moodle account: Lee Ver', 'account suspended', 'the account isn’t suspended yet', true],
      [
        'unsuspend',
        'Unsuspend Moodle account: Lee Ver',
        'account active again',
        'the account isn’t active again yet',
        false,
      ],
      ['delete', 'Delete Moodle account: Lee Ver', 'account deleted', 'the account isn’t deleted yet', true],
      ['enrol', 'Enrol Lee Ver in C7', 'enrolled', 'the enrolment isn’t made yet', false],
      ['unenrol', 'Unenrol Lee Ver from C7', 'unenrolled', 'the enrolment isn’t removed yet', false],
      [
        'cohort_add',
        'Add Lee Ver to the cohort Cohort 3',
        'added to the cohort',
        'the account isn’t in the cohort yet',
        false,
      ],
      [
        'cohort_remove',
        'Remove Lee Ver from the cohort K4',
        'removed from the cohort',
        'the account isn’t out of the cohort yet',
        false,
      ],
      ['expire', 'End date for Lee Ver: 2027-07-31', 'end date set', 'the end date isn’t set yet', false],
      [
        'extend',
        'Extend Moodle account: Lee Ver until 2028-07-31',
        'end date moved',
        'the end date isn’t moved yet',
        false,
      ],
      [
        'import',
        'Import Moodle accounts: staff.csv (3 rows)',
        'import finished',
        'the import isn’t finished yet',
        false,
      ],
    ]);
    // Only a new account's payload names its person; a name of spaces falls back to the username.
    expect(OPERATIONS.filter((o) => 'personOf' in o).map((o) => o.name)).toEqual(['create']);
    expect(createUser.personOf({ operation: 'create', user: { ...jane, firstname: ' ', lastname: '' } })).toBe('jdoe');
    expect(createUser.personOf({ operation: 'create', user: jane })).toBe('Jane Doe');
    expect(OPERATIONS.filter((o) => 'nextSteps' in o).map((o) => o.name)).toEqual(['create']);
  });
});
