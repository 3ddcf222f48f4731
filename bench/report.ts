// Renders docs/PERFORMANCE.md from one benchmark run: the machine, every figure, each target with its verdict, and
// the explanations that do not change from run to run (how it is measured, why a target can be missed).
import type { AckLatencyRow } from './ack-latency.js';
import type { BulkRow } from './bulk-create.js';
import type { MemoryResult, StartupResult } from './process.js';
import { formatMarkdownTable, type MachineInfo, round } from './stats.js';

export interface BenchReport {
  machine: MachineInfo;
  ack: AckLatencyRow[];
  bulk: BulkRow[];
  real: BulkRow[];
  startup: StartupResult[];
  memory: MemoryResult[];
  totalS: number;
}

function verdict(ok: boolean, detail: string): string {
  return ok ? `met (${detail})` : `**missed** (${detail})`;
}

const pct = (x: number) => `${round(x * 100, 1)}%`;

const opt = (x: number | undefined, digits = 0) => (x === undefined || Number.isNaN(x) ? '-' : round(x, digits));

function bulkTable(rows: BulkRow[]): string {
  return formatMarkdownTable(
    [
      'target',
      'batch concurrency',
      'users',
      'invalid',
      'round trips',
      'extra trips per invalid',
      'created',
      'refused',
      'wall ms',
      'ideal ms',
      'wall ÷ ideal',
      'schedule ideal ms',
      'call ms (median)',
      'client CPU ms per call',
      'expected ms',
      'wall ÷ expected',
    ],
    rows.map((r) => [
      r.target,
      r.concurrency,
      r.users,
      r.invalid,
      r.roundTrips,
      round(r.extraPerInvalid, 1),
      r.created,
      r.failed,
      round(r.wallMs, 0),
      round(r.idealMs, 0),
      round(r.ratio),
      opt(r.scheduleIdealMs),
      opt(r.medianCallMs, 1),
      opt(r.clientCpuPerCallMs, 2),
      opt(r.expectedMs),
      opt(r.helperRatio),
    ]),
  );
}

