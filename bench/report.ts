// Renders docs/PERFORMANCE.md from one benchmark run: the machine, every figure, each target with its verdict, and
// the explanations that do not change from run to run (how it is measured, why a target can be missed).
import type { AckLatencyRow } from './ack-latency.js';
import type { BulkRow } from './bulk-create.js';
import { renderImportsSection } from './import-report.js';
import type { ImportBenchRow } from './imports.js';
import type { MemoryResult, StartupResult } from './process.js';
import { formatMarkdownTable, type MachineInfo, round } from './stats.js';
import { renderStoresSection, type StoreRow } from './stores.js';

export interface BenchReport {
  machine: MachineInfo;
  ack: AckLatencyRow[];
  bulk: BulkRow[];
  real: BulkRow[];
  startup: StartupResult[];
  memory: MemoryResult[];
  /** (e); absent in reports written before the PostgreSQL store. */
  stores?: StoreRow[];
  /** (f) imports against the fake and a real Moodle; absent in reports written before the import. */
  imports?: ImportBenchRow[];
  importsReal?: ImportBenchRow[];
  totalS: number;
}

function verdict(ok: boolean, detail: string): string {
  return ok ? `met (${detail})` : `**missed** (${detail})`;
}

const pct = (x: number) => `${round(x * 100, 1)}%`;

const opt = (x: number | undefined, digits = 0) => (x === undefined || Number.isNaN(x) ? '-' : round(x, digits));

/** The ack table's columns and cells, for the doc (Markdown) and the console alike. */
export function ackTableData(rows: AckLatencyRow[]): { headers: string[]; cells: Array<Array<string | number>> } {
  return {
    headers: [
      'concurrency',
      'requests per round',
      'ours p50',
      'ours p99',
      'bare p50',
      'bare p99',
      'p99 ours ÷ bare',
      'ours (help) p50',
      'ours (help) p99',
      'p99 help ÷ bare',
      'non-200 answers',
    ],
    cells: rows.map((r) => [
      r.concurrency,
      r.requests,
      round(r.oursP50),
      round(r.oursP99),
      round(r.bareP50),
      round(r.bareP99),
      round(r.p99Ratio),
      round(r.helpP50),
      round(r.helpP99),
      round(r.helpRatio),
      r.non200,
    ]),
  };
}

/** The bulk table's columns and cells, for the doc (Markdown) and the console alike. */
export function bulkTableData(rows: BulkRow[]): { headers: string[]; cells: Array<Array<string | number>> } {
  return {
    headers: [
      'target',
      'batch concurrency',
      'users',
      'invalid',
      'round trips',
      'extra trips per invalid',
      'created',
      'refused',
      'wall ms',
      'round trip ms',
      'ideal ms',
      'wall ÷ ideal',
      'wall ÷ injected ideal',
      'schedule ideal ms',
      'call ms (median)',
      'client CPU ms per call',
      'expected ms',
      'wall ÷ expected',
    ],
    cells: rows.map((r) => [
      r.target,
      r.concurrency,
      r.users,
      r.invalid,
      r.roundTrips,
      round(r.extraPerInvalid, 1),
      r.created,
      r.failed,
      round(r.wallMs, 0),
      round(r.roundTripMs, 1),
      round(r.idealMs, 0),
      round(r.ratio),
      r.injectedIdealMs === undefined ? '-' : round(r.wallMs / r.injectedIdealMs),
      opt(r.scheduleIdealMs),
      opt(r.medianCallMs, 1),
      opt(r.clientCpuPerCallMs, 2),
      opt(r.expectedMs),
      opt(r.helperRatio, 2),
    ]),
  };
}

function bulkTable(rows: BulkRow[]): string {
  const { headers, cells } = bulkTableData(rows);
  return formatMarkdownTable(headers, cells);
}

