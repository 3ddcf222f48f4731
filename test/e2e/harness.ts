// End-to-end harness: starts the fake Slack (Web API, response_urls, Socket Mode) and the real application through
// startApplication, the same code `moodle-provisioner start` runs, configured by loadConfig from an env. Slack
// traffic is driven either as signed HTTP requests (transport 'http') or as Socket Mode envelopes (transport
// 'socket'), with one API for both. Every log line the app writes is kept in memory for secret-leak assertions.
import type { DestinationStream } from 'pino';
import { type Config, loadConfig } from '../../src/config.js';
import { type ApplicationOverrides, type RunningApplication, startApplication } from '../../src/main.js';
import { FakeSlack, type FakeSlackOptions, type ResponseUrlPost } from '../fakes/fake-slack/fake-slack.js';
import type { FakeSocketMode } from '../fakes/fake-socket-mode/fake-socket-mode.js';
import {
  buildSlashCommand,
  encodeForm,
  encodeInteractivity,
  FORM_CONTENT_TYPE,
  type HttpAnswer,
  postSigned,
  type SignedPostOptions,
  type SlashCommandFields,
} from '../fakes/sign.js';

export const TEST_SIGNING_SECRET = 'test-signing-secret-8f3e2a1b9c7d6e5f';
export const TEST_MOODLE_TOKEN = '0123456789abcdef0123456789abcdef';
/** A Moodle URL nothing listens on; pass a fake Moodle's URL as `moodleUrl` where Moodle is needed. */
export const UNREACHABLE_MOODLE_URL = 'http://127.0.0.1:65534';

export type Transport = 'http' | 'socket';

export interface StartTestAppOptions {
  transport?: Transport;
  /** Added to (or, with undefined values, removed from) the default test env. */
  env?: Record<string, string | undefined>;
  /** MOODLE_URL; the caller starts the fake Moodle. */
  moodleUrl?: string;
  /** Options for a new fake Slack, or a running one to reuse (it is then not closed by stop()). */
  slack?: FakeSlackOptions | FakeSlack;
  /** Passed to startApplication (readiness check, closers, drain timeout). */
  overrides?: Omit<ApplicationOverrides, 'logDestination'>;
}

/** How Slack's request was acknowledged: the HTTP response, or the Socket Mode ack (status 200, payload as body). */
export interface AckResult {
  status: number;
  /** Parsed JSON body / ack payload (e.g. { response_action: 'errors', errors }); text for a plain-text ack. */
  body: unknown;
}

export interface CommandResult {
  ack: AckResult;
  /** The response_url put in the command; `waitForResponse()` resolves with the first post to it. */
  responseUrl: string;
  responseUrlId: string;
  triggerId: string;
  waitForResponse(timeoutMs?: number): Promise<ResponseUrlPost>;
}

export interface CommandOptions extends Partial<SlashCommandFields> {
  userId?: string;
  channelId?: string;
}

export interface TestApp {
  readonly transport: Transport;
  readonly config: Config;
  readonly env: Record<string, string | undefined>;
  readonly slack: FakeSlack;
  readonly socket: FakeSocketMode;
  readonly application: RunningApplication;
  /** http://127.0.0.1:<app port> */
  readonly baseUrl: string;
  /** Raw log lines (JSON) written by the app so far. */
  readonly logs: string[];
  /** Log lines parsed. */
  logRecords(): Array<Record<string, unknown>>;
  /** Secret values (tokens, signing secret) that appear in any log line; should be empty. */
  leakedSecrets(): string[];
  /** Runs a slash command as user `userId` (default U0REQUESTER) with a fresh trigger_id and response_url. */
  command(command: string, text?: string, options?: CommandOptions): Promise<CommandResult>;
  /** Sends a block_actions payload (build it with buildBlockActions). */
  action(payload: Record<string, unknown>): Promise<AckResult>;
  /** Sends a view_submission payload (build it with buildViewSubmission). */
  submitView(payload: Record<string, unknown>): Promise<AckResult>;
  /** Sends any interactivity payload (view_closed, shortcut...). */
  interact(payload: Record<string, unknown>): Promise<AckResult>;
  /** HTTP mode only: POSTs a raw body to /slack/events with signing options (for signature tests). */
  postRaw(rawBody: string, contentType: string, options?: Partial<SignedPostOptions>): Promise<HttpAnswer>;
  /**
   * Resolves once every Slack request the app has acknowledged is fully handled (its listener's work after the ack
   * included): the event to wait for before asserting that something did not happen.
   */
  idle(): Promise<void>;
  /** GET on the app's HTTP port (health routes). */
  get(path: string): Promise<{ status: number; text: string }>;
  /** Stops the app (gracefully) and the fakes it started. Idempotent. */
  stop(): Promise<void>;
}

