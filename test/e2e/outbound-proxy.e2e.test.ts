// Outbound HTTP through a forward proxy (HTTPS_PROXY / HTTP_PROXY / NO_PROXY), as on a school network where the
// server reaches Moodle and Slack only through one: every Moodle call, Web API call, response_url post and the Socket
// Mode WebSocket must go through the proxy's CONNECT tunnel with its credentials, NO_PROXY hosts must not, a proxy
// that refuses must be named in the person's message, and the proxy's password must never be logged.
import { afterEach, describe, expect, it } from 'vitest';
import { SlackStartupError } from '../../src/slack/startup-errors.js';
import { type ConnectProxy, startConnectProxy } from '../fakes/connect-proxy.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { FakeSlack } from '../fakes/fake-slack/fake-slack.js';
import { startTestApp, type TestApp, type Transport } from './harness.js';

const USER = 'mp-proxy-user';
const PASSWORD = 'proxy-pass-7f3e9a1c';
const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let proxy: ConnectProxy | undefined;
let moodle: FakeMoodle | undefined;
let t: TestApp | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  await t?.stop();
  await slack?.close();
  slack = undefined;
  await moodle?.close();
  await proxy?.close();
  t = undefined;
  moodle = undefined;
  proxy = undefined;
});

const hostOf = (url: string) => new URL(url).host;
const withCredentials = (url: string) => url.replace('http://', `http://${USER}:${PASSWORD}@`);

describe('outbound proxy', () => {
  it.each<Transport>(['http', 'socket'])(
    '%s: Moodle, the Web API, response_url and the socket all go through the proxy, with its credentials',
    async (transport) => {
      proxy = await startConnectProxy({ credentials: { user: USER, password: PASSWORD } });
      moodle = await startFakeMoodle();
      t = await startTestApp({
        transport,
        moodleUrl: moodle.url,
        env: {
          MOODLE_TOKEN: moodle.token,
          HTTPS_PROXY: withCredentials(proxy.url),
          HTTP_PROXY: withCredentials(proxy.url),
        },
      });
      const cmd = await t.command('/moodle-adduser', 'jo.proxy@example.org Jo Proxy', { userId: 'U0ADMIN' });
      const reply = await cmd.waitForResponse();
      expect(JSON.stringify(reply.body)).toContain('jo.proxy');
      expect(moodle.site.users.some((u) => u.username === 'jo.proxy')).toBe(true);

      const targets = new Set(proxy.targets());
      expect(targets).toContain(hostOf(moodle.url));
      expect(targets).toContain(hostOf(t.slack.apiUrl));
      expect(targets).toContain(hostOf(cmd.responseUrl));
      const lines = proxy.connections.flatMap((c) => c.requestLines);
      expect(lines).toContainEqual(expect.stringMatching(/^POST \/webservice\/rest\/server\.php /));
      expect(lines).toContainEqual(expect.stringMatching(/^POST \/api\/chat\.postMessage /));
      expect(lines).toContainEqual(expect.stringMatching(/^POST \/response\//));
      // Socket Mode: the URL is asked for and the WebSocket opened through the proxy too.
      const socketLines = lines.filter((l) => /^(POST \/api\/apps\.connections\.open|GET \/socket-mode)/.test(l));
      expect(socketLines).toHaveLength(transport === 'socket' ? 2 : 0);
      expect(proxy.connections.every((c) => c.authorization === AUTH && c.status === 200)).toBe(true);

      const logs = t.logs.join('\n');
      expect(logs).not.toContain(PASSWORD);
      const announced = t.logRecords().find((r) => r.msg === 'outbound HTTP goes through a proxy');
      expect(announced).toMatchObject({ httpsProxy: `${proxy.url} (with credentials)` });
    },
  );

  it('explains a proxy that refuses Slack at start-up (407), naming the proxy but not its password', async () => {
    proxy = await startConnectProxy({ credentials: { user: USER, password: PASSWORD } });
    const error = await startTestApp({
      env: { HTTP_PROXY: proxy.url.replace('http://', `http://${USER}:wrong-${PASSWORD}@`) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlackStartupError);
    const startup = error as SlackStartupError;
    expect(startup.code).toBe('slack_unreachable');
    expect(startup.message).toContain(`through the proxy ${proxy.url} (with credentials)`);
    expect(startup.message).toContain('the proxy answered 407: it wants a user name and password');
    expect(startup.message).not.toContain(PASSWORD);
  });

  it('reaches the hosts NO_PROXY lists directly, and the others through the proxy', async () => {
    proxy = await startConnectProxy();
    moodle = await startFakeMoodle();
    t = await startTestApp({
      moodleUrl: moodle.url,
      env: { MOODLE_TOKEN: moodle.token, HTTP_PROXY: proxy.url, NO_PROXY: hostOf(moodle.url) },
    });
    const cmd = await t.command('/moodle-adduser', 'no.proxy@example.org No Proxy', { userId: 'U0ADMIN' });
    await cmd.waitForResponse();
    expect(moodle.site.users.some((u) => u.username === 'no.proxy')).toBe(true);
    expect(proxy.targets()).not.toContain(hostOf(moodle.url));
    expect(proxy.targets()).toContain(hostOf(t.slack.apiUrl));
  });

  it('tells the person that the proxy refused Moodle, and what to check', async () => {
    moodle = await startFakeMoodle();
    proxy = await startConnectProxy({ deny: [hostOf(moodle.url)] });
    slack = await FakeSlack.start();
    t = await startTestApp({
      moodleUrl: moodle.url,
      slack,
      // Slack reached directly, Moodle through a proxy whose rules forbid it.
      env: { MOODLE_TOKEN: moodle.token, HTTP_PROXY: proxy.url, NO_PROXY: hostOf(slack.url) },
    });
    const cmd = await t.command('/moodle-adduser', 'denied@example.org Den Ied', { userId: 'U0ADMIN' });
    const reply = JSON.stringify((await cmd.waitForResponse()).body);
    expect(reply).toContain(`The outbound proxy refused to open a connection to ${hostOf(moodle.url)} (HTTP 403`);
    expect(reply).toContain('NO_PROXY');
    expect(proxy.connections.map((c) => c.status)).toContain(403);
    expect(moodle.calls).toHaveLength(0);
  });
});