export function renderPerformanceDoc(report: BenchReport): string {
  const { machine, ack, bulk, real, startup, memory } = report;
  const app = memory.find((m) => m.name === 'moodle-provisioner');
  const bareMem = memory.find((m) => m.name === 'bare Bolt');
  const appStart = startup.find((s) => s.name === 'moodle-provisioner');
  const bareStart = startup.find((s) => s.name === 'bare Bolt');
  const worstAck = Math.max(...ack.map((r) => r.p99Ratio));
  const worstHelp = Math.max(...ack.map((r) => r.helpRatio));
  const serial = bulk.filter((r) => r.concurrency === 1);
  const parallel = bulk.filter((r) => r.concurrency > 1);
  const worstOf = (rows: BulkRow[], f: (r: BulkRow) => number) => (rows.length > 0 ? Math.max(...rows.map(f)) : NaN);
  const worstBulk = worstOf(serial, (r) => r.ratio);
  const worstParallel = worstOf(parallel, (r) => r.ratio);
  const worstInjected = worstOf(serial, (r) => r.wallMs / (r.injectedIdealMs ?? Number.NaN));
  const worstHelper = Math.max(...bulk.map((r) => r.helperRatio ?? Number.NaN));
  const maxUsersPerBatch = 50;
  const log2Batch = Math.ceil(Math.log2(maxUsersPerBatch));
  const bisectionBound = log2Batch + 1;
  const parallelConcurrency = Math.max(1, ...parallel.map((r) => r.concurrency));
  const parallelBound = parallelConcurrency * log2Batch + 1;
  const worstExtra = worstOf(
    serial.filter((r) => r.invalid > 0),
    (r) => r.extraPerInvalid,
  );
  const worstExtraParallel = worstOf(
    parallel.filter((r) => r.invalid > 0),
    (r) => r.extraPerInvalid,
  );
  const ackList = ack.map((r) => `${round(r.p99Ratio)} at ${r.concurrency}`).join(', ');
  const helpList = ack.map((r) => `${round(r.helpRatio)} at ${r.concurrency}`).join(', ');
  const medianCall = bulk.map((r) => r.medianCallMs ?? Number.NaN).filter((x) => !Number.isNaN(x));
  const callRange =
    medianCall.length > 0 ? `${round(Math.min(...medianCall), 1)}–${round(Math.max(...medianCall), 1)}` : '-';
  const cpuCall = bulk.map((r) => r.clientCpuPerCallMs ?? Number.NaN).filter((x) => !Number.isNaN(x));
  const cpuRange = cpuCall.length > 0 ? `${round(Math.min(...cpuCall), 2)}–${round(Math.max(...cpuCall), 2)}` : '-';

  const targets = formatMarkdownTable(
    ['target', 'result'],
    [
      [
        'ack p99 ≤ 1.15 × bare Bolt (every concurrency), `/moodle-adduser <email> <first> <last>`',
        verdict(worstAck <= 1.15, `p99 ratio ${ackList}`),
      ],
      [
        'the same for `/moodle-adduser help` (the ack path with almost no work after the ack)',
        verdict(worstHelp <= 1.15, `p99 ratio ${helpList}`),
      ],
      [
        'bulk wall ≤ 1.10 × ideal (round trips × one call’s round trip), batches one at a time',
        verdict(
          worstBulk <= 1.1,
          `worst ratio ${round(worstBulk)}; against the injected 20 ms alone, without the loopback's share, ${round(worstInjected)}`,
        ),
      ],
      [
        `for information (the issue defines the ideal for calls one after the other): ${parallelConcurrency} batches at once against ideal ÷ ${parallelConcurrency}`,
        `worst ratio ${round(worstParallel)} (see (b))`,
      ],
      [
        'bulk: the batch helper adds ≤ 10% beyond its calls',
        verdict(worstHelper <= 1.1, `worst wall ÷ expected ${round(worstHelper)}`),
      ],
      [
        `each invalid user costs O(log batch) extra round trips (≤ ⌈log2 ${maxUsersPerBatch}⌉+1 = ${bisectionBound} one batch at a time; ≤ ${parallelConcurrency}·⌈log2 ${maxUsersPerBatch}⌉+1 = ${parallelBound} at ${parallelConcurrency})`,
        verdict(
          worstExtra <= bisectionBound && !(worstExtraParallel > parallelBound),
          `worst ${round(worstExtra, 1)} per invalid user one batch at a time, ${round(worstExtraParallel, 1)} at ${parallelConcurrency}`,
        ),
      ],
      [
        'idle RSS ≤ 100 MB',
        appStart
          ? verdict(
              appStart.idleRssMedianMb <= 100,
              `median ${round(appStart.idleRssMedianMb, 1)} MB over ${appStart.idleRssMb.length} starts (${appStart.idleRssMb.map((x) => round(x, 1)).join(', ')}); bare Bolt ${bareStart ? round(bareStart.idleRssMedianMb, 1) : '-'} MB`,
            )
          : 'not measured',
      ],
      [
        'ready ≤ 1 s',
        appStart ? verdict(appStart.readyMedianMs <= 1_000, `${round(appStart.readyMedianMs, 0)} ms`) : 'not measured',
      ],
      [
        'RSS growth over 10,000 requests ≤ 10%',
        app
          ? verdict(
              app.growthSecondWindow <= 0.1,
              `${pct(app.growthSecondWindow)} over the second 10,000; ${pct(app.growthAfterWarmup)} over the first after warm-up, bare Bolt ${bareMem ? pct(bareMem.growthAfterWarmup) : '-'}; ${pct(app.growthFromIdle)} from the start`,
            )
          : 'not measured',
      ],
    ],
  );

  return `# Performance

Measured by \`npm run bench\` (bench/run.ts) on ${machine.date.slice(0, 10)}. The figures below come from that one run;
rerun it on your own hardware before relying on them. Every benchmark runs on 127.0.0.1 against the fake Slack
and fake Moodle from test/fakes (no internet), bounded in count and time; the whole run took ${Math.round(report.totalS)} s.

**Machine:** ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB RAM, ${machine.platform}, Node ${machine.node}.

## Targets

${targets}

These machines are noisy, so every figure is compared with a baseline measured in the same run (a bare Bolt app,
or the ideal time of the round trips) and repeated figures are medians.

## How the benchmarks run

Four kinds of process, so that nothing but the app under test runs on the app's event loop:

- **the app under test**: \`node dist/index.js\` (the production build, LOG_LEVEL=info, a fresh SQLite file in the temp
  directory, as in production) or, as the baseline, \`bench/bare-bolt-server.mjs\`: a Bolt \`App\` on an \`HTTPReceiver\`
  with the same signing secret whose only listener acks \`/moodle-adduser\`;
- **the fakes** (bench/fakes-process.ts): the fake Slack and the fake Moodle, controlled over IPC (reset, activity
  count, latency per Moodle call);
- **the load generator** (bench/load-process.ts): builds and signs every request and times its answer;
- **bench/run.ts** itself, which only orchestrates (and in (b) is the client of the batch helper).

Ours and bare are measured under identical conditions: same layout, same load generator, same fakes, same requests.
On ${machine.cores} cores the four still share the machine: our app's work after the ack makes the fakes work too, and the
bare app's does not.

## (a) Ack latency

A signed \`/moodle-adduser <email> <first> <last>\` (a different person each time, from a requester listed in
SLACK_REQUESTERS) is POSTed to /slack/events and the time to the HTTP answer (the ack) is measured by the load
generator, with 1, 10 or 50 requests in flight (a closed loop: each client sends its next request as soon as the
previous one is answered) over keep-alive connections that are opened before the measured requests, as Slack's are
(a burst of new connections is another case, see "the stalls" below). Every round starts the app in a fresh process
with an empty store, sends a warm-up of 200 requests (10 in flight), waits until the fakes see no more calls, then
measures; five rounds per concurrency, the order of the three series rotated; the table shows the medians of each
round's p50 and p99, in milliseconds.
"Ours (help)" is our app answering \`/moodle-adduser help\`: the same signature check, middlewares and listener
matching before the ack, and only one reply after it, so it measures the ack path apart from the create's work.

${formatMarkdownTable(ackTableData(ack).headers, ackTableData(ack).cells)}

${ACK_NOTES}

## (b) Bulk creation

1,000 distinct users through \`createUsersInBatches\` (src/moodle/batch.ts) with the real Moodle client (in the bench
process), against the fake Moodle (in its own process) with 20 ms injected into every call: the fake does the call's
work, then answers 20 ms after the request arrived, so every call costs the server exactly that, as a site whose
calls all take 20 ms would. Batches hold at most ${maxUsersPerBatch} users (and stay under PHP's max_input_vars). Invalid users
have an email address Moodle refuses, spread evenly over the batches. One unmeasured run first (loading and compiling
the client), then the median of three runs, each on a fresh fake site.

- **round trip**: the median time of a call that carries nothing (core_webservice_get_site_info, 21 calls) before
  the runs: the injected 20 ms plus what any call costs on this machine (loopback, both processes waking up). The
  real-Moodle run (c) uses the same measure as its latency;
- **ideal** = round trips × round trip ÷ batch concurrency; **wall ÷ injected ideal** is the same with 20 ms instead of
  the measured round trip, for comparison;
- **schedule ideal**: the helper's own schedule replayed on a virtual clock with every call costing exactly 20 ms
  (bench/schedule.ts): what the order of its calls allows at that concurrency;
- **call ms**: one call's time as the client saw it; **client CPU per call**: the bench process's CPU time per round
  trip, all its threads (the client's encoding, HTTP and parsing, the helper, V8's GC and compiler threads, tsx's
  loader): an upper bound on the client's share;
- **expected**: the helper's schedule replayed with the call times measured in that run, so **wall ÷ expected** is
  what the helper itself adds on top of its calls.

${bulkTable(bulk)}

${BULK_NOTES}

## (c) Against a real Moodle

${
  real.length > 0
    ? `Run with \`--moodle-url\` against an operator's Moodle; the latency is the median site-info round trip.\n\n${bulkTable(real)}`
    : `Not run here (tests and this run never touch a real Moodle). An operator can run it:

\`\`\`sh
npm run bench -- --moodle-url https://lms.example.org --moodle-token <token> [--real-users 200] [--yes]
\`\`\`

It creates \`bench_<run>_<n>_<i>\` users (valid ones, then with invalid ones mixed in, at batch concurrency 1 and 4),
measures as in (b) with the measured site-info round trip as the latency, and deletes every account it created, even
if a run fails half-way. It asks before creating anything unless \`--yes\` is given. The token needs the functions of
the provisioning service plus core_user_delete_users.`
}

