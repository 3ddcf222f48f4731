// Replays every request recorded from a real Moodle 4.5.6 (docs/moodle/real-responses.md, via the committed fixture) against
// the fake, in recording order, and compares status, content type and body byte for byte.
//
// Normalised, because they legitimately differ: the site URL (fake port), 10-digit Unix timestamps, the redacted
// token and userprivateaccesskey. User ids are NOT normalised in the default run: the fake's id sequence starts
// at 121 like the recording's and must reproduce every id, including ids burnt by rolled-back inserts.
// Deliberately not replayed byte for byte: none. Appendix A's table cuts three long debuginfo texts (c11, c13,
// g2); for those the prefix and the stated length are compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCase } from '../fixtures/moodle/extract.js';
import { loadRecording, normalise, sendRecorded, withFakeTokens } from './replay-helpers.js';

const fixture = loadRecording('real-responses');
const defaultRun = fixture.cases.filter((c) => c.run === 'none');
const developerBodies = new Map(fixture.cases.filter((c) => c.run === 'developer').map((c) => [c.id, c]));
const normalBodies = new Map(fixture.appendixA.map((a) => [a.id, a]));

/** State changes the recorder made between requests (the setup lines and titles of g3-g9). */
function applySetup(fake: FakeMoodle, id: string): void {
  const s = fake.site.settings;
  if (id === 'g3') s.enablewebservices = false;
  if (id === 'g4') {
    s.enablewebservices = true;
    s.webserviceprotocols = '';
  }
  if (id === 'g4-restored') {
    s.enablewebservices = true;
    s.webserviceprotocols = 'rest';
  }
  if (id === 'g8') fake.site.removeCapability('moodle/user:create');
  if (id === 'g8-restored') fake.site.addCapability('moodle/user:create');
  if (id === 'g9') fake.site.removeCapability('webservice/rest:use');
  if (id === 'g9-restored') fake.site.addCapability('webservice/rest:use');
}

/** Ids of users created during a run start at `firstId` (121 in the default run). */
function shiftIds(value: string, firstId: number): string {
  return value.replace(/^(\d+)$/, (m) => {
    const n = Number(m);
    return n >= 121 && n < 200 ? String(n - 121 + firstId) : m;
  });
}

function send(fake: FakeMoodle, c: RecordedCase, firstId: number) {
  return sendRecorded(fake, c, (v) => shiftIds(withFakeTokens(fake, v), firstId));
}

/** PHP json_encode of a string, written independently of the fake's encoder. */
function phpJsonString(text: string): string {
  return JSON.stringify(text)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

describe('default run (debug off): every recorded case, in order', () => {
  let fake: FakeMoodle;
  beforeAll(async () => {
    fake = await startFakeMoodle({ site: 'users-recording' });
    fake.site.setNextUserId(121);
  });
  afterAll(() => fake.close());

  for (const c of defaultRun) {
    it(`${c.id}: ${c.title}`, async () => {
      applySetup(fake, c.id);
      const actual = await send(fake, c, 121);
      expect(actual.status).toBe(c.status);
      expect(actual.contentType).toBe(c.contentType);
      expect(normalise(actual.body, fake)).toBe(normalise(c.body));
      if (c.id === 'h1' || c.id === 'h2') expect(actual.body).toContain(fake.token);
      if (c.id === 'h5') expect(actual.body).toContain(fake.limitedToken);
    });
  }
});

/** Digits normalised, as the appendices compare "unchanged" responses with the default run. */
const digitsOff = (body: string) => body.replace(/\d+/g, 'N');

describe('Appendix B run (DEVELOPER + debugdisplay)', () => {
  let fake: FakeMoodle;
  const firstId = 112; // B-e9 updates gt_alice as 112
  beforeAll(async () => {
    fake = await startFakeMoodle({ site: 'users-recording', debug: 'developer' });
    fake.site.setNextUserId(firstId);
  });
  afterAll(() => fake.close());

  for (const c of defaultRun) {
    const recorded = developerBodies.get(c.id);
    it(`${c.id}${recorded ? ' (verbatim B body)' : ' (unchanged)'}`, async () => {
      applySetup(fake, c.id);
      const actual = await send(fake, recorded ?? c, recorded ? 0 : firstId);
      expect(actual.status).toBe(c.status);
      expect(actual.contentType).toBe(c.contentType);
      if (recorded) expect(normalise(actual.body, fake)).toBe(normalise(recorded.body));
      else expect(digitsOff(normalise(actual.body, fake))).toBe(digitsOff(normalise(c.body)));
    });
  }
});

describe('Appendix A run (debug NORMAL)', () => {
  let fake: FakeMoodle;
  const firstId = 103; // A-f2b deletes gt_dave again as 106
  beforeAll(async () => {
    fake = await startFakeMoodle({ site: 'users-recording', debug: 'normal' });
    fake.site.setNextUserId(firstId);
  });
  afterAll(() => fake.close());

  for (const c of defaultRun) {
    const row = normalBodies.get(c.id);
    it(`${c.id}${row ? ' (debuginfo added)' : ' (unchanged)'}`, async () => {
      applySetup(fake, c.id);
      const actual = await send(fake, c, firstId);
      expect(actual.status).toBe(c.status);
      expect(actual.contentType).toBe(c.contentType);
      const body = normalise(actual.body, fake);
      if (!row) {
        expect(digitsOff(body)).toBe(digitsOff(normalise(c.body)));
        return;
      }
      const xml = c.contentType.startsWith('application/xml');
      if (row.debuginfoLength !== undefined) {
        // The table cut this debuginfo: compare its prefix and its stated length, which counts the text with
        // newlines written as `\n` (two characters), as the table prints it.
        const info = xml
          ? /<DEBUGINFO>([\s\S]*)<\/DEBUGINFO>/.exec(actual.body)?.[1]
          : JSON.parse(actual.body).debuginfo;
        expect(info?.startsWith(row.debuginfo)).toBe(true);
        expect(JSON.stringify(info).length - 2).toBe(row.debuginfoLength);
        expect(JSON.parse(actual.body).message).toBe(row.message);
        return;
      }
      const expected = xml
        ? c.body.replace('</EXCEPTION>', `<DEBUGINFO>${row.debuginfo}</DEBUGINFO>\n</EXCEPTION>`)
        : `${c.body.slice(0, -1)},"debuginfo":${phpJsonString(row.debuginfo)}}`;
      expect(digitsOff(body)).toBe(digitsOff(normalise(expected)));
    });
  }
});
