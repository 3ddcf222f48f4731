// (a) Ack latency of a signed /moodle-adduser text command at several concurrency levels, for the real app and for
// a bare Bolt app, in the same run. Each app is its own process (`node dist/index.js`, bench/bare-bolt-server.mjs);
// the load generator and the fakes run in two more, so the only difference between the two measurements is the app.
// Rounds alternate between the two so that drift on a noisy machine hits both alike; the figures are medians.
import type { Fakes, LoadGenerator } from './apps.js';
import { type Kind, type Spawned, spawnAndWaitReady } from './process.js';
import type { RequestKind } from './requests.js';
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
  /** Ours answering `/moodle-adduser help`: the same ack path with almost no work after the ack. */
  helpP50: number;
  helpP99: number;
  /** ours (help) p99 / bare p99: what the ack path itself costs. */
  helpRatio: number;
  /** Answers that were not 200, for all three together (should be 0). */
  non200: number;
}

const REQUESTS: Record<number, number> = { 1: 500, 10: 1_000, 50: 1_500 };

const WARM_UP = 200;

export async function benchAckLatency(
  fakes: Fakes,
  load: LoadGenerator,
  options: { levels?: number[]; rounds?: number } = {},
): Promise<AckLatencyRow[]> {
  const levels = options.levels ?? [1, 10, 50];
  const rounds = options.rounds ?? 5;
  let tag = 0;
  // Every round starts a fresh process with an empty store, warms it up (JIT, connection pools, prepared
  // statements), then measures. A fresh store keeps the waiting queue at what one round makes (the warm-up plus the
  // round's requests, none of them decided), instead of letting thousands of undecided requests pile up over the run.
  const measure = async (kind: Kind, concurrency: number, total: number, requests: RequestKind = 'adduser') => {
    const app: Spawned = await spawnAndWaitReady(kind, fakes);
    try {
      const run = async (c: number, n: number) => {
        tag += 1;
        const result = await load.run({
          baseUrl: app.baseUrl,
          total: n,
          concurrency: c,
          kind: requests,
          tag: `${kind}${tag}`,
          // Slack's requests come on open keep-alive connections: a burst of new ones is another matter (the
          // stalls, in docs/PERFORMANCE.md), which would otherwise be most of the p99 at 50 in flight.
          preconnectPath: '/readyz',
        });
        // The real app keeps working after the ack (Moodle look-ups, store, Slack posts); let it finish, so that
        // nothing of this run is left to slow down the next.
        await fakes.waitForQuiet();
        await fakes.reset();
        return result;
      };
      await run(10, WARM_UP);
      const result = await run(concurrency, total);
      const non200 = [...result.statuses].filter(([s]) => s !== 200).reduce((n, [, c]) => n + c, 0) + result.errors;
      return { p50: percentile(result.latenciesMs, 50), p99: percentile(result.latenciesMs, 99), non200 };
    } finally {
      await app.stop();
    }
  };
  const rows: AckLatencyRow[] = [];
  for (const concurrency of levels) {
    const total = REQUESTS[concurrency] ?? 1_000;
    const o: Array<{ p50: number; p99: number; non200: number }> = [];
    const b: Array<{ p50: number; p99: number; non200: number }> = [];
    const h: Array<{ p50: number; p99: number; non200: number }> = [];
    for (let round = 0; round < rounds; round++) {
      // Rotate which goes first, so none always runs on a machine warmed (or tired) by the others.
      const order = [
        async () => o.push(await measure('app', concurrency, total)),
        async () => b.push(await measure('bare', concurrency, total)),
        async () => h.push(await measure('app', concurrency, total, 'help')),
      ];
      for (let i = 0; i < order.length; i++) await order[(i + round) % order.length]?.();
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
      helpP50: median(h.map((x) => x.p50)),
      helpP99: median(h.map((x) => x.p99)),
      helpRatio: median(h.map((x) => x.p99)) / bareP99,
      non200: [...o, ...b, ...h].reduce((n, x) => n + x.non200, 0),
    });
  }
  return rows;
}
