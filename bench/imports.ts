// (f) Bulk imports, from approval to the last enrolment, through the real core (preview, one request, approval,
// execution with the batch helper, the SQLite store) against the fake Moodle running the latency model of
// docs/moodle/bulk-timings.md (fixed + per-user CPU on 2 cores, createpassword's mail wait), and the same against
// a real Moodle with --moodle-url. The imports run in a child process started as `npm start` starts the app
// (bench/import-process.ts). Wall ÷ Moodle-busy time is what the app adds: the time no Moodle call was in flight.
import type { Fakes } from './apps.js';
import { startChild } from './child.js';
import { startNodeFlags } from './import-file.js';
import type { ImportArgs, ImportDone, ImportProcessHello } from './import-process.js';

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
  /** The same for a second import of as many rows, right after. */
  rssGrowthRepeatMb?: number;
  /** The memory case: every run's growth, in the order measured sorted (the row is the median's). */
  rssGrowthRunsMb?: number[];
  /** The V8 heap limit of the process the imports ran in (set by the flags of `npm start`). */
  heapLimitMb?: number;
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

/** The process the imports run in, with the flags of `npm start`. */
interface ImportProcess {
  heapLimitMb: number;
  call<T>(op: string, args?: unknown): Promise<T>;
  close(): Promise<void>;
}

async function startImportProcess(): Promise<ImportProcess> {
  const rpc = await startChild(new URL('./import-process.ts', import.meta.url), startNodeFlags());
  return { heapLimitMb: (rpc.hello as ImportProcessHello).heapLimitMb, call: rpc.call, close: rpc.close };
}

async function runCase(fakes: Fakes, spec: CaseSpec, app: ImportProcess, run: number): Promise<ImportBenchRow> {
  const rpc = fakes;
  await fakes.reset();
  await app.call('open', {
    moodle: fakes.moodle,
    passwordMode: spec.passwordMode,
  });
  await rpc.moodleModel({ scale: spec.scale, cores: 2 });
  const submit = (prefix: string, rows: number, sampleMemory: boolean) =>
    app.call<string>('submit', {
      prefix,
      rows,
      course: spec.course,
      auth: spec.auth,
      sampleMemory,
    } satisfies ImportArgs);
  const imports = async (prefix: string, rows: number, sampleMemory: boolean) =>
    app.call<ImportDone>('approve', await submit(prefix, rows, sampleMemory));
  try {
    // A warm-up import first: what is measured is what the rows cost a running app, not the first-use costs of the
    // code (compiling it, building the schemas), which a process pays once whatever the size of its first import.
    if (spec.memory) await imports(`warm${run}_`, 500, false);
    const id = await submit(`bi${run}_`, spec.rows, spec.memory === true);
    await rpc.moodleTimings();
    const done = await app.call<ImportDone>('approve', id);
    const timings = await rpc.moodleTimings();
    const calls: Record<string, number> = {};
    for (const t of timings) calls[t.wsfunction] = (calls[t.wsfunction] ?? 0) + 1;
    const busyMs = busyTime(timings);
    return {
      ...spec,
      ...(await app.call<{ batchSize: number; concurrency: number }>('tuning', { rows: spec.rows, auth: spec.auth })),
      calls,
      wallMs: done.wallMs,
      busyMs,
      ratio: done.wallMs / busyMs,
      ...(spec.course && spec.rows === 1_000 ? { baselineMs: CLI_BASELINE_MS * spec.scale } : {}),
      created: done.created,
      failed: done.failed,
      heapLimitMb: app.heapLimitMb,
      ...(spec.memory
        ? {
            rssGrowthMb: done.rssGrowthMb ?? Number.NaN,
            // A second import of the same size in the same process: what the rows cost once V8's heap has grown.
            rssGrowthRepeatMb: (await imports(`again${run}_`, spec.rows, true)).rssGrowthMb ?? Number.NaN,
          }
        : {}),
    };
  } finally {
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

/**
 * Each case `repeats` times, each run in a fresh import process (its own store); the median run is kept: by wall
 * time, or for the memory case by RSS growth, with every run's growth beside it.
 */
export async function benchImports(
  fakes: Fakes,
  options: { repeats: number; quick: boolean },
): Promise<ImportBenchRow[]> {
  const rows: ImportBenchRow[] = [];
  let run = 0;
  for (const spec of CASES(options.quick)) {
    const runs: ImportBenchRow[] = [];
    for (let i = 0; i < options.repeats; i++) {
      const app = await startImportProcess();
      try {
        run += 1;
        runs.push(await runCase(fakes, spec, app, run));
      } finally {
        await app.close();
      }
    }
    const key = (r: ImportBenchRow) => (spec.memory ? (r.rssGrowthMb ?? 0) : r.wallMs);
    const sorted = runs.sort((a, b) => key(a) - key(b));
    const kept = sorted[Math.floor(sorted.length / 2)] as ImportBenchRow;
    rows.push(spec.memory ? { ...kept, rssGrowthRunsMb: runs.map((r) => r.rssGrowthMb ?? Number.NaN) } : kept);
  }
  return rows;
}
