// "Exactly one decision wins": many approvers at once, in one instance, in two Store instances on one file,
// and in separate processes that really run in parallel against the same SQLite file.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { LifecycleResult, RequestService, SubmitInput } from '../../src/core/request-service.js';
import type { Store } from '../../src/core/store.js';
import { openStore } from '../../src/store/index.js';
import type { WorkerReport, WorkerTask } from './fixtures/decision-worker.js';

const input: SubmitInput = {
  requester: { userId: 'UREQUESTER' },
  target: { moodleId: 9, username: 'leaver' },
  payload: { operation: 'delete' },
};
const approvers = (n: number, prefix = 'UAPPR') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

let dir: string;
let url: string;
const stores: Store[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mp-race-'));
  url = `sqlite:${join(dir, 'race.db')}`;
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function serviceOn(store: Store): RequestService {
  stores.push(store);
  return createRequestService({ store, clock: createManualClock(), ttlHours: 72, formatActor: (id) => `<@${id}>` });
}

function expectOneWinner(results: LifecycleResult[]): string {
  const wins = results.filter((r) => r.ok);
  expect(wins).toHaveLength(1);
  const winner = wins[0]?.ok ? wins[0].request.decidedBy : undefined;
  for (const r of results) {
    if (r.ok) continue;
    expect(r.code).toBe('not_pending');
    expect(r.message).toMatch(new RegExp(`already approved by <@${winner}>`));
  }
  return winner ?? '';
}

describe('concurrent approvals', () => {
  it('20 approvers on one instance: exactly one wins, the others learn who', async () => {
    const service = serviceOn(openStore(url));
    const { id } = await service.submit(input);
    const results = await Promise.all(approvers(20).map((a) => service.approve(id, a)));
    const winner = expectOneWinner(results);
    const store = stores[0]!;
    expect(await store.getRequest(id)).toMatchObject({ status: 'approved', version: 2, decidedBy: winner });
    const audit = await store.listAudit();
    expect(audit.filter((e) => e.kind === 'decision')).toHaveLength(1);
    expect(audit.filter((e) => e.kind === 'refusal')).toHaveLength(19);
  });

  it('20 approvers split over two Store instances on one file: exactly one wins, one Moodle call starts', async () => {
    const a = serviceOn(openStore(url));
    const b = serviceOn(openStore(url));
    const { id } = await a.submit(input);
    const results = await Promise.all(approvers(20).map((actor, i) => (i % 2 ? a : b).approve(id, actor)));
    expectOneWinner(results);
    const starts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).startExecution(id)));
    expect(starts.filter((r) => r.ok)).toHaveLength(1);
    expect((await stores[1]!.getRequest(id))?.attempts).toBe(1);
  });
});

describe('concurrent approvals from separate processes', () => {
  const workerPath = fileURLToPath(new URL('./fixtures/decision-worker.ts', import.meta.url));
  const workers: ChildProcess[] = [];

  afterEach(async () => {
    await Promise.all(
      workers.splice(0).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve();
            w.once('exit', () => resolve());
            w.send('exit');
          }),
      ),
    );
  });

  function startWorker(): Promise<ChildProcess> {
    const child = fork(workerPath, [url], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    workers.push(child);
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(child));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    });
  }

  function run(child: ChildProcess, task: WorkerTask): Promise<WorkerReport> {
    return new Promise((resolve) => {
      child.once('message', (report) => resolve(report as WorkerReport));
      child.send(task);
    });
  }

  it('4 processes × 5 approvers: exactly one approval and one execution start', async () => {
    const service = serviceOn(openStore(url));
    const { id } = await service.submit(input);
    const children = await Promise.all([startWorker(), startWorker(), startWorker(), startWorker()]);

    const approvals = await Promise.all(
      children.map((child, n) => run(child, { action: 'approve', requestId: id, actors: approvers(5, `UP${n}X`) })),
    );
    expect(approvals.flatMap((r) => r.wins)).toHaveLength(1);
    expect(approvals.flatMap((r) => r.refusals)).toEqual(Array(19).fill('not_pending'));

    const starts = await Promise.all(
      children.map((child, n) => run(child, { action: 'start', requestId: id, actors: approvers(5, `UP${n}X`) })),
    );
    expect(starts.flatMap((r) => r.wins)).toHaveLength(1);
    const request = await stores[0]!.getRequest(id);
    expect(request).toMatchObject({ status: 'executing', attempts: 1, decidedBy: approvals.flatMap((r) => r.wins)[0] });
  });
});
