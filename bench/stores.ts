// (e) The stores compared in one run: ack latency and creates per second of signed /moodle-adduser commands (each one
// acknowledged, then looked up in Moodle, stored and carded) with the app on SQLite, on PostgreSQL, and as two
// replicas on one PostgreSQL database behind the load generator as a round-robin balancer. Every measurement starts
// fresh processes on an empty database (a new file, or a new schema of the local PostgreSQL, PG_TEST_URL); rounds
// rotate the order so drift on a noisy machine hits all alike. The figures are medians.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../src/core/store.js';
import { openStore } from '../src/store/index.js';
import { createPgTestSchema } from '../test/store/pg-test-database.js';
import type { Fakes, LoadGenerator } from './apps.js';
import { type Spawned, spawnAndWaitReady } from './process.js';
import { formatMarkdownTable, median, percentile, round, sleep } from './stats.js';

export interface StoreRow {
  store: 'sqlite' | 'postgres';
  replicas: number;
  concurrency: number;
  requests: number;
  p50: number;
  p99: number;
  /** Requests stored per second, from the first command sent to the last request stored. */
  createsPerSecond: number;
  /** This row's p99 ÷ SQLite's, and its creates per second ÷ SQLite's. */
  p99Ratio: number;
  throughputRatio: number;
  non200: number;
}

const CONFIGS = [
  { store: 'sqlite', replicas: 1 },
  { store: 'postgres', replicas: 1 },
  { store: 'postgres', replicas: 2 },
] as const;
const WARM_UP = 200;

let files = 0;

async function databaseFor(store: 'sqlite' | 'postgres'): Promise<{ url: string; drop(): Promise<void> }> {
  if (store === 'postgres') {
    const schema = await createPgTestSchema();
    return { url: schema.url, drop: () => schema.drop() };
  }
  files += 1;
  const path = join(tmpdir(), `moodle-provisioner-bench-stores-${process.pid}-${files}.db`);
  const drop = async () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
  };
  return { url: `sqlite:${path}`, drop };
}

/** Waits until `count` requests are stored (each command stores one after its Moodle look-ups); when that was. */
async function storedAt(store: Store, count: number): Promise<number> {
  const deadline = performance.now() + 180_000;
  for (;;) {
    const stored = (await store.countByStatus()).pending ?? 0;
    if (stored >= count) return performance.now();
    if (performance.now() > deadline) throw new Error(`only ${stored} of ${count} requests were stored in 3 minutes`);
    await sleep(50);
  }
}

async function measure(
  fakes: Fakes,
  load: LoadGenerator,
  config: (typeof CONFIGS)[number],
  spec: { concurrency: number; requests: number; tag: string },
) {
  const database = await databaseFor(config.store);
  const apps: Spawned[] = [];
  let store: Store | undefined;
  try {
    // One at a time: replicas starting together would take turns on the migrations anyway.
    for (let i = 0; i < config.replicas; i++) {
      apps.push(await spawnAndWaitReady('app', fakes, { databaseUrl: database.url }));
    }
    const reader = await openStore(database.url);
    store = reader;
    const baseUrls = apps.map((a) => a.baseUrl);
    const run = async (concurrency: number, total: number, tag: string, expected: number) => {
      const started = performance.now();
      const spec = { baseUrl: baseUrls[0]!, baseUrls, total, concurrency, kind: 'adduser' as const, tag };
      const result = await load.run({ ...spec, preconnectPath: '/readyz' });
      const done = await storedAt(reader, expected);
      await fakes.waitForQuiet();
      await fakes.reset();
      return { result, perSecond: (total * 1000) / (done - started) };
    };
    await run(10, WARM_UP, `${spec.tag}w`, WARM_UP);
    const { result, perSecond } = await run(spec.concurrency, spec.requests, spec.tag, WARM_UP + spec.requests);
    const non200 = [...result.statuses].filter(([s]) => s !== 200).reduce((n, [, c]) => n + c, 0) + result.errors;
    return { p50: percentile(result.latenciesMs, 50), p99: percentile(result.latenciesMs, 99), perSecond, non200 };
  } finally {
    await store?.close();
    for (const app of apps) await app.stop();
    await database.drop();
  }
}

export async function benchStores(
  fakes: Fakes,
  load: LoadGenerator,
  options: { rounds?: number; concurrency?: number; requests?: number } = {},
): Promise<StoreRow[]> {
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 10;
  const requests = options.requests ?? 1_000;
  const results = CONFIGS.map(() => [] as Array<Awaited<ReturnType<typeof measure>>>);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < CONFIGS.length; i++) {
      const c = (i + round) % CONFIGS.length;
      const config = CONFIGS[c]!;
      results[c]!.push(await measure(fakes, load, config, { concurrency, requests, tag: `s${round}${c}` }));
    }
  }
  const rows = CONFIGS.map((config, c) => {
    const runs = results[c]!;
    return {
      ...config,
      concurrency,
      requests,
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      createsPerSecond: median(runs.map((r) => r.perSecond)),
      non200: runs.reduce((n, r) => n + r.non200, 0),
    };
  });
  const sqlite = rows[0]!;
  return rows.map((row) => ({
    ...row,
    p99Ratio: row.p99 / sqlite.p99,
    throughputRatio: row.createsPerSecond / sqlite.createsPerSecond,
  }));
}

export function storeTableData(rows: StoreRow[]): { headers: string[]; cells: Array<Array<string | number>> } {
  return {
    headers: [
      'store',
      'replicas',
      'in flight',
      'requests',
      'p50 ms',
      'p99 ms',
      'creates/s',
      'p99 ÷ SQLite',
      'creates/s ÷ SQLite',
      'non-200',
    ],
    cells: rows.map((r) => [
      r.store,
      r.replicas,
      r.concurrency,
      r.requests,
      round(r.p50),
      round(r.p99),
      round(r.createsPerSecond, 0),
      round(r.p99Ratio),
      round(r.throughputRatio),
      r.non200,
    ]),
  };
}

/** The (e) section of docs/PERFORMANCE.md. */
export function renderStoresSection(rows: StoreRow[] | undefined): string {
  if (!rows || rows.length === 0) return '';
  const { headers, cells } = storeTableData(rows);
  const table = formatMarkdownTable(headers, cells);
  return `
## (e) SQLite, PostgreSQL, and two replicas on PostgreSQL

Signed \`/moodle-adduser <email> <first> <last>\` commands, ${rows[0]?.concurrency} in flight, ${rows[0]?.requests} per run after
a warm-up of ${WARM_UP}: each is acknowledged at once, then looked up in the fake Moodle, stored and carded. Latency is
the acknowledgement's; creates per second count from the first command sent to the last request stored (read from
the database). The app runs as \`node dist/index.js\` on SQLite (a file), on PostgreSQL (the local server, a fresh
schema per run), and as two replicas on one PostgreSQL database, the load generator sending each request to the next
replica. On a 2-core machine the replicas, the load generator, the fakes and PostgreSQL share the same two cores, so
two replicas show what coordinating through the database costs, not the capacity a second machine would add; and on
a machine shared with other work these figures move by a third from run to run.

${table}
`;
}
