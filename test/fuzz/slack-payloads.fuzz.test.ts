// Fuzzing what reaches the app from Slack once Bolt has checked the signature and decoded the body: slash-command
// fields and interactivity payloads (block_actions, view_submission with hostile view.state.values and
// private_metadata, view_closed, shortcuts, and payloads missing whole parts). The real application runs (started as
// in production, against the fake Slack and fake Moodle); each payload goes through Bolt's processEvent, which is
// what the HTTP and Socket Mode receivers call after decoding. Signing is left out on purpose (it is fuzzed at the
// HTTP level in test/e2e/http-fuzz.e2e.test.ts) so that 10,000 payloads per kind fit in a few seconds.
//
// Properties: no listener throws (app.error would log it, and the receiver would answer 500); every command is
// acknowledged; every ack body and every reply is free of stack traces, [object Object], undefined and NaN.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, USER_FIELD_KEYS } from '../../src/slack/ids.js';
import { startTestApp, type TestApp } from '../e2e/harness.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { buildBlockActions, buildSlashCommand, buildViewSubmission } from '../fakes/sign.js';
import { commandText, FUZZ_RUNS, humanMessageProblem, nastyText } from './arbitraries.js';

let moodle: FakeMoodle;
let t: TestApp;

beforeAll(async () => {
  moodle = await startFakeMoodle();
  // warn: the fuzz would otherwise keep ~100,000 debug lines in memory; failures are still logged at error.
  t = await startTestApp({ moodleUrl: moodle.url, env: { MOODLE_TOKEN: moodle.token, LOG_LEVEL: 'warn' } });
});

afterAll(async () => {
  await t?.stop();
  await moodle?.close();
});

const userId = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('U0REQUESTER', 'U0ADMIN', 'U0APPROVER', 'U0NOBODY') },
  { weight: 1, arbitrary: nastyText },
);

/** The generated part of a slash command; response_url and trigger_id are issued by the fake Slack when sent. */
const slashCommand = fc.record({
  command: fc.constantFrom('/moodle-adduser', '/moodle-user'),
  text: fc.oneof(
    commandText,
    fc
      .tuple(
        fc.constantFrom('help', 'show', 'update', 'suspend', 'unsuspend', 'delete', 'requests', 'cancel', 'x'),
        commandText,
      )
      .map(([word, rest]) => `${word} ${rest}`),
  ),
  user_id: userId,
  channel_id: fc.constantFrom('C0GENERAL', 'C0APPROVALS', 'D0DIRECT', 'G0PRIVATE'),
});

const knownBlockIds = [
  ...USER_FIELD_KEYS.map((key) => `${key}_block`),
  ...Object.values(BLOCK_IDS),
] as readonly string[];
const knownActionIds = [
  ...USER_FIELD_KEYS.map((key) => `${key}_input`),
  ...Object.values(INPUT_ACTION_IDS),
] as readonly string[];

/** One element's state as Slack sends it, or something no Slack would send. */
const stateValue = fc.oneof(
  fc.record({ type: fc.constant('plain_text_input'), value: fc.oneof(nastyText, fc.constant(null)) }),
  fc.record({ type: fc.constant('email_text_input'), value: fc.oneof(nastyText, fc.constant(null)) }),
  fc.record({
    type: fc.constant('static_select'),
    selected_option: fc.oneof(
      fc.constant(null),
      fc.record({ value: nastyText, text: fc.record({ type: fc.constant('plain_text'), text: nastyText }) }),
    ),
  }),
  fc.record({ type: fc.constant('radio_buttons'), selected_option: fc.record({ value: nastyText }) }),
  fc.record({ type: fc.constant('checkboxes'), selected_options: fc.array(fc.record({ value: nastyText })) }),
  fc.jsonValue({ maxDepth: 2 }),
);

const stateValues = fc.dictionary(
  fc.oneof(fc.constantFrom(...knownBlockIds), nastyText),
  fc.dictionary(fc.oneof(fc.constantFrom(...knownActionIds), nastyText), stateValue, { maxKeys: 2 }),
  { maxKeys: 8 },
);

