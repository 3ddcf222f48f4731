// What the replays of the recordings share: loading a fixture, sending a recorded request to the fake, and the
// normalisations that make a fake's body comparable with a recorded one (site URL, 10-digit Unix timestamps, the
// redacted token and userprivateaccesskey).
import { readFileSync } from 'node:fs';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import type { RecordedCase, RecordingFixture } from '../fixtures/moodle/extract.js';
import type { RawAnswer } from './helpers.js';

export function loadRecording(name: 'real-responses' | 'real-responses-enrolment'): RecordingFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/moodle/${name}.json`, import.meta.url), 'utf8'));
}

/** Sends a recorded request, each parameter value passed through `value` (tokens, shifted ids). */
export async function sendRecorded(
  fake: FakeMoodle,
  c: RecordedCase,
  value: (v: string) => string = (v) => v,
): Promise<RawAnswer> {
  const params = new URLSearchParams(c.params.map(([k, v]): [string, string] => [k, value(v)]));
  const query = c.rawQuery ?? params.toString();
  const response =
    c.method === 'GET'
      ? await fetch(`${fake.url}${c.path}?${query}`)
      : await fetch(`${fake.url}${c.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: query,
        });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

/** The recordings' tokens replaced by the fake's. */
export function withFakeTokens(fake: FakeMoodle, value: string): string {
  return value.replace('<MOODLE_TOKEN>', fake.token).replace('<MOODLE_LIMITED_TOKEN>', fake.limitedToken);
}

export function normalise(body: string, fake?: FakeMoodle): string {
  let out = body;
  if (fake) {
    const host = fake.url.replace('http://', '');
    out = out
      .split(`http:\\/\\/${host}`)
      .join('http:\\/\\/127.0.0.1:8080')
      .split(`http://${host}`)
      .join('http://127.0.0.1:8080');
  }
  return out
    .replace(/\b1[789]\d{8}\b/g, '<TIME>')
    .replace(/"userprivateaccesskey":"[0-9a-f]{32}"/, '"userprivateaccesskey":"<redacted 32 hex>"')
    .replace(
      /<KEY name="userprivateaccesskey"><VALUE>[0-9a-f]{32}</,
      '<KEY name="userprivateaccesskey"><VALUE><redacted 32 hex><',
    )
    .replace(/"token":"[0-9a-f]{32}"/, '"token":"<32-hex token redacted>"');
}
