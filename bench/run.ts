// `npm run bench`: measures ack latency, bulk creation, start-up time and memory, and the stores (SQLite, PostgreSQL,
// two replicas on PostgreSQL), prints a table and writes
// docs/PERFORMANCE.md with the figures and the machine they were measured on. Everything runs on 127.0.0.1 against
// the fake Slack and fake Moodle, bounded in count and time (a few minutes on 2 cores). With --moodle-url and
// --moodle-token it also runs the bulk benchmark and an import against a real Moodle (creates and deletes bench_*
// users; asks first unless --yes). Not part of the test run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { type AckLatencyRow, benchAckLatency } from './ack-latency.js';
import { type Fakes, type LoadGenerator, startFakes, startLoadGenerator } from './apps.js';
import { type BulkRow, benchBulkFake, benchBulkReal } from './bulk-create.js';
import { benchImportReal } from './import-real.js';
import { importTableData, memoryVerdict } from './import-report.js';
import { benchImports, type ImportBenchRow } from './imports.js';
import { benchMemory, benchStartup, ensureBuild, type MemoryResult, type StartupResult } from './process.js';
import { ackTableData, type BenchReport, bulkTableData, renderPerformanceDoc } from './report.js';
import { describeMachine, formatTable, round } from './stats.js';
import { benchStores, type StoreRow, storeTableData } from './stores.js';

const USAGE = `Usage: npm run bench -- [options]
  --moodle-url URL      also run the bulk benchmark against this Moodle (creates and deletes bench_* users)
  --moodle-token TOKEN  its web-service token (or MOODLE_BENCH_TOKEN)
  --real-users N        users per real-Moodle run, rows of its import (default 200)
  --yes                 do not ask before creating users on the real Moodle
  --quick               fewer rounds (a smoke run; figures are not written to docs/PERFORMANCE.md)
  --only-imports        run only (f), the imports, and put its figures into the last run's report (as --only-stores)
  --moodle-course NAME  with --moodle-url: the course the real-Moodle import enrols its rows in (default: none)
  --only-stores         run only (e), the stores (PostgreSQL from PG_TEST_URL), and put its figures into the
                        last run's docs/performance-results.json and docs/PERFORMANCE.md
  --no-doc              print only, do not write docs/PERFORMANCE.md
  --render              only write docs/PERFORMANCE.md again from the figures of the last run
                        (docs/performance-results.json), e.g. after changing bench/report.ts`;