const privateMetadata = fc.oneof(
  nastyText,
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
  fc.record({ requestId: fc.oneof(nastyText, fc.integer()), userId: nastyText }).map((v) => JSON.stringify(v)),
  fc.constant('{"requestId":'),
);

type Sendable = { kind: string; build: (ids: Issued) => Record<string, unknown> };
interface Issued {
  triggerId: string;
  responseUrl: string;
}

const blockActions: fc.Arbitrary<Sendable> = fc
  .record({
    user: userId,
    actionId: fc.oneof(fc.constantFrom(...Object.values(ACTION_IDS)), nastyText),
    blockId: fc.oneof(fc.constantFrom(...Object.values(BLOCK_IDS)), nastyText),
    value: fc.oneof(nastyText, fc.constant(undefined)),
    values: stateValues,
  })
  .map((g) => ({
    kind: 'block_actions',
    build: (ids: Issued) =>
      buildBlockActions({
        user: { id: g.user },
        actions: [{ action_id: g.actionId, block_id: g.blockId, ...(g.value === undefined ? {} : { value: g.value }) }],
        triggerId: ids.triggerId,
        responseUrl: ids.responseUrl,
        stateValues: g.values,
      }),
  }));

const viewSubmission: fc.Arbitrary<Sendable> = fc
  .record({
    user: userId,
    callbackId: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...Object.values(CALLBACK_IDS)) }, nastyText),
    values: stateValues,
    metadata: privateMetadata,
    closed: fc.boolean(),
  })
  .map((g) => ({
    kind: g.closed ? 'view_closed' : 'view_submission',
    build: (ids: Issued) => {
      const payload = buildViewSubmission({
        user: { id: g.user },
        callbackId: g.callbackId,
        values: g.values,
        triggerId: ids.triggerId,
        privateMetadata: g.metadata,
      });
      return g.closed ? { ...payload, type: 'view_closed', is_cleared: false } : payload;
    },
  }));

/** Payloads with whole parts missing or of the wrong type (a known type, so that Bolt routes them). */
const brokenPayload: fc.Arbitrary<Sendable> = fc
  .record({
    type: fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'message_action'),
    rest: fc.dictionary(
      fc.constantFrom('user', 'view', 'actions', 'team', 'callback_id', 'trigger_id', 'state', 'channel', 'message'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 5 },
    ),
  })
  .map((g) => ({ kind: `broken ${g.type}`, build: () => ({ ...g.rest, type: g.type }) }));

const interactivity = fc.oneof(blockActions, viewSubmission, brokenPayload);

/** Runs `items` through `run` with at most `limit` at once. */
async function runBounded<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const item = items[next] as T;
        next += 1;
        await run(item);
      }
    }),
  );
}

interface Delivery {
  acked: boolean;
  ackBody: unknown;
  error?: unknown;
}

/** Hands a decoded body to the app as a receiver would; never waits more than 5 s. */
async function deliver(body: Record<string, unknown>): Promise<Delivery> {
  const result: Delivery = { acked: false, ackBody: undefined };
  const processed = t.application.slack.app.processEvent({
    body,
    ack: async (response?: unknown) => {
      result.acked = true;
      result.ackBody = response;
    },
  });
  let timer: NodeJS.Timeout | undefined;
  // A hang detector, not a speed test: 16 payloads run side by side, and on a loaded machine one can take seconds.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer within 30 s')), 30_000);
  });
  try {
    await Promise.race([processed, timeout]);
  } catch (error) {
    result.error = error;
  } finally {
    clearTimeout(timer);
  }
  return result;
}

function describeFailure(kind: string, input: unknown, problem: string): string {
  return `${kind}: ${problem}\ninput: ${JSON.stringify(input).slice(0, 600)}`;
}

/** Log records of listeners that threw (app.error logs each one). */
function listenerFailures(): unknown[] {
  return t
    .logRecords()
    .filter((r) => r.msg === 'slack listener failed')
    .slice(0, 3)
    .map((r) => JSON.stringify(r).slice(0, 1500));
}

