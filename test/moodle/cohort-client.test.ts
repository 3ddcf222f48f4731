// Integration: the client's cohort methods against the fake Moodle (real-responses-enrolment.json section f):
// per-item warnings of add as the port's kinds, all-or-nothing delete, and their error mappings.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMoodleClient, type MoodleClient } from '../../src/moodle/client.js';
import { MoodleError, MoodleErrorCode } from '../../src/moodle/errors.js';
import { Secret } from '../../src/secret.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { caught, json, mockMoodle } from './helpers.js';

let fake: FakeMoodle;
let client: MoodleClient;
let alice: number;
let bob: number;
let gone: number;

async function failure(p: Promise<unknown>): Promise<MoodleError> {
  const err = await caught(p);
  expect(err).toBeInstanceOf(MoodleError);
  return err as MoodleError;
}

const members = () => fake.site.catalogue.members.map((m) => [m.cohortid, m.userid]);

beforeAll(async () => {
  fake = await startFakeMoodle();
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 3000 });
});

beforeEach(() => {
  fake.reset();
  const add = (username: string) =>
    fake.site.addUser({ username, firstname: username, lastname: 'Test', email: `${username}@example.com` });
  alice = add('alice');
  bob = add('bob');
  gone = add('gone');
  fake.site.getUser(gone)!.deleted = true;
});

afterAll(async () => {
  await client.close();
  await fake.close();
});

describe('getCohorts (core_cohort_get_cohorts)', () => {
  it('lists every cohort, or the given ids leaving unknown ones out (f1-f3b)', async () => {
    const cohort1 = { id: 1, name: 'Cohort 1', idnumber: 'COHORT1', visible: true };
    expect(await client.getCohorts()).toEqual([cohort1]);
    expect(await client.getCohorts([1, 999999])).toEqual([cohort1]);
    expect(fake.calls.map((c) => c.params)).toEqual([
      { wsfunction: 'core_cohort_get_cohorts', moodlewsrestformat: 'json' },
      {
        wsfunction: 'core_cohort_get_cohorts',
        moodlewsrestformat: 'json',
        'cohortids[0]': '1',
        'cohortids[1]': '999999',
      },
    ]);
  });

  it('answers [] for an empty id list without asking Moodle, which would list every cohort', async () => {
    expect(await client.getCohorts([])).toEqual([]);
    expect(fake.calls).toHaveLength(0);
  });

  it('names moodle/cohort:view when the role lacks it', async () => {
    fake.site.removeCapability('moodle/cohort:view');
    const err = await failure(client.getCohorts());
    expect(err.code).toBe(MoodleErrorCode.NoPermissions);
    expect(err.hint).toContain('moodle/cohort:view');
  });
});

describe('addCohortMembers (core_cohort_add_cohort_members)', () => {
  it('adds by ids, and a repeat only warns already_member (f5, f6)', async () => {
    expect(await client.addCohortMembers([{ cohortId: 1, userId: alice }])).toEqual([]);
    expect(fake.calls[0]?.params).toMatchObject({
      'members[0][cohorttype][type]': 'id',
      'members[0][cohorttype][value]': '1',
      'members[0][usertype][type]': 'id',
      'members[0][usertype][value]': String(alice),
    });
    expect(await client.addCohortMembers([{ cohortId: 1, userId: alice }])).toEqual([
      { kind: 'already_member', message: `record already exists: cohort(id=1 id=${alice})` },
    ]);
    expect(members()).toEqual([[1, alice]]);
  });

  it('adds the valid members and warns not_found for the others (f9, f11, f12b)', async () => {
    const warnings = await client.addCohortMembers([
      { cohortId: 1, userId: bob },
      { cohortId: 1, userId: gone },
      { cohortId: 999999, userId: alice },
    ]);
    expect(warnings).toEqual([
      { kind: 'not_found', message: `user id=${gone} not exists` },
      { kind: 'not_found', message: 'cohort id=999999 not exists' },
    ]);
    expect(members()).toEqual([[1, bob]]);
  });

  it('names moodle/cohort:assign and keeps nothing when the role lacks it', async () => {
    fake.site.removeCapability('moodle/cohort:assign');
    const err = await failure(client.addCohortMembers([{ cohortId: 1, userId: alice }]));
    expect(err.code).toBe(MoodleErrorCode.NoPermissions);
    expect(err.hint).toContain('moodle/cohort:assign');
    expect(members()).toEqual([]);
  });

  it('refuses a warning code Moodle does not document, saying the outcome is unknown', async () => {
    const m = mockMoodle([json({ warnings: [{ warningcode: '9', message: 'new in a later Moodle' }] })]);
    const err = await failure(m.client.addCohortMembers([{ cohortId: 1, userId: 2 }]));
    expect(err.code).toBe(MoodleErrorCode.BadResponse);
    expect(err.outcomeUnknown).toBe(true);
    const invalid = mockMoodle([json({ warnings: [{ warningcode: '1', message: 'invalid parameter: usertype=x' }] })]);
    expect(await invalid.client.addCohortMembers([{ cohortId: 1, userId: 2 }])).toEqual([
      { kind: 'invalid', message: 'invalid parameter: usertype=x' },
    ]);
  });
});

describe('deleteCohortMembers (core_cohort_delete_cohort_members)', () => {
  it('removes a member, and removing a non-member succeeds (f13, f14)', async () => {
    await client.addCohortMembers([{ cohortId: 1, userId: alice }]);
    await client.deleteCohortMembers([{ cohortId: 1, userId: alice }]);
    await client.deleteCohortMembers([{ cohortId: 1, userId: alice }]);
    expect(members()).toEqual([]);
    expect(fake.calls.at(-1)?.params).toMatchObject({
      'members[0][cohortid]': '1',
      'members[0][userid]': String(alice),
    });
  });

  it('maps an unknown cohort and an unknown user, and is all-or-nothing (f15-f17)', async () => {
    await client.addCohortMembers([{ cohortId: 1, userId: alice }]);
    const err = await failure(
      client.deleteCohortMembers([
        { cohortId: 1, userId: alice },
        { cohortId: 999999, userId: bob },
      ]),
    );
    expect(err.code).toBe(MoodleErrorCode.CohortNotFound);
    expect(err.hint).toContain('Nothing was changed in Moodle.');
    expect(members()).toEqual([[1, alice]]);
    expect((await failure(client.deleteCohortMembers([{ cohortId: 1, userId: 999999 }]))).code).toBe(
      MoodleErrorCode.InvalidUser,
    );
  });

  it('refuses ids that are not positive without sending, and sends nothing for empty lists', async () => {
    expect((await failure(client.deleteCohortMembers([{ cohortId: 0, userId: alice }]))).code).toBe(
      MoodleErrorCode.InvalidRequest,
    );
    expect(await client.addCohortMembers([])).toEqual([]);
    await client.deleteCohortMembers([]);
    expect(fake.calls).toHaveLength(0);
  });
});