export function renderPerformanceDoc(report: BenchReport): string {
  const { machine, ack, bulk, real, startup, memory } = report;
  const app = memory.find((m) => m.name === 'moodle-provisioner');
  const bareMem = memory.find((m) => m.name === 'bare Bolt');
  const appStart = startup.find((s) => s.name === 'moodle-provisioner');
  const bareStart = startup.find((s) => s.name === 'bare Bolt');
  const worstAck = Math.max(...ack.map((r) => r.p99Ratio));
  const worstHelp = Math.max(...ack.map((r) => r.helpRatio));
  const worstBulk = Math.max(...bulk.map((r) => r.ratio));
  const worstSchedule = Math.max(...bulk.map((r) => r.wallMs / (r.scheduleIdealMs ?? Number.NaN)));
  const worstHelper = Math.max(...bulk.map((r) => r.helperRatio ?? Number.NaN));
  const maxUsersPerBatch = 50;
  const bisectionBound = Math.ceil(Math.log2(maxUsersPerBatch)) + 1;
  const worstExtra = Math.max(0, ...bulk.filter((r) => r.invalid > 0).map((r) => r.extraPerInvalid));
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
        'bulk wall ≤ 1.10 × ideal (round trips × latency ÷ concurrency)',
        verdict(worstBulk <= 1.1, `worst ratio ${round(worstBulk)}`),
      ],
      [
        'bulk wall ≤ 1.10 × the ideal of the helper’s own schedule (bisection calls wait on each other)',
        verdict(worstSchedule <= 1.1, `worst ratio ${round(worstSchedule)}`),
      ],
      [
        'bulk: the batch helper adds ≤ 10% beyond its calls',
        verdict(worstHelper <= 1.1, `worst wall ÷ expected ${round(worstHelper)}`),
      ],
      [
        `each invalid user costs O(log batch) extra round trips (≤ ⌈log2 ${maxUsersPerBatch}⌉+1 = ${bisectionBound})`,
        verdict(worstExtra <= bisectionBound, `worst ${round(worstExtra, 1)} per invalid user`),
      ],
      ['idle RSS ≤ 100 MB', app ? verdict(app.idleMb <= 100, `${round(app.idleMb, 1)} MB`) : 'not measured'],
      [
        'ready ≤ 1 s',
        appStart ? verdict(appStart.readyMedianMs <= 1_000, `${round(appStart.readyMedianMs, 0)} ms`) : 'not measured',
      ],
      [
        'RSS growth over 10,000 requests ≤ 10%',
        app
          ? verdict(
              app.growthSecondWindow <= 0.1,
              `${pct(app.growthSecondWindow)} over the second 10,000; ${pct(app.growthAfterWarmup)} over the first after warm-up, bare Bolt ${bareMem ? pct(bareMem.growthAfterWarmup) : '-'}; ${pct(app.growthFromIdle)} from the idle start`,
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
previous one is answered). Every round starts the app in a fresh process with an empty store, sends a warm-up of
200 requests (10 in flight), waits until the fakes see no more calls, then measures; five rounds per concurrency,
the order of the three series rotated; the table shows the medians of each round's p50 and p99, in milliseconds.
"Ours (help)" is our app answering \`/moodle-adduser help\`: the same signature check, middlewares and listener
matching before the ack, and only one reply after it, so it measures the ack path apart from the create's work.

${formatMarkdownTable(
  [
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
  ack.map((r) => [
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
)}

${ACK_NOTES}

## (b) Bulk creation

1,000 distinct users through \`createUsersInBatches\` (src/moodle/batch.ts) with the real Moodle client (in the bench
process), against the fake Moodle (in its own process) answering every call after a fixed 20 ms. Batches hold at
most ${maxUsersPerBatch} users (and stay under PHP's max_input_vars). Invalid users have an email address Moodle refuses, spread
evenly over the batches. Median of three runs, each on a fresh fake site.

- **ideal** = round trips × 20 ms ÷ batch concurrency (the issue's definition);
- **schedule ideal**: the helper's own schedule replayed on a virtual clock with every call costing exactly 20 ms
  (bench/schedule.ts). It equals the ideal at concurrency 1; at concurrency 4 it is larger when a batch must be
  bisected, because each bisection call waits for the one before;
- **call ms**: one call's time as the client saw it (20 ms + the fake Moodle's work for the batch + the client's);
  **client CPU per call**: the bench process's CPU time per round trip, all its threads (the client's encoding, HTTP
  and parsing, the helper, but also V8's GC and compiler threads and tsx's loader): an upper bound on the client's
  share (profiled, the client's own JavaScript is a small part of it);
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

The fake Moodle's per-call work in (b) (${callRange} ms per call against 20 ms of latency, while the client's process used at
most ${cpuRange} ms of CPU per call) stands in for a real Moodle's: a real server spends far longer per created user (password
hashing, events, the delegated transaction), so there the ratio to "round trips × latency" is further from 1 still,
and only wall ÷ expected says anything about the helper.

## (d) Start-up and memory

\`node dist/index.js\` (built first when dist/ is missing or older than src/) is spawned with a valid env against the
fakes (SQLite file store, LOG_LEVEL=info); the baseline is bench/bare-bolt-server.mjs, a bare Bolt app with a
/readyz route. "Ready" is the time from spawn to the first 200 from /readyz (median of ${appStart?.readyMs.length ?? 0} starts).
Resident memory (VmRSS) is read 1 s after start, after a warm-up of 1,000 requests, after 10,000 more and after
another 10,000 (one in four GET /healthz, the rest signed \`/moodle-adduser help\` commands, 20 at a time).

${formatMarkdownTable(
  [
    'process',
    'ready ms (median)',
    'ready ms (all)',
    'idle RSS MB',
    'after warm-up MB',
    'after 10,000 MB',
    'after 20,000 MB',
    'growth idle → 10k',
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
    ? `Against the baseline: ready ${round(appStart.readyMedianMs / bareStart.readyMedianMs)} × the bare Bolt process, idle RSS ${round(app.idleMb / bareMem.idleMb)} ×.`
    : ''
}

${PROCESS_NOTES}
`;
}

