// The process layout of the benchmarks. The fakes (fake Slack + fake Moodle) run in one child process, the load
// generator in another, and each system under test in its own: the real application (`node dist/index.js`, as in
// production) or a bare Bolt app on the same kind of receiver that only acks (bench/bare-bolt-server.mjs). Ours and
// bare are measured under identical conditions: same layout, same load generator, same fakes.
import { startChild } from './child.js';
import type { FakesHello } from './fakes-process.js';
import type { LoadResult } from './load.js';
import type { LoadSpec, RemoteLoadResult } from './load-process.js';
import { BENCH_SIGNING_SECRET, type RequestKind } from './requests.js';
import { sleep } from './stats.js';

export interface Fakes extends FakesHello {
  /** Forgets recorded calls on both fakes; resets the Moodle site. */
  reset(): Promise<void>;
  /** Calls seen by both fakes since the last reset. */
  activity(): Promise<number>;
  /** How long each fake Moodle call takes, its work included (FakeMoodleOptions.latencyMs). */
  setMoodleLatency(ms: number): Promise<void>;
  /** The latency model of a real site ({ scale, cores }; null: back to the fixed latency). */
  moodleModel(model: { scale: number; cores: number } | null): Promise<void>;
  /** The calls the model served since the last time asked. */
  moodleTimings(): Promise<Array<{ wsfunction: string; arrived: number; answered: number }>>;
  /** Waits (at most 10 s) until the fakes have seen no new call for 200 ms: the app's post-ack work is done. */
  waitForQuiet(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const rpc = await startChild(new URL('./fakes-process.ts', import.meta.url));
  const hello = rpc.hello as FakesHello;
  const activity = () => rpc.call<number>('activity');
  return {
    ...hello,
    reset: () => rpc.call('reset'),
    activity,
    setMoodleLatency: (ms) => rpc.call('moodleLatency', ms),
    moodleModel: (model) => rpc.call('moodleModel', model),
    moodleTimings: () => rpc.call('moodleTimings'),
    async waitForQuiet() {
      const deadline = performance.now() + 10_000;
      let last = -1;
      while (performance.now() < deadline) {
        const seen = await activity();
        if (seen === last) return;
        last = seen;
        await sleep(200);
      }
    },
    close: () => rpc.close(),
  };
}

/** The env the apps under test run with: production log level, the fakes, the bench signing secret. */
export function benchEnv(fakes: Fakes, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: fakes.slack.botToken,
    SLACK_SIGNING_SECRET: BENCH_SIGNING_SECRET,
    SLACK_API_URL: fakes.slack.apiUrl,
    MOODLE_URL: fakes.moodle.url,
    MOODLE_TOKEN: fakes.moodle.token,
    MOODLE_TIMEOUT_MS: '5000',
    SLACK_APPROVERS: 'U0APPROVER',
    SLACK_ADMINS: 'U0ADMIN',
    // The load generator's requester (test/fakes/sign.ts): the command takes the full path (validation, Moodle
    // look-ups, store, approval card, reply), not the short refusal a person outside every role gets.
    SLACK_REQUESTERS: 'U0REQUESTER',
    APPROVAL_CHANNEL: 'C0APPROVALS',
    NOTIFY_CHANNEL: 'C0NOTIFY',
    DATABASE_URL: 'sqlite::memory:',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface LoadGenerator {
  run(options: {
    baseUrl: string;
    /** Several apps, round-robin (see runLoad). */
    baseUrls?: string[];
    total: number;
    concurrency: number;
    kind: RequestKind;
    tag: string;
    deadlineMs?: number;
    /** Open every connection before the measured requests (see runLoad). */
    preconnectPath?: string;
  }): Promise<LoadResult>;
  close(): Promise<void>;
}

/** The load generator in its own process (bench/load-process.ts). */
export async function startLoadGenerator(fakes: Fakes): Promise<LoadGenerator> {
  const rpc = await startChild(new URL('./load-process.ts', import.meta.url));
  return {
    async run(options) {
      const spec: LoadSpec = { deadlineMs: 60_000, ...options, slackUrl: fakes.slack.url };
      const result = await rpc.call<RemoteLoadResult>('run', spec);
      return { ...result, statuses: new Map(result.statuses) };
    },
    close: () => rpc.close(),
  };
}
