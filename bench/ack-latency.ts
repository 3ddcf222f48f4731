// (a) Ack latency of a signed /moodle-adduser text command at several concurrency levels, for the real app and for
// a bare Bolt app in the same process and run. Rounds alternate between the two so that drift on a noisy machine hits
// both alike; the figures are medians over the rounds.
import { type AppUnderTest, type Fakes, signedAddUser, startBareBoltApp, startRealApp } from './apps.js';
import { runLoad } from './load.js';
import { median, percentile } from './stats.js';

export interface AckLatencyRow {
  concurrency: number;
  requests: number;
  oursP50: number;
  oursP99: number;
  bareP50: number;
  bareP99: number;
  /** ours p99 / bare p99 */
  p99Ratio: number;
  /** Answers that were not 200, for both apps together (should be 0). */
  non200: number;
}

const REQUESTS: Record<number, number> = { 1: 300, 10: 1_000, 50: 1_500 };

export async function benchAckLatency(
  fakes: Fakes,
  options: { levels?: number[]; rounds?: number } = {},
): Promise<AckLatencyRow[]> {
  const levels = options.levels ?? [1, 10, 50];
  const rounds = options.rounds ?? 3;
  const ours = await startRealApp(fakes);
  const bare = await startBareBoltApp(fakes.slack);
  let tag = 0;
  const measure = async (app: AppUnderTest, name: string, concurrency: number, total: number) => {
    tag += 1;
    const prefix = `${name}${tag}`;
    const result = await runLoad({
      baseUrl: app.baseUrl,
      total,
      concurrency,
      deadlineMs: 60_000,
      build: (i) => signedAddUser(fakes.slack, prefix, i),
    });
    // The real app keeps working after the ack (Moodle look-ups, Slack posts); let it finish before the next round.
    await waitForQuiet(fakes);
    fakes.slack.reset();
    const non200 = [...result.statuses].filter(([s]) => s !== 200).reduce((n, [, c]) => n + c, 0) + result.errors;
    return { p50: percentile(result.latenciesMs, 50), p99: percentile(result.latenciesMs, 99), non200 };
  };
  try {
    // Warm-up: JIT, connection pools, the store's prepared statements.
    await measure(ours, 'warm', 10, 300);
    await measure(bare, 'warm', 10, 300);
    const rows: AckLatencyRow[] = [];
    for (const concurrency of levels) {
      const total = REQUESTS[concurrency] ?? 1_000;
      const o: Array<{ p50: number; p99: number; non200: number }> = [];
      const b: Array<{ p50: number; p99: number; non200: number }> = [];
      for (let round = 0; round < rounds; round++) {
        // Alternate which goes first, so neither always runs on a machine warmed (or tired) by the other.
        if (round % 2 === 0) {
          o.push(await measure(ours, 'ours', concurrency, total));
          b.push(await measure(bare, 'bare', concurrency, total));
        } else {
          b.push(await measure(bare, 'bare', concurrency, total));
          o.push(await measure(ours, 'ours', concurrency, total));
        }
      }
      const oursP99 = median(o.map((x) => x.p99));
      const bareP99 = median(b.map((x) => x.p99));
      rows.push({
        concurrency,
        requests: total,
        oursP50: median(o.map((x) => x.p50)),
        oursP99,
        bareP50: median(b.map((x) => x.p50)),
        bareP99,
        p99Ratio: oursP99 / bareP99,
        non200: [...o, ...b].reduce((n, x) => n + x.non200, 0),
      });
    }
    return rows;
  } finally {
    await ours.stop();
    await bare.stop();
  }
}

/** Waits (at most 10 s) until the fakes have seen no new call for 200 ms. */
async function waitForQuiet(fakes: Fakes): Promise<void> {
  const deadline = performance.now() + 10_000;
  let last = -1;
  while (performance.now() < deadline) {
    const seen = fakes.slack.calls.length + fakes.slack.responses.length + fakes.moodle.calls.length;
    if (seen === last) return;
    last = seen;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
