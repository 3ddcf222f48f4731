// Start-up and shutdown: bad Slack tokens and an unreachable Slack give one clear error (never an unhandled
// rejection), missing scopes are reported, and a graceful stop lets a request in flight finish within its bound.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REQUIRED_BOT_SCOPES } from '../../src/slack/app.js';
import { SlackStartupError } from '../../src/slack/startup-errors.js';
import { FAKE_DEFAULT_SCOPES, FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { startTestApp, type TestApp } from './harness.js';

let slack: FakeSlack;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

beforeAll(async () => {
  slack = await FakeSlack.start();
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await slack.close();
});
afterEach(() => {
  slack.reset();
  slack.scopes = [...FAKE_DEFAULT_SCOPES];
});

/** A port nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startupError(options: Parameters<typeof startTestApp>[0]): Promise<SlackStartupError> {
  const error = await startTestApp({ slack, ...options }).then(
    async (t) => {
      await t.stop();
      throw new Error('the app started although it should not have');
    },
    (e: unknown) => e,
  );
  // Bolt's own auth.test would surface as an unhandled rejection a moment later; give it the chance to.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(unhandled).toEqual([]);
  expect(error).toBeInstanceOf(SlackStartupError);
  return error as SlackStartupError;
}

describe('start-up', () => {
  it('explains a bot token Slack rejects, without the token and without an unhandled rejection', async () => {
    const badToken = 'xoxb-9999-9999-notTheRightTokenAtAll';
    const error = await startupError({ env: { SLACK_BOT_TOKEN: badToken } });
    expect(error.code).toBe('slack_token_rejected');
    expect(error.setting).toBe('SLACK_BOT_TOKEN');
    expect(error.message).toContain('Slack rejected SLACK_BOT_TOKEN (invalid_auth)');
    expect(error.message).toContain('OAuth & Permissions');
    expect(error.message).not.toContain(badToken);
    expect(slack.callsTo('auth.test')[0]?.token).toBe('invalid');
  });

  it('explains an app-level token Slack rejects in Socket Mode', async () => {
    const error = await startupError({
      transport: 'socket',
      env: { SLACK_APP_TOKEN: 'xapp-fake-A0TESTAPP-wrongwrongwrong' },
    });
    expect(error.code).toBe('slack_token_rejected');
    expect(error.setting).toBe('SLACK_APP_TOKEN');
    expect(error.message).toContain('App-Level Tokens');
  });

  it('explains an unreachable Slack API with the network error', async () => {
    const apiUrl = `http://127.0.0.1:${await closedPort()}/api/`;
    const error = await startupError({ env: { SLACK_API_URL: apiUrl } });
    expect(error.code).toBe('slack_unreachable');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain(apiUrl);
  });

  it('warns, naming them, when the bot token lacks scopes the app needs', async () => {
    const granted = ['commands', 'chat:write'];
    slack.scopes = granted;
    const t = await startTestApp({ slack });
    try {
      const warning = t.logRecords().find((r) => Array.isArray(r.missingScopes));
      // The rest of the product's list (manifest.test.ts keeps it equal to manifest.yml), in its order.
      expect(warning?.missingScopes).toEqual(REQUIRED_BOT_SCOPES.filter((s) => !granted.includes(s)));
      expect(String(warning?.msg)).toContain('reinstall');
    } finally {
      await t.stop();
    }
  });
});

describe('graceful stop', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it.each(['http', 'socket'] as const)('finishes a request in flight before closing (%s)', async (transport) => {
    let closedAt = 0;
    t = await startTestApp({
      slack,
      transport,
      overrides: {
        deps: {
          closers: [
            {
              name: 'store',
              close: () => {
                closedAt = Date.now();
              },
            },
          ],
        },
      },
    });
    slack.setResponseUrlDelay(300);
    const result = await t.command('/moodle-user', 'help');
    const post = await result.waitForResponse(); // received; the fake answers 300 ms later
    expect(t.application.slack.inFlight).toBe(1);
    await t.application.stop();
    expect(post.answeredAt).toBeDefined();
    expect(t.application.slack.inFlight).toBe(0);
    expect(closedAt).toBeGreaterThanOrEqual(post.answeredAt ?? Number.POSITIVE_INFINITY);
    expect(t.logRecords().some((r) => r.msg === 'slack listener failed')).toBe(false);
    expect(t.logRecords().at(-1)?.msg).toBe('stopped');
    await expect(fetch(`${t.baseUrl}/healthz`)).rejects.toThrow();
    if (transport === 'socket') expect(t.socket.connectionCount).toBe(0);
  });

  it('gives up waiting after the drain bound and says how many requests were cut off', async () => {
    t = await startTestApp({ slack, overrides: { drainTimeoutMs: 100 } });
    slack.setResponseUrlDelay(5_000);
    await (await t.command('/moodle-user', 'help')).waitForResponse();
    const started = Date.now();
    await t.application.stop();
    // Well under the 5 s the request in flight would take: the stop gave up at its bound, even on a loaded machine.
    expect(Date.now() - started).toBeLessThan(4_000);
    const warning = t.logRecords().find((r) => typeof r.msg === 'string' && r.msg.includes('still running'));
    expect(warning).toMatchObject({ inFlight: 1, drainTimeoutMs: 100 });
  });
});
