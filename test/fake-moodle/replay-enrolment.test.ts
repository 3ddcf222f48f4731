// Replays every request recorded from a real Moodle 4.5.6 for courses, enrolments and cohorts
// (test/fixtures/moodle/real-responses-enrolment.json) against the fake started as that site, in recording
// order, and compares status, content type and body byte for byte, with the normalisations of the users replay
// (site URL, timestamps, token). User ids are not normalised: the fake reproduces 17-32, 29 burnt by the viewer.
// The SQL checks between the calls are answered from the fake's model and compared row for row, timestamps
// included: the fake's clock follows the recorder's (CLOCK), so they prove the upsert semantics (b9-b9e keep or
// change timemodified exactly as Moodle did). Not asserted: g2-sql (counts of custom profile fields, which the fake
// does not have). Appendix A's verbatim debug=15 bodies are replayed after the default run, as recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCase } from '../fixtures/moodle/extract.js';
import { queryFake } from './fake-sql.js';
import { loadRecording, normalise, sendRecorded, withFakeTokens } from './replay-helpers.js';

const fixture = loadRecording('real-responses-enrolment');
const defaultRun = fixture.cases.filter((c) => c.run === 'none');
const appendixA = fixture.cases.filter((c) => c.run === 'normal');
const sqlChecks = fixture.sqlChecks ?? [];
const NOT_ASSERTED = new Set(['g2-sql']);

/**
 * The recorder's clock (Unix seconds) at the calls whose time the SQL checks show: timemodified of enrolments,
 * the deleted username's suffix, auth_manual_passwordupdatetime. Between them it stays where it was.
 */
const CLOCK: Record<string, number> = {
  s1: 1796585813,
  s3: 1796585814,
  b1: 1796585819,
  b2: 1796585820,
  b2b: 1796585821,
  b3: 1796585821,
  b9: 1796585824,
  b9b: 1796585826,
  b9c: 1796585826,
  b10: 1796585828,
  g1: 1796585842,
  g3: 1796585844,
};

let fake: FakeMoodle;
// b1-check: the courses were last modified at 1796585295, when the fake's site is seeded.
let nowSeconds = 1796585295;
let viewerToken = '';

/** The recorder's temporary viewer (a8, a8b): a user whose only role has webservice/rest:use, and its token. */
function applySetup(id: string): void {
  const site = fake.site;
  if (id === 'a8') {
    const viewer = site.addUser({
      username: 'gt2_viewer',
      firstname: 'Viewer',
      lastname: 'Gt2',
      email: 'gt2_viewer@example.com',
    });
    site.addCapability('webservice/rest:use', 'viewer');
    site.assignRole(viewer, 'viewer');
    viewerToken = site.addToken(viewer, 'user_creation');
  }
}

function applyTeardown(id: string): void {
  if (id !== 'a8b') return;
  const viewer = fake.site.findUser('gt2_viewer');
  fake.site.removeToken(viewerToken);
  if (viewer) viewer.deleted = true;
}

async function replay(c: RecordedCase) {
  nowSeconds = CLOCK[c.id] ?? nowSeconds;
  applySetup(c.id);
  const actual = await sendRecorded(fake, c, (v) => withFakeTokens(fake, v).replace('<VIEWER_TOKEN>', viewerToken));
  applyTeardown(c.id);
  return actual;
}

describe('real-responses-enrolment: every recorded case, in order', () => {
  beforeAll(async () => {
    fake = await startFakeMoodle({ site: 'enrolment-recording', now: () => nowSeconds * 1000 });
    fake.site.setNextUserId(17);
  });
  afterAll(() => fake.close());

  for (const c of defaultRun) {
    it(`${c.id}: ${c.title}`, async () => {
      const actual = await replay(c);
      expect(actual.status).toBe(c.status);
      expect(actual.contentType).toBe(c.contentType);
      expect(normalise(actual.body, fake)).toBe(normalise(c.body));
    });
    for (const check of sqlChecks.filter((s) => s.after === c.id && !NOT_ASSERTED.has(s.id))) {
      it(`${check.id} (SQL): ${check.title}`, () => {
        expect(queryFake(fake.site, check)).toEqual(check.rows);
      });
    }
  }

  describe('Appendix A (debug NORMAL), after the default run', () => {
    beforeAll(() => {
      fake.site.settings.debug = 'normal';
    });
    for (const c of appendixA) {
      it(`A-${c.id}: ${c.title}`, async () => {
        const actual = await replay(c);
        expect(actual.status).toBe(c.status);
        expect(actual.contentType).toBe(c.contentType);
        expect(normalise(actual.body, fake)).toBe(normalise(c.body));
      });
    }
  });
});

it('replays every case and every SQL check but the ones named as not asserted', () => {
  expect(defaultRun).toHaveLength(91);
  expect(appendixA).toHaveLength(9);
  expect(sqlChecks.filter((s) => !NOT_ASSERTED.has(s.id))).toHaveLength(24);
});
