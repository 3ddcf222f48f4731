// The bounds in front of Bolt in HTTP mode, through the real application with signed requests: the body size cap
// (413), the signature checked over the raw bytes before any parse, the timestamp window both ways, and refusal of
// an identical signed request replayed within the window (docs/SECURITY.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SLACK_BODY_BYTES } from '../../src/slack/signed-request.js';
import { buildSlashCommand, encodeForm, FORM_CONTENT_TYPE, nowSeconds } from '../fakes/sign.js';
import { startTestApp, type TestApp } from './harness.js';
import { sendRaw, signedHeaders } from './raw-http.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ env: { LOG_LEVEL: 'info' } });
});
afterAll(async () => {
  await t?.stop();
});

function helpCommand(responseUrlId: string, text = 'help'): string {
  return encodeForm(
    buildSlashCommand({
      command: '/moodle-user',
      text,
      response_url: t.slack.responseUrl(responseUrlId),
      trigger_id: t.slack.issueTriggerId(),
    }),
  );
}

const refusals = (code: string) =>
  t.logRecords().filter((r) => r.msg === 'Slack request refused before parsing' && r.errorCode === code);

async function expectStillServing(): Promise<void> {
  expect((await t.get('/healthz')).status).toBe(200);
  const help = await t.command('/moodle-adduser', 'help');
  expect(help.ack.status).toBe(200);
  await help.waitForResponse();
}

describe('body size', () => {
  it('refuses a signed body over the cap with 413, by its declared length, without reading it', async () => {
    const body = `${helpCommand('too-large')}&pad=${'a'.repeat(MAX_SLACK_BODY_BYTES)}`;
    const answer = await sendRaw(t.baseUrl, { headers: signedHeaders(body), body });
    expect(answer.status).toBe(413);
    expect(refusals('body_too_large').length).toBeGreaterThan(0);
    await expectStillServing();
    expect(t.slack.responses.filter((p) => p.id === 'too-large')).toEqual([]);
  });

  it('refuses a chunked body (no declared length) once it passes the cap', async () => {
    const body = `${helpCommand('too-large-chunked')}&pad=${'b'.repeat(MAX_SLACK_BODY_BYTES)}`;
    const answer = await sendRaw(t.baseUrl, { headers: signedHeaders(body), body, chunked: true }).catch(
      // The server stops reading and closes once the cap is passed; the client may see that before the 413.
      (error: Error) => ({ status: 413, text: error.message }),
    );
    expect(answer.status).toBe(413);
    await expectStillServing();
  });

  it('takes a signed body just under the cap (the cap is not below what Slack may send)', async () => {
    const base = helpCommand('under-cap');
    const body = `${base}&pad=${'c'.repeat(MAX_SLACK_BODY_BYTES - base.length - 5)}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_SLACK_BODY_BYTES);
    const answer = await sendRaw(t.baseUrl, { headers: signedHeaders(body), body });
    expect(answer.status).toBe(200);
    await t.slack.waitForResponse('under-cap');
  });
});

describe('signature before parsing', () => {
  it('refuses unsigned bodies with 401 whatever they hold, even ones that do not parse as a payload', async () => {
    // Before the guard these were parsed first and answered 400 (malformed) instead of 401 (not from Slack).
    for (const body of ['payload=null', 'null', 'payload=%7B', helpCommand('unsigned')]) {
      const answer = await sendRaw(t.baseUrl, { headers: { 'content-type': FORM_CONTENT_TYPE }, body });
      expect(answer.status, body.slice(0, 40)).toBe(401);
    }
    expect(refusals('signature_missing').length).toBeGreaterThanOrEqual(4);
  });

  it('refuses a body signed with another secret with 401, before any listener', async () => {
    const body = helpCommand('wrong-secret');
    const answer = await sendRaw(t.baseUrl, {
      headers: signedHeaders(body, FORM_CONTENT_TYPE, nowSeconds(), 'x'),
      body,
    });
    expect(answer.status).toBe(401);
    expect(refusals('signature_mismatch').length).toBeGreaterThan(0);
    await expectStillServing();
    expect(t.slack.responses.filter((p) => p.id === 'wrong-secret')).toEqual([]);
  });

  it("answers Slack's unsigned SSL check with 200 and runs nothing", async () => {
    const body = 'ssl_check=1&token=legacy';
    const answer = await sendRaw(t.baseUrl, { headers: { 'content-type': FORM_CONTENT_TYPE }, body });
    expect(answer).toMatchObject({ status: 200, text: '' });
  });
});

describe('timestamp window', () => {
  it('refuses a correctly signed request dated more than 5 minutes in the future', async () => {
    const body = helpCommand('future');
    const answer = await sendRaw(t.baseUrl, {
      headers: signedHeaders(body, FORM_CONTENT_TYPE, nowSeconds() + 6 * 60),
      body,
    });
    expect(answer.status).toBe(401);
    expect(refusals('timestamp_future').length).toBeGreaterThan(0);
    await expectStillServing();
    expect(t.slack.responses.filter((p) => p.id === 'future')).toEqual([]);
  });

  it('takes a request dated 4 minutes ahead or behind (clocks drift)', async () => {
    for (const [id, offset] of [
      ['ahead', 4 * 60],
      ['behind', -4 * 60],
    ] as const) {
      const body = helpCommand(id);
      const answer = await sendRaw(t.baseUrl, {
        headers: signedHeaders(body, FORM_CONTENT_TYPE, nowSeconds() + offset),
        body,
      });
      expect(answer.status, id).toBe(200);
      await t.slack.waitForResponse(id);
    }
  });

  it('refuses a stale or malformed timestamp with 401 without reading the body', async () => {
    const body = helpCommand('stale');
    for (const timestamp of [nowSeconds() - 6 * 60, '1e9', '-5', `${nowSeconds()}.5`, ' 1']) {
      const answer = await sendRaw(t.baseUrl, { headers: signedHeaders(body, FORM_CONTENT_TYPE, timestamp), body });
      expect(answer.status, String(timestamp)).toBe(401);
    }
  });
});

describe('replay', () => {
  it('refuses the identical signed request sent again within the window, and runs it once', async () => {
    const body = helpCommand('replayed');
    const headers = signedHeaders(body);
    expect((await sendRaw(t.baseUrl, { headers, body })).status).toBe(200);
    await t.slack.waitForResponse('replayed');
    const again = await sendRaw(t.baseUrl, { headers, body });
    expect(again.status).toBe(401);
    expect(refusals('replayed').length).toBeGreaterThan(0);
    await expectStillServing();
    expect(t.slack.responses.filter((p) => p.id === 'replayed')).toHaveLength(1);
  });

  it('takes the same body again when Slack signs it anew (another timestamp)', async () => {
    const body = helpCommand('resigned');
    expect(
      (await sendRaw(t.baseUrl, { headers: signedHeaders(body, FORM_CONTENT_TYPE, nowSeconds() - 1), body })).status,
    ).toBe(200);
    expect(
      (await sendRaw(t.baseUrl, { headers: signedHeaders(body, FORM_CONTENT_TYPE, nowSeconds() - 2), body })).status,
    ).toBe(200);
  });

  it('never logs the signing secret', () => {
    expect(t.leakedSecrets()).toEqual([]);
  });
});
