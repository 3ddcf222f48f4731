// (b) Creating many users through createUsersInBatches against the fake Moodle with a fixed latency per call, and
// (c) the same against a real Moodle when an operator gives its URL and token (bench_* users, deleted afterwards).
import type { CreateUserInput } from '../src/core/moodle-gateway.js';
import { type BatchCreateResult, createUsersInBatches } from '../src/moodle/batch.js';
import { createMoodleClient } from '../src/moodle/client.js';
import { Secret } from '../src/secret.js';
import type { Fakes } from './apps.js';
import { replaySchedule } from './schedule.js';
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
  /**
   * The time one call takes when it carries nothing: the median round trip of core_webservice_get_site_info,
   * measured before the run (the injected latency plus this machine's loopback and the two processes' turns).
   */
  roundTripMs: number;
  /** roundTrips × roundTripMs ÷ concurrency: the wall time if nothing but each call's round trip cost anything. */
  idealMs: number;
  /** roundTrips × the injected latency ÷ concurrency (fake only): the same without the loopback's share. */
  injectedIdealMs?: number;
  /** wall ÷ ideal */
  ratio: number;
  /** The helper's own schedule with every call costing exactly the latency (bisection calls wait on each other). */
  scheduleIdealMs?: number;
  /** Median time of one call as the client saw it: the round trip plus the client's encoding and parsing. */
  medianCallMs?: number;
  /** The helper's schedule replayed with the call times measured in this run: what the wall should have been. */
  expectedMs?: number;
  /** wall ÷ expected: what the helper itself adds beyond the calls. */
  helperRatio?: number;
  /** CPU time of this (the client's) process per round trip: encoding, HTTP, parsing, the helper. */
  clientCpuPerCallMs?: number;
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

type BatchClient = Parameters<typeof createUsersInBatches>[0];

/** Runs the helper once; `callMs` holds every call's duration as the client saw it, in the order they were made. */
async function runOnce(client: BatchClient, users: CreateUserInput[], concurrency: number) {
  const callMs: number[] = [];
  const timed =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const slot = callMs.length;
      callMs.push(Number.NaN);
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        callMs[slot] = performance.now() - t0;
      }
    };
  const wrapped: BatchClient = {
    createUsers: timed((list: CreateUserInput[]) => client.createUsers(list)),
    getUsersByField: timed((field: Parameters<BatchClient['getUsersByField']>[0], values: string[]) =>
      client.getUsersByField(field, values),
    ),
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await createUsersInBatches(wrapped, users, { concurrency });
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { result, wallMs, callMs, cpuMs: (used.user + used.system) / 1_000 };
}

/** The figures every row has, from one run's result (a fake row's are the medians of its runs). */
function baseRow(run: {
  target: BulkRow['target'];
  result: BatchCreateResult;
  users: number;
  invalid: number;
  concurrency: number;
  latencyMs: number;
  roundTripMs: number;
  wallMs: number;
}): BulkRow {
  const { result, invalid, concurrency, wallMs } = run;
  const idealMs = (result.roundTrips * run.roundTripMs) / concurrency;
  return {
    target: run.target,
    users: run.users,
    invalid,
    concurrency,
    latencyMs: run.latencyMs,
    roundTripMs: run.roundTripMs,
    batches: result.batches,
    roundTrips: result.roundTrips,
    extraPerInvalid: invalid > 0 ? (result.roundTrips - result.batches) / invalid : 0,
    created: result.created.length,
    failed: result.failed.length,
    wallMs,
    idealMs,
    ratio: wallMs / idealMs,
  };
}

/** Median round trip of a call that carries nothing (site info), after one call to open the connection. */
async function measureRoundTrip(client: ReturnType<typeof createMoodleClient>, calls = 21): Promise<number> {
  await client.getSiteInfo();
  const pings: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await client.getSiteInfo();
    pings.push(performance.now() - t0);
  }
  return median(pings);
}

/**
 * Against the fake Moodle (in its own process, so its per-call work is not charged to the client): each
 * (invalid, concurrency) case `repeats` times on a fresh site; medians reported.
 */
export async function benchBulkFake(
  fakes: Fakes,
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
  const client = createMoodleClient({
    url: fakes.moodle.url,
    token: new Secret(fakes.moodle.token),
    timeoutMs: 30_000,
  });
  let run = 0;
  try {
    await fakes.setMoodleLatency(latencyMs);
    // One unmeasured run first, so that the measured ones do not include loading and compiling the client's code.
    await fakes.reset();
    await runOnce(client, buildUsers('bench_warmup', Math.min(count, 200), 1), 1);
    // "Latency" as in the real-Moodle run: a call's measured round trip, here the injected time plus the loopback.
    const roundTripMs = await measureRoundTrip(client);
    for (const concurrency of options.concurrencies ?? [1, 4]) {
      for (const invalid of options.invalidCounts ?? [0, 1, 10]) {
        const samples: Array<{ wallMs: number; expectedMs: number; medianCallMs: number; cpuPerCall: number }> = [];
        let first: Awaited<ReturnType<typeof runOnce>> | undefined;
        let scheduleIdealMs = Number.NaN;
        for (let r = 0; r < repeats; r++) {
          run += 1;
          await fakes.reset();
          const users = buildUsers(`bench_r${run}`, count, invalid);
          const once = await runOnce(client, users, concurrency);
          first ??= once;
          const expected = await replaySchedule(users, concurrency, (i) => once.callMs[i] ?? Number.NaN);
          scheduleIdealMs = (await replaySchedule(users, concurrency, () => latencyMs)).makespanMs;
          samples.push({
            wallMs: once.wallMs,
            expectedMs: expected.makespanMs,
            medianCallMs: median(once.callMs),
            cpuPerCall: once.cpuMs / once.result.roundTrips,
          });
        }
        if (!first) continue;
        const { result } = first;
        const wallMs = median(samples.map((s) => s.wallMs));
        const expectedMs = median(samples.map((s) => s.expectedMs));
        rows.push({
          ...baseRow({ target: 'fake', result, users: count, invalid, concurrency, latencyMs, roundTripMs, wallMs }),
          injectedIdealMs: (result.roundTrips * latencyMs) / concurrency,
          scheduleIdealMs,
          medianCallMs: median(samples.map((s) => s.medianCallMs)),
          expectedMs,
          helperRatio: median(samples.map((s) => s.wallMs / s.expectedMs)),
          clientCpuPerCallMs: median(samples.map((s) => s.cpuPerCall)),
        });
      }
    }
  } finally {
    await fakes.setMoodleLatency(0);
    await client.close();
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
    const latencyMs = await measureRoundTrip(client, 5);
    options.log(`real Moodle: median round trip ${latencyMs.toFixed(1)} ms (site info)`);
    let n = 0;
    for (const concurrency of options.concurrencies ?? [1, 4]) {
      for (const invalid of [0, Math.min(10, Math.floor(options.users / 10))]) {
        n += 1;
        const users = buildUsers(`bench_${runId}_${n}`, options.users, invalid);
        const { result, wallMs } = await runOnce(client, users, concurrency);
        createdIds.push(...result.created.map((c) => c.id));
        rows.push(
          baseRow({
            target: 'real',
            result,
            users: options.users,
            invalid,
            concurrency,
            latencyMs,
            roundTripMs: latencyMs,
            wallMs,
          }),
        );
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
