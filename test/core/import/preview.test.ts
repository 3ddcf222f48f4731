// The preview of an import against the fake Moodle: each kind of bad row with its reason, duplicates inside the
// file, clashes with Moodle, the update mode, PASSWORD_MODE=generate, the check CSV, and how few calls it makes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/core/clock.js';
import type { ImportPreview } from '../../../src/core/import/types.js';
import type { ProvisioningService } from '../../../src/core/provisioning.js';
import type { Store } from '../../../src/core/store.js';
import { createMoodleClient } from '../../../src/moodle/client.js';
import { Secret } from '../../../src/secret.js';
import { openStore } from '../../../src/store/index.js';
import type { FakeMoodle } from '../../fakes/fake-moodle/index.js';
import { fakeMoodleForFile } from '../../fakes/fake-moodle-per-file.js';
import { APPROVER, buildService, bulkFile, csv, REQUESTER } from './harness.js';

let fake: FakeMoodle;
let store: Store;
let client: ReturnType<typeof createMoodleClient>;

fakeMoodleForFile((started) => {
  fake = started;
});
beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 5_000, readRetries: 0 });
});
afterEach(async () => {
  await client.close();
  await store.close();
});

function service(passwordMode: 'email' | 'generate' = 'email'): ProvisioningService {
  const recorded = { progress: [], results: [], events: [] };
  return buildService(
    { store, gateway: client, clock: createManualClock(), recorded, moodleUrl: fake.url },
    { passwordMode },
  );
}

async function preview(text: string, mode: ImportPreview['mode'] = 'create', svc = service()) {
  const read = svc.imports.readFile(csv(text), 'f.csv');
  if (!read.ok) throw new Error(read.error.message);
  return svc.imports.preview({ userId: REQUESTER }, read.file, mode);
}

async function ok(text: string, mode: ImportPreview['mode'] = 'create'): Promise<ImportPreview> {
  const outcome = await preview(text, mode);
  if (outcome.kind !== 'preview') throw new Error(JSON.stringify(outcome));
  return outcome.preview;
}

const HEADER = 'username,firstname,lastname,email,idnumber,auth,country,course1,role1,cohort1';