const ACK_NOTES = `**Why "ours" misses 1.15 × bare.** Both apps answer as soon as the listener calls \`ack()\`, and ours acks before
any other work; what differs is what the app's single event loop does next. After the ack, every create runs: the
permission check, validation, a Moodle look-up for a free username and two for existing accounts, a check against
the creates already waiting, a store transaction (the request and its audit events), the approval card
(chat.postMessage), a second store write (where the card is) and the private reply. That is several milliseconds of
CPU per request, and in a closed loop the next requests arrive while it runs: a request waits for the work that
is ready in the same event-loop turn (at most 8 creates in progress, see "The stalls" below), so ours grows with
the load while bare, whose listener does nothing, does not.
Profiled (\`node --cpu-prof dist/index.js\` under this load), the largest parts after the ack were, in order: the
check against the creates in flight, the two SQLite commits (each an fsync: the store runs with synchronous=FULL so
that an acknowledged request and its audit events survive a power cut), garbage collection, and the five HTTP calls.
Before the ack, the envelope check (src/slack/payload-envelope.ts), the request context (a pino child logger) and
Bolt's matching against ten listeners are each well under 1% of the profile; the "ours (help)" column measures that
path. It misses the target too, by less: its one reply after the ack (Bolt's respond, an HTTP POST to the
response_url) and the extra middlewares cost a fraction of a millisecond per request (compare the p50 columns at
concurrency 1), which in a closed loop again becomes waiting time for the next requests.

**What was changed for this run.** The benchmark: the fakes and the load generator left the app's process (their
CPU was charged to our app, and the load generator's timer only read an answer once the app's post-ack work yielded);
the app runs as the production build in its own process, with a file store; and the requester is allowed, so each
command takes the full create path. The earlier figures (ratios 4.34, 2.63 and 2.73) measured a refusal: the
requester was unknown to the fake Slack's directory, so "everyone" could not be confirmed and each command ended
in a refusal and one audit write. The app: a new create looked for conflicting creates in flight by decoding every
pending, approved and executing request with zod (O(waiting requests) and the largest item of the profile); it now
reads only their id, status, requester, username and email in one query (Store.listCreatesInFlight), about 5×
cheaper per waiting request; and the store builds its JSON column parsers once instead of on every row read.
Deferring the create's work with \`setImmediate\` after the ack (so that pending acks go first) was measured in this
harness and left out: the difference was within the noise between runs (it moves only the first slice of the work;
the rest runs when its I/O completes, as before).

**Effect of the two app changes**, measured on 2026-11-26 with this harness (three rounds each, the app built from
the commit before them and from the commit after, one run right after the other): ours p50 at concurrency 1, 10
and 50 went from 11.0, 135 and 727 ms to 4.1, 37.6 and 159 ms; p99 from 21.6, 246 and 1,756 ms to 12.3, 68.5 and
(varying from run to run) 0.3–2 s at 50; before, 20 of the requests at concurrency 50 had no answer within the load
generator's 10 s, after, none. At 50 in flight the p99 still swung between runs (0.3–2 s): the stalls below.

**The stalls (found and fixed on 2026-11-26).** The slow answers were all on new connections. Node 20's libuv
(≥ 1.45, libuv/libuv#3696) accepts one new TCP connection per event-loop turn, and a turn lasts as long as the
synchronous work of every I/O completion ready in it. Every create's post-ack work ran at once, so at 50 in flight a
turn lasted 40–700 ms (a 5 ms timer in the app measured the lag) and the k-th of the 50 connections the load
generator opens at the start of a round waited k turns for its ack: 17–37 requests per round above 0.5 s, answered
one per turn 80–100 ms apart, up to 9 s (single rounds of 1,500 requests at 50 in flight, this layout: p99 0.4–3.7 s
over 8 rounds, p50 150–264 ms). The client's connect took 3–5 ms (the kernel completes the handshake); strace
showed one accept4 per turn, never one returning EAGAIN; a 15-line Node HTTP server that burns 5 ms after each
answer shows the same (the 50th of 50 new connections accepted 5.9 s after the first). Ruled out: garbage
collection (no pause over 30 ms, from perf_hooks' gc entries), the fakes (the time is spent before our process
reads the request), fsync (~0.1 ms per commit). Bare Bolt does the same one accept per turn, but its turns are
microseconds long. The fix: at most 8 creates from text in progress at once, the others wait in arrival order
(p-limit in src/slack/listeners/commands/moodle-adduser.ts), which bounds a turn's length; outcomes, replies and checks are unchanged, the
work's throughput is the CPU's as before, and under overload the private replies come later while the acks do
not. Measured the same way after the fix (3 rounds): p50 20–28 ms, p99 0.46–0.58 s, max 0.83–0.98 s; what is left
of the tail is still the new connections of the round's start, one per (now ~30 ms) turn. Slack opens new
connections too, so this matters in production, not only in the benchmark: a create burst made acks of new
connections wait seconds, close to Slack's 3 s deadline. In this benchmark (the table above against the previous
run's, same harness), ours p50 at concurrency 1, 10 and 50 went from 3.97, 47.0 and 194 ms to 4.46, 7.74 and
17.6 ms and p99 from 12.1, 85.4 and 338 ms (0.3–2 s between runs at 50) to 11.0, 22.6 and 320 ms; the p99 at 50 is
the new connections of each round's start (a \`--quick\` rerun gave 34 ms against bare's 35 ms; bare's own p99 at 50 varied
from 25 to 137 ms between runs on this machine).

**What would meet the target**, none of it done here: moving the store and the post-ack work off the event loop (a
worker thread for SQLite, or a queue drained by a worker), so that acks never wait for it; an index for the
creates-in-flight check (an expression index on the payload's username and email, a migration); fewer commits per
create (the card's location written with the next change instead of in its own transaction). Relaxing
synchronous=FULL would cut the fsyncs but weaken the audit log's durability, which is the product's promise.
Against Slack's own deadline the figures are far inside: the ack must arrive within 3 s.`;

