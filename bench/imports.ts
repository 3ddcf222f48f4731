// (f) Bulk imports, from approval to the last enrolment, through the real core (preview, one request, approval,
// execution with the batch helper, the SQLite store) against the fake Moodle running the latency model of
// docs/moodle/bulk-timings.md (fixed + per-user CPU on 2 cores, createpassword's mail wait), and the same against
// a real Moodle with --moodle-url. Wall ÷ Moodle-busy time is what the app adds: the time no Moodle call was in flight.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fakes } from './apps.js';
import { createImportStack, type ImportStack } from './import-stack.js';

/** Moodle's own CLI upload of 1,000 users with a course1 column on the measured site (bulk-timings.md). */
export const CLI_BASELINE_MS = 12_100;

export interface CaseSpec {
  name: string;
  rows: number;
  course: boolean;
  auth: string;
  passwordMode: 'email' | 'generate';
  /** The model's figures are multiplied by this (1 = the measured site). */
  scale: number;
  /** Samples RSS while it runs. */
  memory?: boolean;
}

export interface ImportBenchRow extends Omit<CaseSpec, 'memory'> {
  batchSize: number;
  concurrency: number;
  calls: Record<string, number>;
  wallMs: number;
  /** Time at least one Moodle call was in flight (the union of the calls' intervals, as the fake saw them). */
  busyMs: number;
  /** wall ÷ busy: what the app adds on top of the calls it makes. */
  ratio: number;
  /** The CLI baseline at this scale (course cases of 1,000 rows only). */
  baselineMs?: number;
  created: number;
  failed: number;
  /** The 10,000-row case: RSS growth of this process from before reading the file to the peak. */
  rssGrowthMb?: number;
}

interface Timing {
  arrived: number;
  answered: number;
  wsfunction: string;
}

/** The length of the union of the calls' [arrived, answered] intervals. */
export function busyTime(timings: readonly Timing[]): number {
  const sorted = [...timings].sort((a, b) => a.arrived - b.arrived);
  let busy = 0;
  let start = Number.NEGATIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const t of sorted) {
    if (t.arrived > end) {
      if (end > start) busy += end - start;
      start = t.arrived;
      end = t.answered;
    } else end = Math.max(end, t.answered);
  }
  if (end > start) busy += end - start;
  return busy;
}

export function importFile(prefix: string, rows: number, options: { course: boolean; auth: string }): string {
  const head = `username,firstname,lastname,email,auth${options.course ? ',course1,role1' : ''}`;
  const lines = Array.from(
    { length: rows },
    (_, i) =>
      `${prefix}${i},Bench,User ${i},${prefix}${i}@example.org,${options.auth}${options.course ? ',TEST101,student' : ''}`,
  );
  return `${head}\n${lines.join('\n')}\n`;
}

async function runCase(fakes: Fakes, spec: CaseSpec, stack: ImportStack, run: number): Promise<ImportBenchRow> {
  const rpc = fakes;
  await fakes.reset();
  await rpc.moodleModel({ scale: spec.scale, cores: 2 });
  global.gc?.();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = spec.memory
    ? setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 20)
    : undefined;
  try {
    const text = importFile(`bi${run}_`, spec.rows, spec);
    const id = await stack.submit(new TextEncoder().encode(text));
    await rpc.moodleTimings();
    const started = performance.now();
    await stack.approve(id);
    const wallMs = performance.now() - started;
    const outcome = await stack.totals(id);
    const timings = await rpc.moodleTimings();
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    const calls: Record<string, number> = {};
    for (const t of timings) calls[t.wsfunction] = (calls[t.wsfunction] ?? 0) + 1;
    const busyMs = busyTime(timings);
    return {
      ...spec,
      batchSize: stack.batchSize(spec.rows, spec.auth),
      concurrency: stack.concurrency,
      calls,
      wallMs,
      busyMs,
      ratio: wallMs / busyMs,
      ...(spec.course && spec.rows === 1_000 ? { baselineMs: CLI_BASELINE_MS * spec.scale } : {}),
      created: outcome.created,
      failed: outcome.failed,
      ...(spec.memory ? { rssGrowthMb: (rssPeak - rssBefore) / (1024 * 1024) } : {}),
    };
  } finally {
    clearInterval(sampler);
    await rpc.moodleModel(null);
  }
}

const CASES = (quick: boolean): CaseSpec[] => [
  // First, in a process that has done nothing else yet: the memory of 10,000 rows.
  {
    name: '10,000 rows, one course each (memory)',
    rows: 10_000,
    course: true,
    auth: 'oauth2',
    passwordMode: 'email',
    scale: 0.02,
    memory: true,
  },
  {
    name: '1,000 rows, one course each, single sign-on',
    rows: 1_000,
    course: true,
    auth: 'oauth2',
    passwordMode: 'email',
    scale: quick ? 0.1 : 1,
  },
  {
    name: '1,000 rows, one course each, PASSWORD_MODE=email',
    rows: 1_000,
    course: true,
    auth: 'manual',
    passwordMode: 'email',
    scale: quick ? 0.1 : 1,
  },
  {
    name: '1,000 rows, no course, single sign-on',
    rows: 1_000,
    course: false,
    auth: 'oauth2',
    passwordMode: 'email',
    scale: quick ? 0.1 : 1,
  },
];

/** Each case `repeats` times (the median run by wall time is kept), each in a fresh store. */
export async function benchImports(
  fakes: Fakes,
  options: { repeats: number; quick: boolean },
): Promise<ImportBenchRow[]> {
  const rows: ImportBenchRow[] = [];
  let run = 0;
  for (const spec of CASES(options.quick)) {
    const runs: ImportBenchRow[] = [];
    for (let i = 0; i < (spec.memory ? 1 : options.repeats); i++) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
      const stack = await createImportStack({ fakes, dbPath: join(dir, 'store.db'), passwordMode: spec.passwordMode });
      try {
        run += 1;
        runs.push(await runCase(fakes, spec, stack, run));
      } finally {
        await stack.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const sorted = runs.sort((a, b) => a.wallMs - b.wallMs);
    rows.push(sorted[Math.floor(sorted.length / 2)] as ImportBenchRow);
  }
  return rows;
}
