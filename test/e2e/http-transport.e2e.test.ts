// The app over signed HTTP, as Slack's HTTP mode delivers it: help replies, signature checks, health routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSlashCommand, encodeForm, FORM_CONTENT_TYPE, nowSeconds, signRequest } from '../fakes/sign.js';
import { startTestApp, TEST_SIGNING_SECRET, type TestApp } from './harness.js';

let ready = true;
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ transport: 'http', overrides: { deps: { isReady: () => ready } } });
});
afterAll(async () => {
  await t?.stop();
});

function helpBody(responseUrlId = 'signature-case'): string {
  return encodeForm(
    buildSlashCommand({
      command: '/moodle-user',
      text: 'help',
      response_url: t.slack.responseUrl(responseUrlId),
      trigger_id: t.slack.issueTriggerId(),
    }),
  );
}

describe('slash commands over HTTP', () => {
  it('answers /moodle-adduser help privately at the response_url', async () => {
    const result = await t.command('/moodle-adduser', 'help', { userId: 'U0ALICE' });
    expect(result.ack).toEqual({ status: 200, body: undefined });
    const post = await result.waitForResponse();
    expect(post.body.response_type).toBe('ephemeral');
    expect(String(post.body.text)).toContain('/moodle-adduser');
    expect(JSON.stringify(post.body.blocks)).toContain('username=jdoe city=Leeds');
  });

  it('answers /moodle-user help privately at the response_url', async () => {
    const result = await t.command('/moodle-user', '  HELP ');
    const post = await result.waitForResponse();
    expect(post.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(post.body.blocks)).toContain('`suspend &lt;user&gt;');
  });

  it('tells the person when a subcommand is unknown, without echoing markup', async () => {
    const result = await t.command('/moodle-user', '<!channel> now');
    const post = await result.waitForResponse();
    expect(post.body.response_type).toBe('ephemeral');
    expect(String(post.body.text)).toContain('&lt;!channel&gt;');
    expect(JSON.stringify(post.body)).not.toContain('<!channel>');
  });

  it('logs each request with the Slack user, team and a request id', async () => {
    await (await t.command('/moodle-user', 'help', { userId: 'U0LOGGED' })).waitForResponse();
    const records = t.logRecords().filter((r) => r.slackUser === 'U0LOGGED');
    expect(records.length).toBeGreaterThan(0);
    expect(records[0]).toMatchObject({ slackTeam: 'T0TESTTEAM', kind: 'command', target: '/moodle-user' });
    expect(records[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('request signature', () => {
  it('accepts a correctly signed request (control for the cases below)', async () => {
    const answer = await t.postRaw(helpBody('signed-ok'), FORM_CONTENT_TYPE);
    expect(answer.status).toBe(200);
    await t.slack.waitForResponse('signed-ok');
  });

  it('refuses a bad signature with 401 and runs no listener', async () => {
    const body = helpBody('bad-signature');
    const answer = await t.postRaw(body, FORM_CONTENT_TYPE, {
      signature: signRequest('not-the-secret', nowSeconds(), body),
    });
    expect(answer.status).toBe(401);
    await t.idle();
    expect(t.slack.responses.filter((p) => p.id === 'bad-signature')).toEqual([]);
  });

  it('refuses a body changed after signing', async () => {
    const body = helpBody();
    const ts = nowSeconds();
    const answer = await t.postRaw(`${body}&text=delete`, FORM_CONTENT_TYPE, {
      timestamp: ts,
      signature: signRequest(TEST_SIGNING_SECRET, ts, body),
    });
    expect(answer.status).toBe(401);
  });

  it('refuses a correctly signed request older than 5 minutes', async () => {
    const answer = await t.postRaw(helpBody(), FORM_CONTENT_TYPE, { timestamp: nowSeconds() - 6 * 60 });
    expect(answer.status).toBe(401);
  });

  it('refuses a request without signature headers', async () => {
    const answer = await t.postRaw(helpBody(), FORM_CONTENT_TYPE, { omitSignatureHeaders: true });
    expect(answer.status).toBe(401);
  });

  it('answers an unknown path with 404', async () => {
    expect((await t.get('/slack/unknown')).status).toBe(404);
  });
});

describe('health routes', () => {
  it('GET /healthz is 200 while the process is up', async () => {
    expect(await t.get('/healthz')).toEqual({ status: 200, text: '{"status":"ok"}' });
  });

  it('GET /readyz follows the readiness check', async () => {
    ready = true;
    expect((await t.get('/readyz')).status).toBe(200);
    ready = false;
    expect(await t.get('/readyz')).toEqual({ status: 503, text: '{"status":"not_ready"}' });
    ready = true;
  });
});

describe('secrets', () => {
  it('never writes a token or the signing secret to the log', () => {
    expect(t.logs.length).toBeGreaterThan(5);
    expect(t.leakedSecrets()).toEqual([]);
  });
});
