// A real WebClient whose transport (its `fetch` option) is stubbed: Slack's answers go through the SDK's own parsing
// and error classes, without the network and without module mocks.
import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { DirectoryError } from '../../src/core/permissions.js';
import { createSlackDirectory } from '../../src/slack/slack-directory.js';

interface Call {
  method: string;
  params: URLSearchParams;
}

function clientAnswering(answer: (method: string) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push({ method: url.split('/').pop() ?? '', params: new URLSearchParams(String(init?.body ?? '')) });
    return answer(url.split('/').pop() ?? '');
  };
  const client = new webApi.WebClient('xoxb-test-token', {
    fetch: fetch as unknown as webApi.FetchFunction,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
  return { client, calls };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const slackUser = {
  id: 'U123',
  team_id: 'T1',
  name: 'jane',
  deleted: false,
  is_admin: true,
  is_owner: false,
  is_primary_owner: false,
  is_restricted: false,
  is_ultra_restricted: false,
  is_bot: false,
  is_app_user: false,
  profile: { real_name: 'Jane' },
};

async function directoryError(promise: Promise<unknown>): Promise<DirectoryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DirectoryError);
  return error as DirectoryError;
}

describe('createSlackDirectory: getUser', () => {
  it('calls users.info and maps the flags', async () => {
    const { client, calls } = clientAnswering(() => json({ ok: true, user: slackUser }));
    const user = await createSlackDirectory(client).getUser('U123');
    expect(user).toEqual({
      id: 'U123',
      isAdmin: true,
      isOwner: false,
      isBot: false,
      isDeleted: false,
      isRestricted: false,
      isUltraRestricted: false,
    });
    expect(calls.map((c) => c.method)).toEqual(['users.info']);
    expect(calls[0]?.params.get('user')).toBe('U123');
  });

  it('treats the primary owner as owner, Slackbot as a bot, and absent flags as false', async () => {
    const { client } = clientAnswering(() =>
      json({ ok: true, user: { id: 'USLACKBOT', is_primary_owner: true, deleted: true, is_ultra_restricted: true } }),
    );
    expect(await createSlackDirectory(client).getUser('USLACKBOT')).toEqual({
      id: 'USLACKBOT',
      isAdmin: false,
      isOwner: true,
      isBot: true,
      isDeleted: true,
      isRestricted: false,
      isUltraRestricted: true,
    });
  });

  it('user_not_found and user_not_visible become user_not_found', async () => {
    for (const error of ['user_not_found', 'user_not_visible']) {
      const { client } = clientAnswering(() => json({ ok: false, error }));
      const e = await directoryError(createSlackDirectory(client).getUser('UX'));
      expect(e.code).toBe('user_not_found');
      expect(e.details.slackError).toBe(error);
    }
  });

  it('missing_scope names the scope Slack says is needed, or users:read', async () => {
    const withNeeded = clientAnswering(() =>
      json({ ok: false, error: 'missing_scope', needed: 'users:read', provided: 'chat:write' }),
    );
    const e1 = await directoryError(createSlackDirectory(withNeeded.client).getUser('U1'));
    expect(e1.code).toBe('missing_scope');
    expect(e1.details.scope).toBe('users:read');
    const without = clientAnswering(() => json({ ok: false, error: 'missing_scope' }));
    expect((await directoryError(createSlackDirectory(without.client).getUser('U1'))).details.scope).toBe('users:read');
  });

  it('a malformed answer is "unavailable", not a crash', async () => {
    const { client } = clientAnswering(() => json({ ok: true, user: { id: 42 } }));
    const e = await directoryError(createSlackDirectory(client).getUser('U1'));
    expect(e.code).toBe('unavailable');
    expect(e.message).toContain('unexpected shape');
  });

  it('HTTP and network failures are "unavailable" and keep the cause', async () => {
    const http = clientAnswering(() => new Response('Service Unavailable', { status: 503 }));
    const e1 = await directoryError(createSlackDirectory(http.client).getUser('U1'));
    expect(e1.code).toBe('unavailable');
    expect(e1.cause).toBeInstanceOf(webApi.WebAPIHTTPError);

    const network = clientAnswering(() => Promise.reject(new TypeError('fetch failed')));
    const e2 = await directoryError(createSlackDirectory(network.client).getUser('U1'));
    expect(e2.code).toBe('unavailable');
    expect(e2.cause).toBeInstanceOf(webApi.WebAPIRequestError);
  });

  it('never puts the bot token in the error', async () => {
    const { client } = clientAnswering(() => json({ ok: false, error: 'invalid_auth' }));
    const e = await directoryError(createSlackDirectory(client).getUser('U1'));
    expect(e.code).toBe('unavailable');
    expect(e.message).toBe('Slack users.info failed: invalid_auth');
    expect(`${e.message} ${JSON.stringify(e.details)}`).not.toContain('xoxb-test-token');
  });
});

describe('createSlackDirectory: getGroupMembers', () => {
  it('calls usergroups.users.list and returns the ids', async () => {
    const { client, calls } = clientAnswering(() => json({ ok: true, users: ['U1', 'W2'] }));
    expect(await createSlackDirectory(client).getGroupMembers('S123')).toEqual(['U1', 'W2']);
    expect(calls.map((c) => c.method)).toEqual(['usergroups.users.list']);
    expect(calls[0]?.params.get('usergroup')).toBe('S123');
  });

  it('plan_upgrade_required (free workspace) has its own code', async () => {
    const { client } = clientAnswering(() => json({ ok: false, error: 'plan_upgrade_required' }));
    const e = await directoryError(createSlackDirectory(client).getGroupMembers('S1'));
    expect(e.code).toBe('plan_upgrade_required');
    expect(e.message).toBe('Slack user groups need a paid Slack plan');
  });

  it('missing_scope defaults to usergroups:read', async () => {
    const { client } = clientAnswering(() => json({ ok: false, error: 'missing_scope' }));
    const e = await directoryError(createSlackDirectory(client).getGroupMembers('S1'));
    expect(e).toMatchObject({ code: 'missing_scope', details: { scope: 'usergroups:read' } });
  });

  it('no_such_subteam becomes group_not_found', async () => {
    const { client } = clientAnswering(() => json({ ok: false, error: 'no_such_subteam' }));
    expect((await directoryError(createSlackDirectory(client).getGroupMembers('S1'))).code).toBe('group_not_found');
  });

  it('a malformed answer is "unavailable"', async () => {
    const { client } = clientAnswering(() => json({ ok: true, users: 'U1' }));
    expect((await directoryError(createSlackDirectory(client).getGroupMembers('S1'))).code).toBe('unavailable');
  });
});