In (b) a call took ${callRange} ms as the client saw it (median per case) for 20 ms injected, and the client's process used
${cpuRange} ms of CPU per call. A real Moodle spends its time per created user (password hashing, events, the
delegated transaction: 1.19 s for one call with 100 users on a 2-core site), so against a real site the round trip of
an empty call underestimates a create's, the ratio to "round trips × round trip" is further from 1, and wall ÷
expected is the figure that says what the helper adds.

## (d) Start-up and memory

\`node dist/index.js\` (built first when dist/ is missing or older than src/) is spawned with a valid env against the
fakes (SQLite file store, LOG_LEVEL=info); the baseline is bench/bare-bolt-server.mjs, a bare Bolt app with a
/readyz route. "Ready" is the time from spawn to the first 200 from /readyz, and "idle RSS" the resident memory
(VmRSS) 1 s later, each the median of ${appStart?.readyMs.length ?? 0} starts. Then, in one more start, VmRSS is read
1 s after ready ("start" below), after a warm-up of 1,000 requests, after 10,000 more and after another 10,000 (one in
four GET /healthz, the rest signed \`/moodle-adduser help\` commands, 20 at a time).

${formatMarkdownTable(
  [
    'process',
    'ready ms (median)',
    'ready ms (all)',
    'idle RSS MB (median)',
    'idle RSS MB (all)',
    'start MB',
    'after warm-up MB',
    'after 10,000 MB',
    'after 20,000 MB',
    'growth start → 10k',
    'growth warm → 10k',
    'growth 10k → 20k',
    'non-2xx',
  ],
  startup.map((s) => {
    const m = memory.find((x) => x.name === s.name);
    return [
      s.name,
      round(s.readyMedianMs, 0),
      s.readyMs.map((x) => round(x, 0)).join(', '),
      round(s.idleRssMedianMb, 1),
      s.idleRssMb.map((x) => round(x, 1)).join(', '),
      m ? round(m.idleMb, 1) : '-',
      m ? round(m.afterWarmupMb, 1) : '-',
      m ? round(m.after10kMb, 1) : '-',
      m ? round(m.after20kMb, 1) : '-',
      m ? pct(m.growthFromIdle) : '-',
      m ? pct(m.growthAfterWarmup) : '-',
      m ? pct(m.growthSecondWindow) : '-',
      m ? m.non2xx : '-',
    ];
  }),
)}

${
  appStart && bareStart && app && bareMem
    ? `Against the baseline: ready ${round(appStart.readyMedianMs / bareStart.readyMedianMs)} × the bare Bolt process, idle RSS ${round(appStart.idleRssMedianMb / bareStart.idleRssMedianMb)} ×.`
    : ''
}

${PROCESS_NOTES}
${renderStoresSection(report.stores)}${renderImportsSection(report.imports, report.importsReal)}`;
}

