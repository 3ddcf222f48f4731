// The Store contract for several processes on one database: exactly one decision wins however many approvers race,
// in one Store, in two, and in four processes; leases are taken by one holder at a time, renewed, released, lost on
// expiry and taken over; and an execution is reported interrupted only once the process that started it holds no
// live lease. Runs against every store.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/core/clock.js';
import { createRequestService } from '../../../src/core/request-lifecycle.js';
import type { LifecycleResult, RequestService, SubmitInput } from '../../../src/core/request-service.js';
import type { Store } from '../../../src/core/store.js';
import type { WorkerReport, WorkerTask } from '../fixtures/decision-worker.js';
import { requestIn } from './requests-contract.js';
import { type ContractTarget, useContractDatabase } from './targets.js';

const input: SubmitInput = {
  requester: { userId: 'UREQUESTER' },
  target: { moodleId: 9, username: 'leaver' },
  payload: { operation: 'delete' },
};
const approvers = (n: number, prefix = 'UAPPR') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function serviceOn(store: Store): RequestService {
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

/** Polls `check` until it holds (the database's clock decides when a lease expires). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function describeConcurrencyContract(target: ContractTarget): void {
  const ctx = useContractDatabase(target);

  describe('concurrent approvals', () => {
    it('20 approvers on one instance: exactly one wins, the others learn who', async () => {
      const store = await ctx.open();
      const service = serviceOn(store);
      const { id } = await service.submit(input);
      const winner = expectOneWinner(await Promise.all(approvers(20).map((a) => service.approve(id, a))));
      expect(await store.getRequest(id)).toMatchObject({ status: 'approved', version: 2, decidedBy: winner });
      const audit = await store.listAudit();
      expect(audit.filter((e) => e.kind === 'decision')).toHaveLength(1);
      expect(audit.filter((e) => e.kind === 'refusal')).toHaveLength(19);
    });

    it('20 approvers split over two Store instances: exactly one wins, one Moodle call starts', async () => {
      const [storeA, storeB] = [await ctx.open(), await ctx.open()];
      const [a, b] = [serviceOn(storeA), serviceOn(storeB)];
      const { id } = await a.submit(input);
      expectOneWinner(await Promise.all(approvers(20).map((actor, i) => (i % 2 ? a : b).approve(id, actor))));
      const starts = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).startExecution(id)));
      expect(starts.filter((r) => r.ok)).toHaveLength(1);
      expect((await storeB.getRequest(id))?.attempts).toBe(1);
    });
  });

  describe('concurrent approvals from separate processes', () => {
    const workerPath = fileURLToPath(new URL('../fixtures/decision-worker.ts', import.meta.url));
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

    function startWorker(url: string): Promise<ChildProcess> {
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
      const store = await ctx.open();
      const { id } = await serviceOn(store).submit(input);
      const url = ctx.database().url;
      const children = await Promise.all([1, 2, 3, 4].map(() => startWorker(url)));

      const approvals = await Promise.all(
        children.map((child, n) => run(child, { action: 'approve', requestId: id, actors: approvers(5, `UP${n}X`) })),
      );
      expect(approvals.flatMap((r) => r.wins)).toHaveLength(1);
      expect(approvals.flatMap((r) => r.refusals)).toEqual(Array(19).fill('not_pending'));

      const starts = await Promise.all(
        children.map((child, n) => run(child, { action: 'start', requestId: id, actors: approvers(5, `UP${n}X`) })),
      );
      expect(starts.flatMap((r) => r.wins)).toHaveLength(1);
      const request = await store.getRequest(id);
      expect(request).toMatchObject({
        status: 'executing',
        attempts: 1,
        decidedBy: approvals.flatMap((r) => r.wins)[0],
      });
    });
  });

  describe('leases', () => {
    it('one holder at a time: renewed by its holder, refused to others, free again once released', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      expect(await a.acquireLease('job:expiry', 'A', 60_000)).toBe(true);
      expect(await b.acquireLease('job:expiry', 'B', 60_000)).toBe(false);
      expect(await a.acquireLease('job:expiry', 'A', 60_000)).toBe(true);
      expect(await b.findLeaseHolder('job:expiry')).toBe('A');
      expect(await b.acquireLease('job:other', 'B', 60_000)).toBe(true);
      await b.releaseLease('job:expiry', 'B');
      expect(await a.findLeaseHolder('job:expiry')).toBe('A');
      await a.releaseLease('job:expiry', 'A');
      expect(await a.findLeaseHolder('job:expiry')).toBeUndefined();
      expect(await b.acquireLease('job:expiry', 'B', 60_000)).toBe(true);
      expect(await a.acquireLease('job:expiry', 'A', 60_000, { takeOver: true })).toBe(true);
      expect(await b.findLeaseHolder('job:expiry')).toBe('A');
    });

    it('passes to another holder once it expires unrenewed', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      // Long enough that B's first try comes before the expiry even on a loaded machine.
      expect(await a.acquireLease('job:expiry', 'A', 1_000)).toBe(true);
      expect(await b.acquireLease('job:expiry', 'B', 1_000)).toBe(false);
      await eventually(() => b.acquireLease('job:expiry', 'B', 60_000), 'the lease to expire');
      expect(await a.acquireLease('job:expiry', 'A', 60_000)).toBe(false);
      expect(await a.findLeaseHolder('job:expiry')).toBe('B');
    });

    it('20 concurrent candidates in two stores: exactly one takes a free lease', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const wins = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).acquireLease('job:reconcile', `H${i}`, 60_000)),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await a.findLeaseHolder('job:reconcile')).toBe(`H${wins.indexOf(true)}`);
    });
  });

  describe('interrupted executions', () => {
    it('are those whose process holds no live lease, never those of a live process', async () => {
      const live = await ctx.open({ holderId: 'LIVE' });
      const dying = await ctx.open({ holderId: 'DYING' });
      const watcher = await ctx.open({ holderId: 'WATCHER' });
      const ofLive = await requestIn(live, 'executing');
      const ofDying = await requestIn(dying, 'executing');
      await requestIn(watcher, 'approved');
      // Leases taken last, so that nothing slow comes between the short one and the first look.
      expect(await live.acquireLease('replica:live', 'LIVE', 60_000)).toBe(true);
      expect(await dying.acquireLease('replica:dying', 'DYING', 1_000)).toBe(true);
      expect(await watcher.findInterrupted()).toEqual([]);

      await eventually(async () => (await watcher.findInterrupted()).length > 0, 'the dying lease to expire');
      expect((await watcher.findInterrupted()).map((r) => r.id)).toEqual([ofDying.id]);
      expect((await live.getRequest(ofLive.id))?.status).toBe('executing');
    });

    it('include those of an earlier life of a replica, once it takes its presence lease back', async () => {
      const before = await ctx.open({ holderId: 'LIFE1' });
      expect(await before.acquireLease('replica:host:3000', 'LIFE1', 60_000)).toBe(true);
      const interrupted = await requestIn(before, 'executing');
      const after = await ctx.open({ holderId: 'LIFE2' });
      expect(await after.findInterrupted()).toEqual([]);
      expect(await after.acquireLease('replica:host:3000', 'LIFE2', 60_000, { takeOver: true })).toBe(true);
      expect((await after.findInterrupted()).map((r) => r.id)).toEqual([interrupted.id]);
    });
  });
}
