// Integration: the client's course and enrolment methods against the fake Moodle, which reproduces
// real-responses-enrolment.json: success, every error mapping, retries of reads only, and the a6 PHP Error.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMoodleClient, type MoodleClient } from '../../src/moodle/client.js';
import { MoodleError, MoodleErrorCode } from '../../src/moodle/errors.js';
import { Secret } from '../../src/secret.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { caught, collectingLogger, everyRendering } from './helpers.js';

let fake: FakeMoodle;
let client: MoodleClient;
const { logger, lines } = collectingLogger();
const errors: unknown[] = [];
let alice: number;
let bob: number;
let gone: number;

async function failure(p: Promise<unknown>): Promise<MoodleError> {
  const err = await caught(p);
  errors.push(err);
  expect(err).toBeInstanceOf(MoodleError);
  return err as MoodleError;
}

const person = (username: string) => ({
  username,
  firstname: username,
  lastname: 'Test',
  email: `${username}@example.com`,
});
const enrolment = (userId: number, courseId: number) => fake.site.catalogue.enrolment(userId, courseId);

beforeAll(async () => {
  fake = await startFakeMoodle();
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 3000, logger });
});

beforeEach(() => {
  fake.reset();
  alice = fake.site.addUser(person('alice'));
  bob = fake.site.addUser(person('bob'));
  gone = fake.site.addUser(person('gone'));
  fake.site.getUser(gone)!.deleted = true;
});

afterAll(async () => {
  await client.close();
  await fake.close();
  for (const text of [...errors.map(everyRendering), ...lines]) expect(text).not.toContain(fake.token);
});

describe('getCoursesByField (core_course_get_courses_by_field)', () => {
  it('finds a course by short name, ID number and id, with its enrolment methods (a1, a3, a4)', async () => {
    const [byName] = await client.getCoursesByField('shortname', 'TEST101');
    expect(byName).toEqual({
      id: 2,
      shortname: 'TEST101',
      fullname: 'Test Course 101',
      visible: true,
      enrolmentMethods: ['manual'],
    });
    expect((await client.getCoursesByField('idnumber', 'TEST102')).map((c) => c.id)).toEqual([3]);
    expect(await client.getCoursesByField('id', 4)).toMatchObject([{ shortname: 'TEST103', enrolmentMethods: [] }]);
    expect(fake.calls.map((c) => c.params.field)).toEqual(['shortname', 'idnumber', 'id']);
  });

  it('answers [] for a short name in another case, an unknown id and the front page (a2b, a4b, a5)', async () => {
    expect(await client.getCoursesByField('shortname', 'test101')).toEqual([]);
    expect(await client.getCoursesByField('id', 999999)).toEqual([]);
    expect(await client.getCoursesByField('id', 1)).toEqual([]);
  });

  it('leaves visible out when the token user sees only public course information (a8)', async () => {
    fake.site.removeCapability('moodle/course:view');
    const [course] = await client.getCoursesByField('shortname', 'TEST101');
    expect(course).toEqual({ id: 2, shortname: 'TEST101', fullname: 'Test Course 101', enrolmentMethods: ['manual'] });
  });

  it('refuses an id that is not positive and an empty short name without sending', async () => {
    expect((await failure(client.getCoursesByField('id', 0))).code).toBe(MoodleErrorCode.InvalidRequest);
    expect((await failure(client.getCoursesByField('shortname', ''))).code).toBe(MoodleErrorCode.InvalidRequest);
    expect(fake.calls).toHaveLength(0);
  });

  it('is a read: retried after a reset connection', async () => {
    fake.setFault('reset', { times: 1 });
    const retrying = createMoodleClient({
      url: fake.url,
      token: new Secret(fake.token),
      timeoutMs: 3000,
      retryMinDelayMs: 1,
    });
    expect(await retrying.getCoursesByField('id', 2)).toHaveLength(1);
    expect(fake.calls).toHaveLength(2);
    await retrying.close();
  });

  it('maps the PHP Error without errorcode of an unknown id in `ids` (a6)', async () => {
    const err = await failure(client.call('core_course_get_courses_by_field', { field: 'ids', value: '2,3,999999' }));
    expect(err.code).toBe(MoodleErrorCode.PhpError);
    expect(err.envelope).toEqual({
      exception: 'Error',
      errorcode: '',
      message: 'Attempt to assign property "contextvalidated" on null',
    });
    expect(err.message).toContain('(Error)');
    expect(err.hint).toContain('course id that does not exist');
  });
});

