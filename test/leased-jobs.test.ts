// Background jobs under leases, with two runners standing for two replicas on one SQLite file: a job runs in one
// replica at a time, at once when its lease is taken, then on its interval; a graceful stop hands it over at once;
// a failing run is logged and counted and the job keeps its schedule. Real processes: e2e/replicas.e2e.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/core/store.js';
import { type JobOutcome, type LeasedJob, type RunningJobs, startLeasedJobs } from '../src/leased-jobs.js';
import { openStore } from '../src/store/index.js';

let dir: string;
const stores: Store[] = [];
const runners: RunningJobs[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-leased-'));
});
afterEach(async () => {
  for (const runner of runners.splice(0)) await runner.close();
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Replica {
  holder: string;
  store: Store;
  runs: string[];
  outcomes: Array<[string, JobOutcome]>;
  logs: string[];
  runner: RunningJobs;
}

async function startReplica(holder: string, jobs: (runs: string[]) => LeasedJob[], ttlMs = 60_000): Promise<Replica> {
  const store = await openStore(`sqlite:${join(dir, 'jobs.db')}`, { holderId: holder });
  stores.push(store);
  const runs: string[] = [];
  const outcomes: Array<[string, JobOutcome]> = [];
  const logs: string[] = [];
  const runner = startLeasedJobs({
    store,
    holder,
    replicaName: `host:${holder}`,
    ttlMs,
    jobs: jobs(runs),
    log: (_level, message) => logs.push(message),
    onRun: (job, outcome) => outcomes.push([job, outcome]),
  });
  runners.push(runner);
  return { holder, store, runs, outcomes, logs, runner };
}

const counting =
  (intervalMs: number) =>
  (runs: string[]): LeasedJob[] => [
    {
      name: 'expiry',
      intervalMs,
      run: async () => {
        runs.push('expiry');
      },
    },
  ];

describe('leased background jobs', () => {
  it('runs a job in one replica only, at once on taking the lease, then on its interval', async () => {
    const a = await startReplica('A', counting(30));
    await until(() => a.runs.length >= 1, 'the first run');
    const b = await startReplica('B', counting(30));
    await until(() => a.runs.length >= 4, 'runs on the interval');
    expect(b.runs).toEqual([]);
    expect(await b.store.findLeaseHolder('job:expiry')).toBe('A');
    expect(await b.store.findLeaseHolder('replica:host:A')).toBe('A');
    expect(await a.store.findLeaseHolder('replica:host:B')).toBe('B');
  });

  it('hands the job over at once on a graceful stop, and gives the presence lease up', async () => {
    const a = await startReplica('A', counting(60_000), 6_000);
    await until(() => a.runs.length === 1, 'the first run');
    const b = await startReplica('B', counting(60_000), 6_000);
    await until(async () => (await b.store.findLeaseHolder('replica:host:B')) === 'B', 'B to be present');
    await a.runner.close();
    // Released, not left to expire (that would take 6 s): B takes the job at its next renewal (2 s at most), which
    // may already have come on a loaded machine.
    expect(await b.store.findLeaseHolder('replica:host:A')).toBeUndefined();
    expect(await b.store.findLeaseHolder('job:expiry')).not.toBe('A');
    await until(() => b.runs.length === 1, 'B to take the job over');
    expect(a.runs).toHaveLength(1);
  });

  it('takes the job over when its holder stops renewing, once the lease expires', async () => {
    const a = await startReplica('A', counting(60_000), 300);
    await until(() => a.runs.length === 1, 'the first run');
    const b = await startReplica('B', counting(60_000), 300);
    // A dies: its store goes away without giving anything up.
    await a.store.close();
    await until(() => b.runs.length === 1, 'B to take the job over');
    expect(a.logs).toContain('could not renew a lease; its work waits');
  });

  it('logs and counts a failed run, and runs the job again on its interval', async () => {
    let calls = 0;
    const a = await startReplica('A', () => [
      {
        name: 'flaky',
        intervalMs: 20,
        run: async () => {
          calls += 1;
          if (calls === 1) throw new Error('Moodle is down');
        },
      },
    ]);
    await until(() => a.outcomes.length >= 2, 'a second run');
    expect(a.outcomes.slice(0, 2)).toEqual([
      ['flaky', 'error'],
      ['flaky', 'ok'],
    ]);
    expect(a.logs).toContain('background job flaky failed');
  });
});
