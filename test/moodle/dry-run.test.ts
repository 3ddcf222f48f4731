// The dry run against the fake Moodle: each operation's own prepare and execute run on a gateway that reads from
// Moodle and records writes as the exact form fields they would send, token and passwords masked; nothing changes.
import { describe, expect, it } from 'vitest';
import { planCalls } from '../../src/core/operations/plan.js';
import type { OperationSettings } from '../../src/core/operations/types.js';
import type { RequestPayload, RequestTarget } from '../../src/core/requests.js';
import type { MoodleClient } from '../../src/moodle/client.js';
import { MASK } from '../../src/moodle/dry-run.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import { moodleClientForFile } from '../fakes/fake-moodle-per-file.js';

let fake: FakeMoodle;
let client: MoodleClient;

moodleClientForFile((parts) => {
  ({ fake, client } = parts);
});

const SETTINGS: OperationSettings = { passwordMode: 'generate', moodleUrl: 'https://lms.example.org' };
const jane = { username: 'dryjane', email: 'dry.jane@example.org', firstname: 'Jane', lastname: 'Doe', auth: 'manual' };

async function plan(payload: RequestPayload, target: RequestTarget = {}, settings = SETTINGS) {
  const writesBefore = fake.calls.filter((c) => !/_get_/.test(c.wsfunction)).length;
  const result = await planCalls(client.dryRun(), settings, { payload, target });
  expect(fake.calls.filter((c) => !/_get_/.test(c.wsfunction)).length, 'no write reached Moodle').toBe(writesBefore);
  return result;
}

const fieldsOf = (call: { fields: ReadonlyArray<readonly [string, string]> } | undefined) =>
  Object.fromEntries(call?.fields ?? []);

describe('planCalls', () => {
  it('a create: the create then the enrolment, in order, with the new account’s id as words; token and password masked', async () => {
    const course = fake.site.catalogue.courses.find((c) => c.shortname === 'TEST101');
    const { calls, stopped } = await plan({
      operation: 'create',
      user: { ...jane, city: 'Lyon' },
      enrolments: [
        {
          course: { id: course?.id ?? 0, shortname: 'TEST101', fullname: 'Test Course 101' },
          role: { id: 5, shortname: 'student' },
        },
      ],
    });
    expect(stopped).toBeUndefined();
    expect(calls.map((c) => c.wsfunction)).toEqual(['core_user_create_users', 'enrol_manual_enrol_users']);
    const create = calls[0]?.fields ?? [];
    expect(create.slice(0, 3)).toEqual([
      ['wstoken', MASK],
      ['wsfunction', 'core_user_create_users'],
      ['moodlewsrestformat', 'json'],
    ]);
    expect(fieldsOf(calls[0])).toMatchObject({
      'users[0][username]': 'dryjane',
      'users[0][email]': 'dry.jane@example.org',
      'users[0][city]': 'Lyon',
      'users[0][password]': MASK,
      'users[0][preferences][0][type]': 'auth_forcepasswordchange',
    });
    expect(fieldsOf(calls[1])).toMatchObject({
      'enrolments[0][userid]': '(the new account’s id)',
      'enrolments[0][courseid]': String(course?.id),
      'enrolments[0][roleid]': '5',
    });
    expect(JSON.stringify(calls)).not.toContain(fake.token);
    expect(fake.site.findUser('dryjane')).toBeUndefined();
  });

  it('in email mode a create asks Moodle to make the password', async () => {
    const { calls } = await plan({ operation: 'create', user: jane }, {}, { ...SETTINGS, passwordMode: 'email' });
    expect(fieldsOf(calls[0])).toMatchObject({ 'users[0][createpassword]': '1' });
    expect(fieldsOf(calls[0])['users[0][password]']).toBeUndefined();
  });

  it('a create whose username exists stops before any call, and says why', async () => {
    fake.site.addUser({ username: 'drytaken', firstname: 'T', lastname: 'K', email: 'taken@example.org' });
    const { calls, stopped } = await plan({ operation: 'create', user: { ...jane, username: 'drytaken' } });
    expect(calls).toEqual([]);
    expect(stopped).toContain('drytaken');
  });

  it('suspend, update and delete of an existing account: one call each, the account untouched', async () => {
    const id = fake.site.addUser({ username: 'dryold', firstname: 'Old', lastname: 'One', email: 'old@example.org' });
    const target = { moodleId: id, username: 'dryold' };
    const suspend = await plan({ operation: 'suspend' }, target);
    expect(suspend.calls.map((c) => fieldsOf(c))).toEqual([
      expect.objectContaining({
        wsfunction: 'core_user_update_users',
        'users[0][id]': String(id),
        'users[0][suspended]': '1',
      }),
    ]);
    const update = await plan({ operation: 'update', changes: [{ field: 'city', before: '', after: 'York' }] }, target);
    expect(fieldsOf(update.calls[0])).toMatchObject({ 'users[0][id]': String(id), 'users[0][city]': 'York' });
    const del = await plan({ operation: 'delete' }, target);
    expect(del.calls.map((c) => [c.wsfunction, fieldsOf(c)['userids[0]']])).toEqual([
      ['core_user_delete_users', String(id)],
    ]);
    expect(fake.site.getUser(id)).toMatchObject({ suspended: false, deleted: false });
  });
});
