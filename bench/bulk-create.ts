// (b) Creating many users through createUsersInBatches against the fake Moodle with a fixed latency per call, and
// (c) the same against a real Moodle when an operator gives its URL and token (bench_* users, deleted afterwards).
import type { CreateUserInput } from '../src/core/moodle-gateway.js';
import { createUsersInBatches } from '../src/moodle/batch.js';
import { createMoodleClient } from '../src/moodle/client.js';
import { Secret } from '../src/secret.js';
import { startFakeMoodle } from '../test/fakes/fake-moodle/index.js';
import { median } from './stats.js';

export interface BulkRow {
  target: 'fake' | 'real';
  users: number;
  invalid: number;
  concurrency: number;
  latencyMs: number;
  batches: number;
  roundTrips: number;
  /** Round trips beyond one per batch, per invalid user. */
  extraPerInvalid: number;
  created: number;
  failed: number;
  wallMs: number;
  /** roundTrips × latency ÷ concurrency: the wall time if nothing but the network latency cost anything. */
  idealMs: number;
  ratio: number;
  /** The same run with no injected latency: the per-call work that is not latency (client and server CPU). */
  zeroLatencyWallMs?: number;
  /** (wall − zeroLatencyWall) ÷ ideal: the batch helper's own overhead on top of latency and per-call work. */
  adjustedRatio?: number;
}

/** `count` distinct users; `invalid` of them, spread evenly, have an email address Moodle refuses. */
export function buildUsers(prefix: string, count: number, invalid: number): CreateUserInput[] {
  const step = invalid > 0 ? Math.floor(count / invalid) : 0;
  return Array.from({ length: count }, (_, i) => {
    const bad = invalid > 0 && i % step === Math.floor(step / 2) && Math.floor(i / step) < invalid;
    return {
      username: `${prefix}_${i}`,
      firstname: 'Bench',
      lastname: `User${i}`,
      email: bad ? `not-an-email-${i}` : `${prefix}.${i}@example.org`,
      auth: 'manual',
      createpassword: true,
    };
  });
}

async function runOnce(
  client: Parameters<typeof createUsersInBatches>[0],
  users: CreateUserInput[],
  concurrency: number,
) {
  const started = performance.now();
  const result = await createUsersInBatches(client, users, { concurrency });
  return { result, wallMs: performance.now() - started };
}

/** Against the fake Moodle: each (invalid, concurrency) case `repeats` times on a fresh site; medians reported. */
export async function benchBulkFake(
  options: {
    users?: number;
    latencyMs?: number;
    repeats?: number;
    invalidCounts?: number[];
    concurrencies?: number[];
  } = {},
): Promise<BulkRow[]> {
  const count = options.users ?? 1_000;
  const latencyMs = options.latencyMs ?? 20;
  const repeats = options.repeats ?? 3;
  const rows: BulkRow[] = [];
  const fake = await startFakeMoodle({ latencyMs });
  const client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 30_000 });
  let run = 0;
  try {
    for (const concurrency of options.concurrencies ?? [1, 4]) {
      for (const invalid of options.invalidCounts ?? [0, 1, 10]) {
        const samples: Array<Awaited<ReturnType<typeof runOnce>>> = [];
        const zero: number[] = [];
        for (let r = 0; r < repeats; r++) {
          for (const injected of [latencyMs, 0]) {
            run += 1;
            fake.reset();
            fake.setLatency(injected);
            const once = await runOnce(client, buildUsers(`bench_r${run}`, count, invalid), concurrency);
            if (injected === 0) zero.push(once.wallMs);
            else samples.push(once);
          }
        }
        const wallMs = median(samples.map((s) => s.wallMs));
        const zeroLatencyWallMs = median(zero);
        const { result } = samples[0] as (typeof samples)[number];
        const idealMs = (result.roundTrips * latencyMs) / concurrency;
        rows.push({
          target: 'fake',
          users: count,
          invalid,
          concurrency,
          latencyMs,
          batches: result.batches,
          roundTrips: result.roundTrips,
          extraPerInvalid: invalid > 0 ? (result.roundTrips - result.batches) / invalid : 0,
          created: result.created.length,
          failed: result.failed.length,
          wallMs,
          idealMs,
          ratio: wallMs / idealMs,
          zeroLatencyWallMs,
          adjustedRatio: (wallMs - zeroLatencyWallMs) / idealMs,
        });
      }
    }
  } finally {
    await client.close();
    await fake.close();
  }
  return rows;
}

/**
 * Against a real Moodle: creates `users` bench_<run>_<i> accounts (valid ones, then with `invalid` bad ones),
 * measures, and deletes every account it created, even when a run fails half-way. The latency per call is measured
 * (median of a few core_webservice_get_site_info calls) instead of injected.
 */
export async function benchBulkReal(options: {
  url: string;
  token: string;
  users: number;
  concurrencies?: number[];
  log: (line: string) => void;
}): Promise<BulkRow[]> {
  const client = createMoodleClient({ url: options.url, token: new Secret(options.token), timeoutMs: 60_000 });
  const rows: BulkRow[] = [];
  const createdIds: number[] = [];
  const runId = Date.now().toString(36);
  try {
    const pings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await client.getSiteInfo();
      pings.push(performance.now() - t0);
    }
    const latencyMs = median(pings);
    options.log(`real Moodle: median round trip ${latencyMs.toFixed(1)} ms (site info)`);
    let n = 0;
    for (const concurrency of options.concurrencies ?? [1, 4]) {
      for (const invalid of [0, Math.min(10, Math.floor(options.users / 10))]) {
        n += 1;
        const users = buildUsers(`bench_${runId}_${n}`, options.users, invalid);
        const { result, wallMs } = await runOnce(client, users, concurrency);
        createdIds.push(...result.created.map((c) => c.id));
        const idealMs = (result.roundTrips * latencyMs) / concurrency;
        rows.push({
          target: 'real',
          users: options.users,
          invalid,
          concurrency,
          latencyMs,
          batches: result.batches,
          roundTrips: result.roundTrips,
          extraPerInvalid: invalid > 0 ? (result.roundTrips - result.batches) / invalid : 0,
          created: result.created.length,
          failed: result.failed.length,
          wallMs,
          idealMs,
          ratio: wallMs / idealMs,
        });
        options.log(
          `real Moodle: ${result.created.length} created, ${result.failed.length} refused in ${wallMs.toFixed(0)} ms`,
        );
      }
    }
  } finally {
    // Delete in chunks of 100 (core_user_delete_users is all-or-nothing per call).
    for (let i = 0; i < createdIds.length; i += 100) {
      const chunk = createdIds.slice(i, i + 100);
      try {
        await client.deleteUsers(chunk);
      } catch (error) {
        options.log(`could not delete bench users ${chunk.join(',')}: ${(error as Error).message}`);
      }
    }
    options.log(`real Moodle: deleted ${createdIds.length} bench_${runId}_* users`);
    await client.close();
  }
  return rows;
}
