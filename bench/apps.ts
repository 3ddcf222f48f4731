// The systems under test: the real application (startApplication, as src/index.ts runs it) against the fake Slack
// and fake Moodle, and a bare Bolt app on the same kind of receiver that only acknowledges, as the baseline.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPModuleFunctions, HTTPReceiver, LogLevel } from '@slack/bolt';
import { loadConfig } from '../src/config.js';
import { type RunningApplication, startApplication } from '../src/main.js';
import { buildTestEnv, TEST_SIGNING_SECRET } from '../test/e2e/harness.js';
import { type FakeMoodle, startFakeMoodle } from '../test/fakes/fake-moodle/index.js';
import { FakeSlack } from '../test/fakes/fake-slack/fake-slack.js';
import { buildSlashCommand, encodeForm, FORM_CONTENT_TYPE, nowSeconds, signRequest } from '../test/fakes/sign.js';
import type { LoadRequest } from './load.js';

export interface Fakes {
  slack: FakeSlack;
  moodle: FakeMoodle;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const slack = await FakeSlack.start();
  const moodle = await startFakeMoodle();
  return {
    slack,
    moodle,
    async close() {
      await slack.close();
      await moodle.close();
    },
  };
}

/** The env the real app runs with in the benchmarks: production log level, the fakes, an in-memory store. */
export function benchEnv(fakes: Fakes, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return buildTestEnv(fakes.slack, {
    moodleUrl: fakes.moodle.url,
    env: { MOODLE_TOKEN: fakes.moodle.token, LOG_LEVEL: 'info', ...extra },
  });
}

export interface AppUnderTest {
  baseUrl: string;
  stop(): Promise<void>;
}

const discard = { write: () => undefined };

export async function startRealApp(fakes: Fakes): Promise<AppUnderTest> {
  const running: RunningApplication = await startApplication(loadConfig(benchEnv(fakes)), { logDestination: discard });
  return { baseUrl: `http://127.0.0.1:${running.port}`, stop: () => running.stop() };
}

/** Bolt with an HTTPReceiver, the same signing secret and a listener that only acks: the floor for ack latency. */
export async function startBareBoltApp(slack: FakeSlack): Promise<AppUnderTest> {
  const receiver = new HTTPReceiver({
    signingSecret: TEST_SIGNING_SECRET,
    processBeforeResponse: false,
    logLevel: LogLevel.ERROR,
  });
  // auth.test once at construction, cached, against the fake Slack (as the real app does at start-up).
  const app = new App({
    token: slack.botToken,
    receiver,
    clientOptions: { slackApiUrl: slack.apiUrl },
    logLevel: LogLevel.ERROR,
  });
  app.command('/moodle-adduser', async ({ ack }) => {
    await ack();
  });
  const server: Server = createServer((req, res) => {
    try {
      receiver.requestListener(req, res);
    } catch (error) {
      HTTPModuleFunctions.defaultDispatchErrorHandler({
        error: error as Error,
        logger: app.logger,
        request: req,
        response: res,
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A signed `/moodle-adduser <email> <first> <last>` from a requester, unique per index. */
export function signedAddUser(slack: FakeSlack, tag: string, index: number, text?: string): LoadRequest {
  const body = encodeForm(
    buildSlashCommand({
      command: '/moodle-adduser',
      text: text ?? `bench.${tag}.${index}@example.org Bench User${tag}x${index}`,
      response_url: slack.responseUrl(),
      trigger_id: slack.issueTriggerId(),
    }),
  );
  const timestamp = nowSeconds();
  return {
    method: 'POST',
    path: '/slack/events',
    headers: {
      'content-type': FORM_CONTENT_TYPE,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signRequest(TEST_SIGNING_SECRET, timestamp, body),
    },
    body,
  };
}