/** The env the tests start from: valid, HTTP mode unless transport is 'socket', PORT=0, debug logging. */
export function buildTestEnv(slack: FakeSlack, options: StartTestAppOptions = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: TEST_SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    SLACK_FILES_URL: slack.url,
    MOODLE_URL: options.moodleUrl ?? UNREACHABLE_MOODLE_URL,
    MOODLE_TOKEN: TEST_MOODLE_TOKEN,
    MOODLE_TIMEOUT_MS: '2000',
    SLACK_APPROVERS: 'U0APPROVER',
    SLACK_ADMINS: 'U0ADMIN',
    APPROVAL_CHANNEL: 'C0APPROVALS',
    NOTIFY_CHANNEL: 'C0NOTIFY',
    DATABASE_URL: 'sqlite::memory:',
    PORT: '0',
    LOG_LEVEL: 'debug',
    ...(options.transport === 'socket' ? { SLACK_APP_TOKEN: slack.appToken } : {}),
  };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A pino destination that keeps every line. */
export function createMemoryDestination(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line.length > 0) lines.push(line);
    },
  };
}

/** A bare ack is `{}` on the socket and an empty body over HTTP; both become undefined. */
function socketAckBody(payload: unknown): unknown {
  return payload && typeof payload === 'object' && Object.keys(payload).length === 0 ? undefined : payload;
}

export async function startTestApp(options: StartTestAppOptions = {}): Promise<TestApp> {
  const transport = options.transport ?? 'http';
  const ownsSlack = !(options.slack instanceof FakeSlack);
  const slack = options.slack instanceof FakeSlack ? options.slack : await FakeSlack.start(options.slack);
  const env = buildTestEnv(slack, { ...options, transport });
  const destination = createMemoryDestination();
  let application: RunningApplication;
  try {
    const config = loadConfig(env);
    application = await startApplication(config, { ...options.overrides, logDestination: destination });
  } catch (error) {
    if (ownsSlack) await slack.close();
    throw error;
  }
  const { config } = application;
  const baseUrl = `http://127.0.0.1:${application.port}`;
  const secrets = [slack.botToken, slack.appToken, TEST_SIGNING_SECRET, TEST_MOODLE_TOKEN];

  if (transport === 'socket') await slack.socket.waitForConnection();

  const deliverInteractivity = async (payload: Record<string, unknown>): Promise<AckResult> => {
    if (transport === 'socket') {
      const ack = await slack.socket.send('interactive', payload);
      return { status: 200, body: socketAckBody(ack.payload) };
    }
    const answer = await postSigned(`${baseUrl}/slack/events`, encodeInteractivity(payload), FORM_CONTENT_TYPE, {
      secret: TEST_SIGNING_SECRET,
    });
    return { status: answer.status, body: answer.json ?? (answer.text === '' ? undefined : answer.text) };
  };

  let stopped: Promise<void> | undefined;
  return {
    transport,
    config,
    env,
    slack,
    socket: slack.socket,
    application,
    baseUrl,
    logs: destination.lines,
    logRecords: () => destination.lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    leakedSecrets: () => secrets.filter((secret) => destination.lines.some((line) => line.includes(secret))),
    async command(command, text = '', commandOptions = {}) {
      const { userId, channelId, ...fields } = commandOptions;
      const responseUrlId = `cmd-${Math.random().toString(36).slice(2, 10)}`;
      const triggerId = slack.issueTriggerId();
      const body = buildSlashCommand({
        command,
        text,
        response_url: slack.responseUrl(responseUrlId),
        trigger_id: triggerId,
        ...(userId ? { user_id: userId, user_name: userId.toLowerCase() } : {}),
        ...(channelId ? { channel_id: channelId } : {}),
        ...fields,
      });
      let ack: AckResult;
      if (transport === 'socket') {
        const socketAck = await slack.socket.send('slash_commands', body);
        ack = { status: 200, body: socketAckBody(socketAck.payload) };
      } else {
        const answer = await postSigned(`${baseUrl}/slack/events`, encodeForm(body), FORM_CONTENT_TYPE, {
          secret: TEST_SIGNING_SECRET,
        });
        ack = { status: answer.status, body: answer.json ?? (answer.text === '' ? undefined : answer.text) };
      }
      return {
        ack,
        responseUrl: body.response_url,
        responseUrlId,
        triggerId,
        waitForResponse: (timeoutMs?: number) => slack.waitForResponse(responseUrlId, timeoutMs),
      };
    },
    action: deliverInteractivity,
    submitView: deliverInteractivity,
    interact: deliverInteractivity,
    postRaw(rawBody, contentType, signOptions = {}) {
      if (transport !== 'http') throw new Error('postRaw is for the HTTP transport');
      return postSigned(`${baseUrl}/slack/events`, rawBody, contentType, {
        secret: TEST_SIGNING_SECRET,
        ...signOptions,
      });
    },
    async idle() {
      // Generous: only turns a listener that never finishes into a clear failure.
      if (!(await application.slack.whenIdle(15_000))) throw new Error('Slack requests still running after 15 s');
    },
    async get(path) {
      const response = await fetch(`${baseUrl}${path}`);
      return { status: response.status, text: await response.text() };
    },
    stop() {
      stopped ??= (async () => {
        try {
          await application.stop();
        } finally {
          if (ownsSlack) await slack.close();
        }
      })();
      return stopped;
    },
  };
}