const ACK_NOTES = `**Why "ours" misses 1.15 × bare, and why it is left so.** Both apps answer as soon as the listener calls \`ack()\`,
and ours acks before any other work; what differs is what the app's one event loop does next. After the ack every
create runs: the permission check, validation, a Moodle look-up for a free username and two for existing accounts,
the check against creates already waiting, a store transaction (the request and its audit events), the approval
card (chat.postMessage), the card's location and the private reply. Profiled under this load (1,200 creates, 10 in
flight, \`node --cpu-prof\`), that is about 2.7 ms of the main thread's CPU per create, in a dozen slices between its
I/O waits. In a closed loop the next request arrives while one of those slices runs and waits for it; bare Bolt's
listener does nothing after its ack, so its p99 is the machine's noise alone. The "ours (help)" column shows the same
with one reply after the ack (Bolt's respond, one HTTP POST): that alone already costs a multiple of bare's p99.
Nothing left in the slices stands out: garbage collection (7% of the busy time), the kernel's loopback writes (5%),
then many items under 2% each (Bolt's middleware, undici, the Slack Web API client, zod, SQLite statements).

On one event loop the ratio stays well above 1.15 in a closed loop, however small the work after the ack (the help
column); it would take a thread that does nothing but answer: an HTTP front on a worker thread that checks the
signature and acks slash commands itself, handing them to the app's thread. That was measured
and not built: a worker thread holding only an HTTP server adds 10–11 MB of resident memory (a bare Node process: 44.3
→ 54.2–55.6 MB over three starts each, with and without V8 resource limits), which would put this app over the
100 MB idle target it now meets; and a front that acks for a wedged app thread turns Slack's visible "the app did not
respond" into silence for the person who asked. Slack's own deadline for an ack is 3 s; ours comes within tens of
milliseconds at p99 at every level measured.

Until 2026-11-27 each round began by opening its 50 connections at once, so the p99 at 50 in flight measured that
burst (one accept per event-loop turn, see "the stalls"), not the acks: it swung from run to run (ours 33–279 ms,
bare 23–217 ms, ratios 0.3 to 11 in that day's runs). The connections are now opened before the measured requests;
with the same builds, ours at 50 measured p99 37.6 ms against bare's 21.8 ms (1.72) in a three-round check.

**What was changed because of this benchmark** (each measured with this harness, the app built from the commit before
and after, one run right after the other):

- *Durable commits off the event loop* (2026-11-27). The profile's two largest items were the store's commits:
  SQLite with synchronous=FULL fsyncs the write-ahead log inside every commit, on the thread that answers Slack, and
  on this machine's disk that took 1.3–1.6 ms per commit, two commits per create (3.5 s of the 8.7 s busy time of the
  same profile). The store now runs WAL with synchronous=NORMAL and flushes the -wal file itself with fdatasync on
  libuv's thread pool after each commit (src/store/wal-flush.ts); a write resolves only once its flush has finished,
  so a request is still on disk before anyone is told it exists, and commits made during one flush share the next.
  Busy time per create about 6.9 → 2.7 ms. Ours p50 at 1 and 10 in flight went from 2.7 and 6.1–6.7 ms
  to 1.5–1.7 and 4.2–4.4 ms, p99 from 8.9–10.0 and 18.6–18.7 ms to 7.9–8.1 and 14.7–14.9 ms (two runs of three
  rounds per build, alternated; at 50 in flight the p99 is the tail of the round's new connections and varied from
  33 to 279 ms on both builds).
- *Creates in flight by index* (2026-11-27): a new create looked at every waiting create (one row read and decoded
  per waiting request; the bench leaves ~1,700 waiting per round); it is now two index look-ups (migration 2).
- *The stalls* (2026-11-26). The slow answers at 50 in flight were all on new connections: Node 20's libuv
  (libuv/libuv#3696) accepts one new TCP connection per event-loop turn, and a turn lasts as long as the synchronous
  work of every I/O completion ready in it. With every create's work running at once, a turn lasted 40–700 ms, and
  the k-th new connection of a burst waited k turns for its ack (up to 9 s; strace showed one accept4 per turn; a
  15-line Node server that burns 5 ms after each answer shows the same). Creates from text are now bounded to 8 in
  progress, the others waiting in arrival order (p-limit in src/slack/listeners/commands/moodle-adduser.ts), which
  bounds a turn; outcomes and replies are unchanged, and under overload the private replies come later while the
  acks do not. Slack opens new connections too, so this mattered in production: a burst of creates made acks wait
  seconds, near Slack's 3 s deadline. p99 at 50 in flight went from 0.3–2 s (varying between runs) to 0.3 s.
- *Before that* (2026-11-26): the check against creates in flight decoded every waiting request with zod, and the
  store built its JSON column parsers per row read: ours p50 at 1, 10 and 50 in flight 11.0, 135 and 727 ms → 4.1,
  37.6 and 159 ms.
- Deferring the create's work with \`setImmediate\` after the ack was measured and left out: within the noise (it moves
  only the first slice; the rest runs when its I/O completes, as before).`;