/** Every reply posted to a response_url since `from`, as text, with the input that caused it. */
function repliesSince(from: number): string[] {
  return t.slack.responses.slice(from).map((post) => JSON.stringify(post.body));
}

// fc.sample rather than fc.assert: 10,000 payloads sent concurrently fit in seconds; a failure names the seed and
// the payload, which is enough to replay it.
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
// 10,000 payloads take about 15 s on an idle machine and several times that on a loaded one; this only catches a hang.
const FUZZ_TEST_TIMEOUT_MS = 300_000;

describe(`Slack payloads reaching the app (fuzzed, seed ${SEED})`, () => {
  it(
    `answers ${FUZZ_RUNS} hostile slash commands without throwing, always acknowledged`,
    async () => {
      const samples = fc.sample(slashCommand, { numRuns: FUZZ_RUNS, seed: SEED });
      const failures: string[] = [];
      const firstReply = t.slack.responses.length;
      await runBounded(samples, 16, async (sample) => {
        const body = buildSlashCommand({
          ...sample,
          user_name: 'fuzz',
          response_url: t.slack.responseUrl(),
          trigger_id: t.slack.issueTriggerId(),
        });
        const outcome = await deliver(body as unknown as Record<string, unknown>);
        if (outcome.error !== undefined) failures.push(describeFailure('command', sample, String(outcome.error)));
        else if (!outcome.acked) failures.push(describeFailure('command', sample, 'not acknowledged'));
        else if (outcome.ackBody !== undefined) {
          const problem = humanMessageProblem(JSON.stringify(outcome.ackBody), sample.text + sample.user_id);
          if (problem) failures.push(describeFailure('command ack', sample, problem));
        }
      });
      expect(failures.slice(0, 5)).toEqual([]);
      expect(listenerFailures()).toEqual([]);
      // Every reply: no template leftovers. Inputs are echoed in replies, so the words are only checked when absent
      // from every generated text.
      const typed = samples.map((s) => s.text + s.user_id).join('\n');
      for (const reply of repliesSince(firstReply)) {
        const problem = humanMessageProblem(reply, typed);
        expect(problem, reply.slice(0, 600)).toBeUndefined();
      }
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it(
    `answers ${FUZZ_RUNS} hostile interactivity payloads without throwing`,
    async () => {
      const samples = fc.sample(interactivity, { numRuns: FUZZ_RUNS, seed: SEED + 1 });
      const failures: string[] = [];
      let acked = 0;
      await runBounded(samples, 16, async (sample) => {
        const body = sample.build({ triggerId: t.slack.issueTriggerId(), responseUrl: t.slack.responseUrl() });
        const outcome = await deliver(body);
        if (outcome.error !== undefined) {
          // Bolt itself throws on a body without the parts every payload has (no team); the receiver answers 400
          // (see app.ts and the HTTP fuzz). Anything else, or any listener failure, is a defect.
          if (!sample.kind.startsWith('broken'))
            failures.push(describeFailure(sample.kind, body, String(outcome.error)));
          return;
        }
        if (outcome.acked) acked += 1;
        if (outcome.ackBody !== undefined) {
          const text = JSON.stringify(outcome.ackBody);
          const problem = humanMessageProblem(text, JSON.stringify(body));
          if (problem) failures.push(describeFailure(`${sample.kind} ack`, body, problem));
        }
      });
      expect(failures.slice(0, 5)).toEqual([]);
      expect(listenerFailures()).toEqual([]);
      // Known callback_ids and action_ids are routed and acknowledged, so a good share of the payloads must be.
      expect(acked).toBeGreaterThan(FUZZ_RUNS / 10);
    },
    FUZZ_TEST_TIMEOUT_MS,
  );

  it('still answers a help command after the fuzz', async () => {
    const reply = await t.command('/moodle-adduser', 'help');
    expect(reply.ack.status).toBe(200);
    expect(JSON.stringify((await reply.waitForResponse()).body)).toContain('/moodle-adduser');
    expect(t.leakedSecrets()).toEqual([]);
  });
});