const { values } = parseArgs({
  options: {
    'moodle-url': { type: 'string' },
    'moodle-token': { type: 'string' },
    'real-users': { type: 'string', default: '200' },
    yes: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    'no-doc': { type: 'boolean', default: false },
    render: { type: 'boolean', default: false },
    'only-stores': { type: 'boolean', default: false },
    'only-imports': { type: 'boolean', default: false },
    'moodle-course': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const log = (line: string) => console.log(line);
const quick = values.quick;
const moodleToken = values['moodle-token'] ?? process.env.MOODLE_BENCH_TOKEN;
const realUsers = Number(values['real-users']);
if (!Number.isSafeInteger(realUsers) || realUsers < 1) {
  console.error(`--real-users must be a whole number of at least 1, got "${values['real-users']}"\n\n${USAGE}`);
  process.exit(2);
}

/** `accounts`: what the run creates, e.g. "up to 800 users named bench_*". */
async function confirmRealRun(url: string, accounts: string): Promise<boolean> {
  if (values.yes) return true;
  if (!process.stdin.isTTY) {
    log('Not asking on a non-interactive terminal: add --yes to run against the real Moodle.');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`This creates ${accounts} on ${url} and deletes them afterwards. Continue? [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

function printAck(rows: AckLatencyRow[]) {
  log('\n(a) Ack latency of a signed /moodle-adduser <email> <first> <last> (ms, median of rounds)');
  const { headers, cells } = ackTableData(rows);
  log(formatTable(headers, cells));
}

function printBulk(title: string, rows: BulkRow[]) {
  log(`\n${title}`);
  const { headers, cells } = bulkTableData(rows);
  log(formatTable(headers, cells));
}

function printProcess(startup: StartupResult[], memory: MemoryResult[]) {
  log('\n(d) Start-up and memory (node dist/index.js vs a bare Bolt process)');
  log(
    formatTable(
      [
        'process',
        'ready ms (median)',
        'idle RSS MB (median)',
        'start MB',
        'after warm-up MB',
        'after 10k MB',
        'after 20k MB',
        'start→10k',
        'warm→10k',
        '10k→20k',
      ],
      startup.map((s) => {
        const m = memory.find((x) => x.name === s.name);
        return [
          s.name,
          round(s.readyMedianMs, 0),
          round(s.idleRssMedianMb, 1),
          m ? round(m.idleMb, 1) : '-',
          m ? round(m.afterWarmupMb, 1) : '-',
          m ? round(m.after10kMb, 1) : '-',
          m ? round(m.after20kMb, 1) : '-',
          m ? `${round(m.growthFromIdle * 100, 1)}%` : '-',
          m ? `${round(m.growthAfterWarmup * 100, 1)}%` : '-',
          m ? `${round(m.growthSecondWindow * 100, 1)}%` : '-',
        ];
      }),
    ),
  );
}

async function measureStores(fakes: Fakes, load: LoadGenerator): Promise<StoreRow[]> {
  log('\nrunning (e) SQLite, PostgreSQL and two replicas on PostgreSQL…');
  const stores = await benchStores(fakes, load, { rounds: quick ? 1 : 3, requests: quick ? 300 : 1_000 });
  log('\n(e) Signed /moodle-adduser, 10 in flight: SQLite, PostgreSQL, 2 replicas on PostgreSQL (median of rounds)');
  const table = storeTableData(stores);
  log(formatTable(table.headers, table.cells));
  return stores;
}

async function measureImports(fakes: Fakes): Promise<ImportBenchRow[]> {
  log('\nrunning (f) bulk imports against the fake Moodle with the latency model of a real site…');
  const rows = await benchImports(fakes, { repeats: quick ? 1 : 3, quick });
  log('\n(f) Imports from approval to the last enrolment, fake Moodle modelled on a real site (median of runs)');
  const table = importTableData(rows);
  log(formatTable(table.headers, table.cells));
  const memory = memoryVerdict(rows);
  if (memory) log(memory.replaceAll('**', ''));
  return rows;
}

async function measureRealImport(): Promise<ImportBenchRow[]> {
  const moodleUrl = values['moodle-url'];
  if (!moodleUrl || !moodleToken) {
    if (moodleUrl || moodleToken)
      log('\n(f) real Moodle skipped: give both --moodle-url and --moodle-token (or MOODLE_BENCH_TOKEN).');
    return [];
  }
  const rows = realUsers;
  if (!(await confirmRealRun(moodleUrl, `${rows} users named bench_import_* (auth nologin)`))) return [];
  const real = await benchImportReal({
    url: moodleUrl,
    token: moodleToken,
    rows,
    course: values['moodle-course'],
    log,
  });
  const table = importTableData(real);
  log(`\n(f) ${rows.toLocaleString('en-US')} rows imported into ${new URL(moodleUrl).host}`);
  log(formatTable(table.headers, table.cells));
  return real;
}

/** (f) alone, its figures put into the last full run's report. */
async function runImportsOnly(fakes: Fakes): Promise<void> {
  const imports = await measureImports(fakes);
  const importsReal = await measureRealImport();
  if (quick || values['no-doc'] || !existsSync(RESULTS)) return;
  const report = { ...(JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchReport), imports, importsReal };
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(DOC, renderPerformanceDoc(report));
  log(`wrote (f) into ${DOC.pathname} and ${RESULTS.pathname}`);
}

/** (e) alone, its figures put into the last full run's report. */
async function runStoresOnly(fakes: Fakes, load: LoadGenerator): Promise<void> {
  const stores = await measureStores(fakes, load);
  if (quick || values['no-doc'] || !existsSync(RESULTS)) return;
  const report = { ...(JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchReport), stores };
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(DOC, renderPerformanceDoc(report));
  log(`wrote (e) into ${DOC.pathname} and ${RESULTS.pathname}`);
}

const RESULTS = new URL('../docs/performance-results.json', import.meta.url);
const DOC = new URL('../docs/PERFORMANCE.md', import.meta.url);

async function main(): Promise<void> {
  if (values.render) {
    if (!existsSync(RESULTS)) {
      log(`No figures to render: ${RESULTS.pathname} is written by a full run (npm run bench).`);
      process.exitCode = 1;
      return;
    }
    writeFileSync(DOC, renderPerformanceDoc(JSON.parse(readFileSync(RESULTS, 'utf8')) as BenchReport));
    log(`wrote ${DOC.pathname} from ${RESULTS.pathname}`);
    return;
  }
  const started = performance.now();
  const machine = describeMachine();
  log(
    `moodle-provisioner benchmarks: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}`,
  );

  // The imports run in this process, on the sources: they need no build.
  const buildMs = values['only-imports'] ? 0 : ensureBuild();
  if (buildMs > 1_000) log(`built dist/ in ${(buildMs / 1000).toFixed(1)} s`);

  const fakes = await startFakes();
  if (values['only-imports']) {
    try {
      await runImportsOnly(fakes);
    } finally {
      await fakes.close();
    }
    return;
  }
  // First, while this process has done nothing else: (f) measures the memory an import of 10,000 rows takes.
  const imports = await measureImports(fakes);
  const load = await startLoadGenerator(fakes).catch(async (error: unknown) => {
    await fakes.close();
    throw error;
  });
  let ack: AckLatencyRow[];
  let bulk: BulkRow[];
  let startup: StartupResult[];
  let memory: MemoryResult[];
  let stores: StoreRow[];
  if (values['only-stores']) {
    try {
      await runStoresOnly(fakes, load);
    } finally {
      await load.close();
      await fakes.close();
    }
    return;
  }
  try {
    log('\nrunning (a) ack latency…');
    ack = await benchAckLatency(fakes, load, { rounds: quick ? 1 : 5 });
    printAck(ack);
    log('\nrunning (b) bulk creation against the fake Moodle…');
    bulk = await benchBulkFake(fakes, { repeats: quick ? 1 : 3 });
    printBulk('(b) 1,000 users through createUsersInBatches, fake Moodle with 20 ms per call (median of runs)', bulk);
    log('\nrunning (d) start-up and memory…');
    startup = await benchStartup(fakes, quick ? 2 : 9);
    memory = await benchMemory(fakes, load, quick ? 2_000 : 10_000);
    printProcess(startup, memory);
    stores = await measureStores(fakes, load);
  } finally {
    await load.close();
    await fakes.close();
  }

  let real: BulkRow[] = [];
  const moodleUrl = values['moodle-url'];
  if (moodleUrl && moodleToken) {
    const users = realUsers;
    if (await confirmRealRun(moodleUrl, `up to ${users * 4} users named bench_*`)) {
      real = await benchBulkReal({ url: moodleUrl, token: moodleToken, users, log });
      printBulk(`(c) ${users} users through createUsersInBatches against ${new URL(moodleUrl).host}`, real);
    }
  } else if (moodleUrl || moodleToken) {
    log('\n(c) skipped: give both --moodle-url and --moodle-token (or MOODLE_BENCH_TOKEN).');
  }

  const importsReal = await measureRealImport();
  const totalS = (performance.now() - started) / 1000;
  log(`\nfinished in ${totalS.toFixed(0)} s`);
  if (!quick && !values['no-doc']) {
    const report: BenchReport = { machine, ack, bulk, real, startup, memory, stores, imports, importsReal, totalS };
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(DOC, renderPerformanceDoc(report));
    log(`wrote ${DOC.pathname} and ${RESULTS.pathname}`);
  }
}

await main();