describe('the preview of a file with every kind of bad row', () => {
  it('says, row by row, what is wrong with each; only the good row would be created', async () => {
    fake.site.addUser({ username: 'held', firstname: 'H', lastname: 'D', email: 'held@example.org', idnumber: 'ID-9' });
    const p = await ok(
      [
        HEADER,
        'good,Good,Row,good@example.org,ID-1,,,TEST101,,COHORT1',
        'Bad Name!,A,B,a1@example.org,,,,,,',
        'nofirst,,B,a2@example.org,,,,,,',
        'bademail,A,B,not-an-email,,,,,,',
        'badauth,A,B,a3@example.org,,shibboleth,,,,',
        'badcountry,A,B,a4@example.org,,,XX,,,',
        'badrole,A,B,a5@example.org,,,,TEST101,boss,',
        'nocourse,A,B,a6@example.org,,,,NOPE101,,',
        'nocohort,A,B,a7@example.org,,,,,,NOPE',
        'good,Again,Same,a8@example.org,,,,,,',
        'other,A,B,GOOD@example.org,,,,,,',
        'idtwice,A,B,a9@example.org,ID-1,,,,,',
        'held,A,B,a10@example.org,,,,,,',
        'mailheld,A,B,held@example.org,,,,,,',
        'idheld,A,B,a11@example.org,ID-9,,,,,',
      ].join('\n'),
    );
    expect(p.counts).toEqual({ create: 1, update: 0, unchanged: 0, invalid: 8, duplicate: 3, exists: 3 });
    const why = Object.fromEntries(p.rows.map((r) => [r.row, `${r.action}: ${r.message ?? ''}`]));
    expect(why[2]).toBe('create: ');
    expect(why[3]).toMatch(/^invalid: .*username/i);
    expect(why[4]).toMatch(/^invalid: .*first name/i);
    expect(why[5]).toMatch(/^invalid: .*email/i);
    expect(why[6]).toMatch(/^invalid: .*shibboleth/);
    expect(why[7]).toMatch(/^invalid: .*country/i);
    expect(why[8]).toContain('The role boss (for TEST101) is not one this app can assign');
    expect(why[9]).toContain('No Moodle course has the short name or ID number NOPE101');
    expect(why[10]).toBe('invalid: No Moodle cohort has the ID number or name NOPE.');
    expect(why[11]).toBe('duplicate: Same username as row 2 of the file; only row 2 is imported.');
    expect(why[12]).toBe('duplicate: Same email as row 2 of the file; only row 2 is imported.');
    expect(why[13]).toBe('duplicate: Same ID number as row 2 of the file; only row 2 is imported.');
    expect(why[14]).toMatch(/^exists: An account with this username exists \(Moodle account held/);
    expect(why[15]).toMatch(/^exists: The email is already used by Moodle account held/);
    expect(why[16]).toMatch(/^exists: The ID number is already used by Moodle account held/);
    expect(p.problems).toHaveLength(14);
    expect(p.courses).toEqual([{ id: 2, shortname: 'TEST101', enrolments: 1 }]);
    expect(p.cohorts).toEqual([{ id: 1, name: 'Cohort 1', members: 1 }]);
  });

  it('refuses a row whose name is a Hangul filler or a braille blank, naming the character; Korean names pass', async () => {
    const p = await ok(
      [
        'firstname,lastname,email',
        '\u3164,Kim,filler@example.org',
        'Min\u2800,Park,braille@example.org',
        '민준,김,minjun.kim@example.org',
      ].join('\n'),
    );
    const why = p.rows.map((r) => `${r.action}: ${r.message ?? ''}`);
    expect(why[0]).toBe(
      'invalid: First name contains a character that shows as blank (U+3164 HANGUL FILLER); remove it.',
    );
    expect(why[1]).toBe(
      'invalid: First name contains a character that shows as blank (U+2800 BRAILLE PATTERN BLANK); remove it.',
    );
    expect(why[2]).toBe('create: ');
  });

  it('derives a missing username from the email, as for one account', async () => {
    const p = await ok('firstname,lastname,email\nJosé,Diaz,Jose.Diaz+staff@example.org\n');
    expect(p.rows[0]).toMatchObject({ action: 'create', username: 'jose.diaz' });
  });

  it('asks Moodle in a few calls for the whole file, whatever its length', async () => {
    await ok(bulkFile('many', 3_000, { course: true, cohort: true }));
    const counts: Record<string, number> = {};
    for (const c of fake.calls) counts[c.wsfunction] = (counts[c.wsfunction] ?? 0) + 1;
    // usernames: 2 calls of 2,000 values at most; emails as typed and lower-cased (the same here): 2; one course; one
    // cohort list; the site info for the guard is not needed in add-new mode.
    expect(counts).toEqual({
      core_user_get_users_by_field: 4,
      core_course_get_courses_by_field: 1,
      core_cohort_get_cohorts: 1,
    });
  });
});

describe('the update mode', () => {
  it('shows the changed fields only, leaves an identical account alone, refuses a protected account', async () => {
    fake.site.addUser({ username: 'kim', firstname: 'Kim', lastname: 'Old', email: 'kim@example.org', city: 'Oslo' });
    fake.site.addUser({ username: 'lee', firstname: 'Lee', lastname: 'Same', email: 'lee@example.org' });
    const p = await ok(
      'username,firstname,lastname,email,city\nkim,Kim,New,kim@example.org,Oslo\nlee,Lee,Same,lee@example.org,\napi-user,A,B,api@example.org,\n',
      'create_or_update',
    );
    expect(p.rows.map((r) => r.action)).toEqual(['update', 'unchanged', 'invalid']);
    expect(p.rows[0]?.changes).toEqual([{ field: 'lastname', before: 'Old', after: 'New' }]);
    expect(p.rows[2]?.message).toContain('web-service token belongs to');
  });
});

describe('the update mode and what the reader may see', () => {
  const FILE =
    'username,firstname,lastname,email,phone1,auth,city\nray,Ray,Old,ray.new@example.org,0113 496 0999,manual,Bergen\n';

  async function previewAs(userId: string, svc: ProvisioningService): Promise<ImportPreview> {
    const read = svc.imports.readFile(csv(FILE), 'f.csv');
    if (!read.ok) throw new Error(read.error.message);
    const outcome = await svc.imports.preview({ userId }, read.file, 'create_or_update');
    if (outcome.kind !== 'preview') throw new Error(JSON.stringify(outcome));
    return outcome.preview;
  }

  beforeEach(() => {
    if (fake.site.findUser('ray')) return;
    fake.site.addUser({
      username: 'ray',
      firstname: 'Ray',
      lastname: 'Old',
      email: 'ray.old@example.org',
      phone1: '0113 496 0001',
      auth: 'oauth2',
      city: 'Oslo',
    });
  });

  it('a plain requester reads the new value of a contact field or the sign-in method, never the old one: preview, check CSV, stored rows', async () => {
    const svc = service();
    const p = await previewAs(REQUESTER, svc);
    expect(p.rows[0]?.changes).toEqual([
      { field: 'email', after: 'ray.new@example.org' },
      { field: 'phone1', after: '0113 496 0999' },
      { field: 'auth', after: 'manual' },
      { field: 'city', before: 'Oslo', after: 'Bergen' },
    ]);
    const check = svc.imports.checkCsv(p);
    expect(check).toContain(
      'email: changed to ray.new@example.org; phone1: changed to 0113 496 0999; auth: changed to manual; city: Oslo → Bergen',
    );
    expect(check).not.toContain('ray.old@example.org');
    expect(check).not.toContain('0113 496 0001');
    expect(check).not.toContain('oauth2');
    const outcome = await svc.imports.submit({ userId: REQUESTER }, p, 'new numbers');
    if (outcome.kind !== 'pending') throw new Error(JSON.stringify(outcome));
    const stored = JSON.stringify(await store.listImportRows(outcome.request.id));
    expect(stored).toContain('ray.new@example.org');
    expect(stored).not.toContain('ray.old@example.org');
    expect(stored).not.toContain('0113 496 0001');
    expect(stored).not.toContain('oauth2');
  });

  it('an approver reads before → after for every field', async () => {
    const svc = service();
    const p = await previewAs(APPROVER, svc);
    expect(p.rows[0]?.changes).toEqual([
      { field: 'email', before: 'ray.old@example.org', after: 'ray.new@example.org' },
      { field: 'phone1', before: '0113 496 0001', after: '0113 496 0999' },
      { field: 'auth', before: 'oauth2', after: 'manual' },
      { field: 'city', before: 'Oslo', after: 'Bergen' },
    ]);
    expect(svc.imports.checkCsv(p)).toContain('email: ray.old@example.org → ray.new@example.org');
    expect(svc.imports.checkCsv(p)).toContain('auth: oauth2 → manual');
  });
});

describe('PASSWORD_MODE=generate', () => {
  it('refuses an import of accounts with Moodle passwords, saying why; accounts that log in elsewhere pass', async () => {
    const refused = await preview('firstname,lastname,email\nA,B,a@example.org\n', 'create', service('generate'));
    expect(refused).toEqual({ kind: 'refused', reason: expect.stringContaining('PASSWORD_MODE=generate') });
    expect(fake.calls).toHaveLength(0);
    const sso = await preview(
      'firstname,lastname,email,auth\nA,B,a@example.org,oauth2\n',
      'create',
      service('generate'),
    );
    expect(sso.kind).toBe('preview');
  });
});

describe('the check CSV', () => {
  it('has a line per row, and a cell a spreadsheet would run as a formula is kept as text', async () => {
    const svc = service();
    const p = await ok('firstname,lastname,email\n=HYPERLINK("x"),B,a@example.org\nA,B,b@example.org\n');
    const lines = svc.imports.checkCsv(p).trim().split('\n');
    expect(lines[0]).toBe('row,username,action,moodle_id,changes,courses,cohorts,message');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('3,b,create,,,,,');
    expect(svc.imports.checkCsv(p)).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('says Moodle could not be asked when it cannot be reached; nothing is previewed', async () => {
    fake.setFault('refuse');
    const outcome = await preview('firstname,lastname,email\nA,B,a@example.org\n');
    fake.setFault(null);
    expect(outcome).toEqual({
      kind: 'unavailable',
      message: expect.stringContaining('Could not check the file against Moodle'),
    });
  });
});