describe('enrolUsers (enrol_manual_enrol_users)', () => {
  it('enrols with times and suspend, sent as the recording does (b2, b3)', async () => {
    await client.enrolUsers([
      { userId: alice, courseId: 2, roleId: 5, timeStart: 1796499413, timeEnd: 1799177813 },
      { userId: bob, courseId: 2, roleId: 4, suspend: true },
    ]);
    expect(Object.entries(fake.calls[0]?.params ?? {}).slice(2)).toEqual([
      ['enrolments[0][roleid]', '5'],
      ['enrolments[0][userid]', String(alice)],
      ['enrolments[0][courseid]', '2'],
      ['enrolments[0][timestart]', '1796499413'],
      ['enrolments[0][timeend]', '1799177813'],
      ['enrolments[1][roleid]', '4'],
      ['enrolments[1][userid]', String(bob)],
      ['enrolments[1][courseid]', '2'],
      ['enrolments[1][suspend]', '1'],
    ]);
    expect(enrolment(alice, 2)).toMatchObject({ status: 0, timestart: 1796499413, timeend: 1799177813 });
    expect(enrolment(bob, 2)).toMatchObject({ status: 1 });
    expect(fake.site.catalogue.rolesOf(bob, 2)).toEqual([4]);
  });

  it('is an upsert: omitted times reset, suspend re-activated (b9b, b9c)', async () => {
    await client.enrolUsers([{ userId: alice, courseId: 2, roleId: 5, timeEnd: 1799177813, suspend: true }]);
    await client.enrolUsers([{ userId: alice, courseId: 2, roleId: 5 }]);
    expect(enrolment(alice, 2)).toMatchObject({ status: 0, timestart: 0, timeend: 0 });
  });

  it.each([
    [{ courseId: 4 }, MoodleErrorCode.NoManualEnrolment, 'Participants > Enrolment methods'],
    [{ roleId: 1 }, MoodleErrorCode.CannotAssignRole, 'Allow role assignments'],
    [{ roleId: 999 }, MoodleErrorCode.CannotAssignRole, 'ROLE_IDS'],
    [{ courseId: 999999 }, MoodleErrorCode.InvalidParameter, 'course id that does not exist'],
    [{ userId: 999999 }, MoodleErrorCode.InvalidUser, 'No such Moodle user'],
    [{ userId: -1 }, MoodleErrorCode.InvalidRequest, 'positive whole number'],
  ])('maps %o to %s', async (change, code, hint) => {
    const err = await failure(client.enrolUsers([{ userId: alice, courseId: 2, roleId: 5, ...change }]));
    expect(err.code).toBe(code);
    expect(err.hint).toContain(hint);
  });

  it('maps a deleted user, the guest, a course it may not enter and a missing capability (b11, b12, a8b)', async () => {
    expect((await failure(client.enrolUsers([{ userId: gone, courseId: 2, roleId: 5 }]))).code).toBe(
      MoodleErrorCode.UserDeleted,
    );
    expect((await failure(client.enrolUsers([{ userId: 1, courseId: 2, roleId: 5 }]))).code).toBe(
      MoodleErrorCode.GuestNotAllowed,
    );
    fake.site.removeCapability('moodle/course:view');
    const login = await failure(client.enrolUsers([{ userId: alice, courseId: 2, roleId: 5 }]));
    expect(login.code).toBe(MoodleErrorCode.CourseNotAccessible);
    expect(login.hint).toContain('moodle/course:view');
    fake.site.addCapability('moodle/course:view');
    fake.site.removeCapability('enrol/manual:enrol');
    const cap = await failure(client.enrolUsers([{ userId: alice, courseId: 2, roleId: 5 }]));
    expect(cap.code).toBe(MoodleErrorCode.NoPermissions);
    expect(cap.hint).toContain('enrol/manual:enrol');
  });

  it('names an unknown course when Moodle debugging says so (A-b5)', async () => {
    fake.site.settings.debug = 'normal';
    const err = await failure(client.enrolUsers([{ userId: alice, courseId: 999999, roleId: 5 }]));
    expect(err.code).toBe(MoodleErrorCode.CourseNotFound);
  });

  it('is all-or-nothing, says nothing changed, and is never retried (b4)', async () => {
    const err = await failure(
      client.enrolUsers([
        { userId: alice, courseId: 2, roleId: 5 },
        { userId: 999999, courseId: 2, roleId: 5 },
      ]),
    );
    expect(err.hint).toContain('Nothing was changed in Moodle.');
    expect(enrolment(alice, 2)).toBeUndefined();
    fake.setFault({ status: 502 }, { times: 1 });
    const lost = await failure(client.enrolUsers([{ userId: alice, courseId: 2, roleId: 5 }]));
    expect(lost.outcomeUnknown).toBe(true);
    expect(fake.calls.filter((c) => c.wsfunction === 'enrol_manual_enrol_users')).toHaveLength(2);
  });
});