const BULK_NOTES = `**"Wall ≤ 1.10 × ideal" is missed against the raw ideal, and the helper is not the reason.** With the fake Moodle
out of process its CPU no longer competes with the client, but its work still lies on every call's path: a call
that should take 20 ms takes the "call ms" column, because the fake validates 50 users, checks each against every
existing account (its cost grows as the site fills) and writes them. The helper's own overhead, wall ÷ expected,
stays within a few percent of the calls it makes: between calls it does nothing but wait. At batch concurrency 4
the raw ideal (round trips × latency ÷ 4) is also out of reach by construction when users are invalid: a refused
batch is bisected call after call, so the schedule ideal (the same schedule at exactly 20 ms a call) is the
fair floor there; and the fake, one process with one event loop, serves the four batches' work one after another,
where a real Moodle's PHP workers would overlap it.

Why parallel batches are safe: \`core_user_create_users\` runs each call in one delegated transaction, so a batch
is created entirely or not at all, and batches are independent of each other. The only cross-batch risk is two
batches racing for the same username or email (the second would fail on the unique index, or create a duplicate
email where allowaccountssameemail is on); the users of one bulk run are distinct by construction (the username is
derived and checked before anything is sent), so running up to four batches at once cannot collide. Moodle itself
must allow the parallel requests (PHP workers): keep the concurrency low (the default is 1) on a small site.

A refused batch is split in halves to find its bad users (all-or-nothing semantics make the halves that succeed
final), so each invalid user costs at most ⌈log2 batch⌉+1 extra round trips (7 for batches of 50); with several
invalid users in one batch the searches share calls.`;

const PROCESS_NOTES = `Memory: the first thousands of requests grow the heap (JIT-compiled code, Bolt's and undici's pools, SQLite's
page cache, V8 enlarging its heap under 20 concurrent requests), and the bare Bolt process grows by a similar share
over the same traffic, so growth over the first window after start is heap sizing, not a leak. The second window of
10,000 requests is the leak check: a leak keeps growing there, a warm process does not. Idle RSS includes Node itself
(~40 MB), Bolt and its Web API client, undici, pino, zod and better-sqlite3 (the bare Bolt process alone is the
baseline column); the app's own code, the SQLite store and two HTTP pools add the rest. If idle RSS is over 100 MB,
it is by that margin; \`node --max-semi-space-size\` or a smaller V8 heap (\`--max-old-space-size=96\`) trade a little
throughput for a lower resident size on small hosts.`;
