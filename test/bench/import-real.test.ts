// The real-Moodle import benchmark (bench/import-real.ts) run against the fake Moodle, which answers as the recorded
// Moodle 4.5 site: every row is created (and enrolled when a course is given), the accounts are deleted afterwards,
// and the token never reaches the log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { benchImportReal } from '../../bench/import-real.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';

const ROWS = 200;
const TEST101 = 2; // The fake's course id of TEST101 (catalogue.ts).

let fake: FakeMoodle;
let logged: string[];
// The bench_import_* accounts as they were when the first deletion arrived: [id, username, enrolled in TEST101].
let beforeDeletion: Array<[number, string, boolean]> | undefined;

beforeAll(async () => {
  fake = await startFakeMoodle();
});

beforeEach(() => {
  fake.reset();
  logged = [];
  beforeDeletion = undefined;
  // A call is recorded before it is served: the state seen here is the one the deletion finds.
  const record = fake.calls.push.bind(fake.calls);
  fake.calls.push = (...calls) => {
    if (!beforeDeletion && calls.some((c) => c.wsfunction === 'core_user_delete_users')) {
      const now = fake.site.now();
      beforeDeletion = fake.site.users
        .filter((u) => u.username.startsWith('bench_import_') && !u.deleted)
        .map((u) => [u.id, u.username, fake.site.catalogue.isActivelyEnrolled(u.id, TEST101, now)]);
    }
    return record(...calls);
  };
});

afterAll(async () => {
  await fake.close();
});

const run = (course: string | undefined) =>
  benchImportReal({ url: fake.url, token: fake.token, rows: ROWS, course, log: (line) => logged.push(line) });

function expectCleanedUp() {
  expect(fake.site.users.filter((u) => u.username.startsWith('bench_import_') && !u.deleted)).toEqual([]);
  expect(fake.site.users.filter((u) => u.deleted)).toHaveLength(ROWS);
  expect(logged).toContain(`deleted ${ROWS} bench_import_* accounts`);
  for (const line of logged) expect(line).not.toContain(fake.token);
}

describe('benchImportReal against the fake Moodle', () => {
  it('creates every row, enrols each in the course, then deletes them', async () => {
    const [row] = await run('TEST101');
    expect(row).toMatchObject({ rows: ROWS, created: ROWS, failed: 0, course: true, auth: 'nologin' });
    expect(row?.wallMs).toBeGreaterThan(0);
    expect(beforeDeletion).toHaveLength(ROWS);
    expect(beforeDeletion?.filter(([, , enrolled]) => !enrolled)).toEqual([]);
    const usernames = new Set(beforeDeletion?.map(([, username]) => username));
    expect(usernames.size).toBe(ROWS);
    // The calls from approval on: every create and enrolment call, the preview's look-ups left out.
    const served = (fn: string) => fake.calls.filter((c) => c.wsfunction === fn).length;
    expect(row?.calls.core_user_create_users).toBe(served('core_user_create_users'));
    expect(row?.calls.enrol_manual_enrol_users).toBe(served('enrol_manual_enrol_users'));
    expect(served('enrol_manual_enrol_users')).toBeGreaterThan(0);
    expect(row?.calls.core_user_get_users_by_field).toBeLessThan(served('core_user_get_users_by_field'));
    expect(row?.calls.core_user_delete_users).toBeUndefined();
    expectCleanedUp();
  });

  it('without a course: creates every row, enrols none, then deletes them', async () => {
    const [row] = await run(undefined);
    expect(row).toMatchObject({ rows: ROWS, created: ROWS, failed: 0, course: false });
    expect(beforeDeletion).toHaveLength(ROWS);
    expect(beforeDeletion?.filter(([, , enrolled]) => enrolled)).toEqual([]);
    expect(fake.calls.filter((c) => c.wsfunction === 'enrol_manual_enrol_users')).toEqual([]);
    expectCleanedUp();
  });
});

describe('benchImportReal on a site with a low max_input_vars', () => {
  it('looks up the accounts to delete a part at a time, so none is left behind', async () => {
    // 1,600 variables a request hold the import's own calls (250 users, 1,000 look-ups), not 1,700 usernames.
    const small = await startFakeMoodle({ maxInputVars: 1_600 });
    try {
      const lines: string[] = [];
      const [row] = await benchImportReal({
        url: small.url,
        token: small.token,
        rows: 1_700,
        course: undefined,
        log: (line) => lines.push(line),
      });
      expect(row).toMatchObject({ created: 1_700, failed: 0 });
      expect(small.site.users.filter((u) => u.username.startsWith('bench_import_') && !u.deleted)).toEqual([]);
      expect(lines).toContain('deleted 1700 bench_import_* accounts');
    } finally {
      await small.close();
    }
  });
});

describe('benchImportReal when the import cannot run', () => {
  it("throws the import's own error, tells that the clean-up failed, and keeps the token out of the log", async () => {
    // The limited token may not look users up: the preview fails, and so does the clean-up's look-up.
    const failure = benchImportReal({
      url: fake.url,
      token: fake.limitedToken,
      rows: 5,
      course: 'TEST101',
      log: (line) => logged.push(line),
    });
    await expect(failure).rejects.toThrow(/"kind":"unavailable".*Could not check the file against Moodle/);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /^could not delete the bench_import_\w+_\* accounts, delete them by hand: .*accessexception/,
    );
    expect(logged[0]).not.toContain(fake.limitedToken);
  });

  it('names the row problem when no row can be imported (an unknown course)', async () => {
    const failure = benchImportReal({ url: fake.url, token: fake.token, rows: 5, course: 'NOPE', log: () => {} });
    await expect(failure).rejects.toThrow(/row 2: No Moodle course has the short name or ID number NOPE/);
  });
});