const BULK_NOTES = `**One batch at a time** (the default), the wall time is the round trips one after the other: what is left above the
ideal is the client's own work per call (encoding 50 users, undici, parsing and checking the answer: about a
millisecond) and the helper's, which wall ÷ expected shows to be within a few percent. Against the injected 20 ms
alone the ratio also carries this machine's loopback round trip (the difference between the two ideals).

**Several batches at once.** Every call, first tries and bisection alike, goes through one limiter of \`concurrency\`
slots, and every batch's first call is queued at once in order, so a slot freed by one batch serves the next call
waiting. A refused batch is searched with halves one after the other while other calls wait for slots (no call is
wasted); a search that would leave slots idle (the last batches of a run) instead tries as many parts at once as
there are slots, trading a few more round trips for less waiting. On the virtual clock, one invalid user among
1,000 at concurrency 4 ends at 180 ms instead of 200 (ideal 160). What is left above the ideal at concurrency 4 is
the tail (the last search's levels after the other batches are done), the client's own work for the calls of one
wave, which runs one call after the other in its one process (about a millisecond each, so a wave of four takes a few
milliseconds longer than one call), and the fake Moodle: one process that serves the four concurrent calls' work one
after the other, where a real Moodle's PHP workers would overlap it.

Why parallel batches are safe: \`core_user_create_users\` runs each call in one delegated transaction, so a batch
is created entirely or not at all, and batches are independent of each other. The only cross-batch risk is two
calls racing for the same username or email: neither sees the other's uncommitted user, so both could be created
with one email. The helper therefore refuses, before sending anything, a user whose username or email (ignoring case)
an earlier user of the same run has (\`allowSameEmail\` lets duplicate emails through for sites with
allowaccountssameemail), so no two calls of a run can collide, whichever run at once. Moodle itself must allow the
parallel requests (PHP workers): keep the concurrency low (the default is 1) on a small site.

A refused batch is split to find its bad users (all-or-nothing semantics make the parts that succeed final): one
batch at a time each invalid user costs at most ⌈log2 batch⌉+1 extra round trips (7 for batches of 50), and a
search across c idle slots at most c per level; with several invalid users in one batch the searches share calls.

**What was changed because of this benchmark** (2026-11-27): the fake Moodle copied every account of the site
for each create call and compared each new user against all of them (its cost grew as the site filled, 24–36 ms a
call for 20 ms injected); it now checks with sets and appends, and its injected latency is the call's whole time
(answered 20 ms after arrival, exact to the event-loop turn, instead of 20 ms plus its work after). The bench warms
the client up first and measures the round trip as the real-Moodle run does. The helper got the shared limiter and
the searches over idle slots.`;

