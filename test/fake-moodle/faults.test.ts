// The fake Moodle's injectable faults, latency, call log and reset (for the client's transport tests).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { callRest, userFields } from './helpers.js';

describe('fake Moodle faults', () => {
  let fake: FakeMoodle;
  beforeAll(async () => {
    fake = await startFakeMoodle();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('refuse: the socket is closed without an answer, then service resumes after `times`', async () => {
    fake.setFault('refuse', { times: 1 });
    await expect(callRest(fake, 'core_webservice_get_site_info')).rejects.toThrow();
    const ok = await callRest(fake, 'core_webservice_get_site_info');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).username).toBe('api-user');
  });

  it('hang: never answers, and close() still returns', async () => {
    const other = await startFakeMoodle();
    other.setFault('hang');
    const pending = fetch(`${other.url}/webservice/rest/server.php`, {
      method: 'POST',
      body: new URLSearchParams({ wstoken: other.token, wsfunction: 'core_webservice_get_site_info' }),
      signal: AbortSignal.timeout(300),
    });
    await expect(pending).rejects.toThrow();
    expect(other.calls).toHaveLength(1);
    expect(other.calls[0]!.status).toBe(0);
    const hung = fetch(`${other.url}/webservice/rest/server.php`).catch((e: unknown) => e);
    // The fake records a call as it arrives; close() must then cut it rather than wait for it.
    while (other.calls.length < 2) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await other.close();
    // A hang never ends: any bound shows that close() did not wait for it; this one leaves a loaded machine room.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await hung).toBeInstanceOf(Error);
  });

  it('html: 200 with a PHP notice page and the function is not run', async () => {
    fake.setFault('html', { times: 1 });
    const answer = await callRest(fake, 'core_user_create_users', userFields(0, 'gt_html'));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('<b>Notice</b>');
    expect(fake.site.findUser('gt_html')).toBeUndefined();
  });

  it('truncated: 200 JSON cut in the middle, after the work was committed', async () => {
    fake.setFault('truncated', { times: 1 });
    const answer = await callRest(fake, 'core_user_create_users', userFields(0, 'gt_cut'));
    expect(answer.status).toBe(200);
    expect(answer.contentType).toBe('application/json');
    expect(() => JSON.parse(answer.body)).toThrow();
    expect(answer.body.startsWith('[{"id":')).toBe(true);
    expect(fake.site.findUser('gt_cut')).toBeDefined();
  });

  it('reset: starts the body then destroys the socket, after the work was committed', async () => {
    fake.setFault('reset', { times: 1 });
    await expect(callRest(fake, 'core_user_create_users', userFields(0, 'gt_reset'))).rejects.toThrow();
    expect(fake.site.findUser('gt_reset')).toBeDefined();
  });

  it('{status}: answers that status, body and headers until cleared', async () => {
    fake.setFault({ status: 503, body: 'maintenance', headers: { 'Retry-After': '300' } });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${fake.url}/webservice/rest/server.php`, { method: 'POST' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('300');
      expect(await response.text()).toBe('maintenance');
    }
    fake.setFault(null);
    expect((await callRest(fake, 'core_webservice_get_site_info')).status).toBe(200);
  });

  it('latency delays each answer', async () => {
    fake.setLatency(150);
    const started = Date.now();
    await callRest(fake, 'core_webservice_get_site_info');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    fake.setLatency(0);
  });

  it('logs every call without the token, and reset() restores the seeded state', async () => {
    await callRest(fake, 'core_user_create_users', userFields(0, 'gt_logged'));
    const call = fake.calls.at(-1)!;
    expect(call.wsfunction).toBe('core_user_create_users');
    expect(call.method).toBe('POST');
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    expect(call.status).toBe(200);
    expect(call.params['users[0][username]']).toBe('gt_logged');
    expect(call.params.moodlewsrestformat).toBe('json');
    expect(JSON.stringify(call)).not.toContain(fake.token);
    fake.setFault('hang');
    fake.reset();
    expect(fake.calls).toHaveLength(0);
    expect(fake.site.users.map((u) => u.username)).toEqual(['guest', 'admin', 'api-user']);
    expect((await callRest(fake, 'core_webservice_get_site_info')).status).toBe(200);
  });
});