describe('unenrolUsers (enrol_manual_unenrol_users) and getUserCourses (core_enrol_get_users_courses)', () => {
  it('unenrols, idempotently, and the course list shows only active enrolments (d1, d2b, b2b, b3)', async () => {
    await client.enrolUsers([
      { userId: alice, courseId: 2, roleId: 5 },
      { userId: alice, courseId: 3, roleId: 5, suspend: true },
    ]);
    expect(await client.getUserCourses(alice)).toEqual([
      { id: 2, shortname: 'TEST101', fullname: 'Test Course 101', idnumber: 'TEST101' },
    ]);
    expect(fake.calls.at(-1)?.params).toMatchObject({ userid: String(alice), returnusercount: '0' });
    await client.unenrolUsers([{ userId: alice, courseId: 2 }]);
    await client.unenrolUsers([{ userId: alice, courseId: 2 }]);
    expect(await client.getUserCourses(alice)).toEqual([]);
    expect(await client.getUserCourses(999999)).toEqual([]);
  });

  it('maps an unknown course, a course without manual enrolment and a deleted user (d3, d4, d6)', async () => {
    expect((await failure(client.unenrolUsers([{ userId: alice, courseId: 999999 }]))).code).toBe(
      MoodleErrorCode.CourseNotFound,
    );
    expect((await failure(client.unenrolUsers([{ userId: alice, courseId: 4 }]))).code).toBe(
      MoodleErrorCode.NoManualEnrolment,
    );
    expect((await failure(client.unenrolUsers([{ userId: gone, courseId: 2 }]))).code).toBe(
      MoodleErrorCode.UserDeleted,
    );
    fake.site.removeCapability('enrol/manual:unenrol');
    const cap = await failure(client.unenrolUsers([{ userId: alice, courseId: 2 }]));
    expect(cap.hint).toContain('enrol/manual:unenrol');
  });

  it('is all-or-nothing (d5)', async () => {
    await client.enrolUsers([{ userId: bob, courseId: 2, roleId: 5 }]);
    const err = await failure(
      client.unenrolUsers([
        { userId: bob, courseId: 2 },
        { userId: 999999, courseId: 2 },
      ]),
    );
    expect(err.code).toBe(MoodleErrorCode.InvalidUser);
    expect(enrolment(bob, 2)).toBeDefined();
  });

  it('sends nothing for empty lists', async () => {
    await client.enrolUsers([]);
    await client.unenrolUsers([]);
    expect(fake.calls).toHaveLength(0);
  });
});