const PROCESS_NOTES = `Memory: the first thousands of requests grow the heap (JIT-compiled code, Bolt's and undici's pools, SQLite's
page cache, V8 enlarging its heap under 20 concurrent requests), and the bare Bolt process grows by a similar share
over the same traffic, so growth over the first window after start is heap sizing, not a leak. The second window of
10,000 requests is the leak check: a leak keeps growing there, a warm process does not.

Idle RSS is Node itself (~40 MB), Bolt and its Web API client (the bare Bolt column), then zod (~12 MB to import),
undici, pino, better-sqlite3 and the app. It varies by up to ~12 MB from start to start, in two clusters (around
92–96 MB and 101–106 MB here): whether V8 has collected its young generation by then, and how much one background
thread's malloc arena holds (~10 MB in some starts, under 1 MB in others). So a single start can land on either
side of 100 MB, and the target is judged on the median of the start-up runs: in separate series on this machine,
15 starts gave a median of 95.0 MB (90.8–103.8), 8 starts 94.0 and 95.0, and one 5-start series 102.3.
\`--v8-pool-size=1\` or \`=2\` (fewer V8 worker threads) and \`MALLOC_ARENA_MAX=2\`, each against the default in
alternated series of 8 starts, gave no gain beyond that noise (nor did \`--max-semi-space-size\` on bare Bolt), so the
start command has no extra flags.

No leak: a separate run of six windows of 10,000 requests on one process (the same mix) read 201.2, 208.1, 206.7,
205.9, 208.7 and 206.7 MB after each; the growth over a single window (the table) moves by several percent with
when V8 last collected.

Changed because of this benchmark (2026-11-27): the table of countries was built at import with \`Intl.DisplayNames\`
and English collation, which paged 6–8 MB of ICU's data into every process; it is now built on first use (the first
country typed by name, or the first form opened). Median idle RSS over 15 alternated starts: 106.1 → 95.0 MB.
Loading the doctor lazily and SQLite's pragmas were measured and made no difference.`;
