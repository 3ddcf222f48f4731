// The Store contract for scheduled actions (account end dates and their reminders): a new end date replaces the
// account's open actions whole; due actions are found by the app's clock; a claim is won by exactly one of several
// processes on one database, counts the try and holds a lease; only the holder settles it; a lease that ran out
// is taken over; a retry waits for its next_try_at. Runs against every store.
import { describe, expect, it } from 'vitest';
import type { NewScheduledAction } from '../../../src/core/scheduled-actions.js';
import { type ContractTarget, useContractDatabase } from './targets.js';

const T0 = new Date('2027-01-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = 24 * 60 * 60 * 1000;

function endDate(endAt: Date, requestId = 'R-AAAAAA'): NewScheduledAction[] {
  const base = { moodleId: 7, username: 'guest.lecturer', endAt, requestId, requesterId: 'UREQ' };
  return [
    { ...base, kind: 'remind', dueAt: new Date(endAt.getTime() - 7 * DAY) },
    { ...base, kind: 'expire', dueAt: endAt },
  ];
}

export function describeScheduleContract(target: ContractTarget): void {
  const ctx = useContractDatabase(target);

  describe('scheduled actions', () => {
    it('stores an end date as its reminder and its expiry; a new one cancels the open ones', async () => {
      const store = await ctx.open();
      const first = await store.replaceSchedule(7, endDate(at(30 * DAY)), T0);
      expect(first.map((a) => [a.kind, a.state, a.attempts])).toEqual([
        ['remind', 'scheduled', 0],
        ['expire', 'scheduled', 0],
      ]);
      expect(first[1]).toMatchObject({ endAt: at(30 * DAY), dueAt: at(30 * DAY), nextTryAt: at(30 * DAY) });
      const second = await store.replaceSchedule(7, endDate(at(60 * DAY), 'R-BBBBBB'), at(DAY));
      const open = await store.listActions({ moodleIds: [7], states: ['scheduled', 'running', 'failed'] });
      expect(open.map((a) => a.id).sort()).toEqual(second.map((a) => a.id).sort());
      expect(open.every((a) => a.requestId === 'R-BBBBBB')).toBe(true);
      const cancelled = await store.listActions({ moodleIds: [7], states: ['cancelled'] });
      expect(cancelled.map((a) => a.id).sort()).toEqual(first.map((a) => a.id).sort());
      expect(await store.listActions({ moodleIds: [8] })).toEqual([]);
    });

    it('finds only what is due by the clock it is given', async () => {
      const store = await ctx.open();
      await store.replaceSchedule(7, endDate(at(30 * DAY)), T0);
      expect(await store.findDueActions(at(23 * DAY - 1), 10)).toEqual([]);
      expect((await store.findDueActions(at(23 * DAY), 10)).map((a) => a.kind)).toEqual(['remind']);
      expect((await store.findDueActions(at(31 * DAY), 10)).map((a) => a.kind)).toEqual(['remind', 'expire']);
      expect(await store.findDueActions(at(31 * DAY), 1)).toHaveLength(1);
    });

    it('lets exactly one of four processes claim a due action, once', async () => {
      const stores = await Promise.all([1, 2, 3, 4].map(() => ctx.open()));
      const [expire] = (await stores[0]!.replaceSchedule(7, endDate(at(DAY)), T0)).filter((a) => a.kind === 'expire');
      const now = at(2 * DAY);
      const claims = await Promise.all(stores.map((s) => s.claimAction(expire!.id, now, at(2 * DAY + 60_000))));
      const won = claims.filter((c) => c !== undefined);
      expect(won).toHaveLength(1);
      expect(won[0]).toMatchObject({ state: 'running', attempts: 1, leaseUntil: at(2 * DAY + 60_000) });
      // Claimed: no longer due for anyone while its lease lasts.
      expect((await stores[1]!.findDueActions(now, 10)).map((a) => a.id)).not.toContain(expire!.id);
      expect(await stores[2]!.claimAction(expire!.id, now, at(3 * DAY))).toBeUndefined();
    });

    it('is settled only by its holder; a try to repeat waits for its next_try_at', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const [remind] = await a.replaceSchedule(7, endDate(at(8 * DAY)), T0);
      expect(await a.claimAction(remind!.id, at(DAY), at(DAY + 60_000))).toBeDefined();
      const retry = { state: 'scheduled', nextTryAt: at(DAY + 300_000), lastError: 'Slack was down' } as const;
      expect(await b.settleAction(remind!.id, retry, at(DAY))).toBe(false);
      expect(await a.settleAction(remind!.id, retry, at(DAY))).toBe(true);
      expect(await a.settleAction(remind!.id, { state: 'done' }, at(DAY))).toBe(false);
      expect(await b.claimAction(remind!.id, at(DAY + 299_999), at(DAY + 400_000))).toBeUndefined();
      const again = await b.claimAction(remind!.id, at(DAY + 300_000), at(DAY + 400_000));
      expect(again).toMatchObject({ attempts: 2, lastError: 'Slack was down', leaseHolder: expect.any(String) });
      expect(await b.settleAction(remind!.id, { state: 'done' }, at(DAY + 300_000))).toBe(true);
      expect(await a.getAction(remind!.id)).toMatchObject({ state: 'done', leaseHolder: undefined });
      expect(await a.findDueActions(at(9 * DAY), 10)).toHaveLength(1);
    });

    it('hands an action whose lease ran out (its process died) to another process', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const [, expire] = await a.replaceSchedule(7, endDate(at(DAY)), T0);
      await a.claimAction(expire!.id, at(DAY), at(DAY + 60_000));
      expect(await a.setActionRequest(expire!.id, 'R-CCCCCC', at(DAY))).toBe(true);
      expect(await b.claimAction(expire!.id, at(DAY + 59_999), at(DAY + 120_000))).toBeUndefined();
      expect((await b.findDueActions(at(DAY + 60_000), 10)).map((x) => x.id)).toContain(expire!.id);
      const taken = await b.claimAction(expire!.id, at(DAY + 60_000), at(DAY + 120_000));
      expect(taken).toMatchObject({ attempts: 2, resultRequestId: 'R-CCCCCC' });
      // The first process lost it: its late settlement is refused.
      expect(await a.settleAction(expire!.id, { state: 'done' }, at(DAY + 60_001))).toBe(false);
      expect(await b.settleAction(expire!.id, { state: 'failed', lastError: 'protected' }, at(DAY + 60_001))).toBe(
        true,
      );
      expect(await b.closeFailedAction(expire!.id, at(DAY + 2 * 60_000))).toBe(true);
      expect(await b.closeFailedAction(expire!.id, at(DAY + 2 * 60_000))).toBe(false);
      expect(await a.getAction(expire!.id)).toMatchObject({ state: 'done', lastError: 'protected' });
    });

    it('a claim of an action replaced in the meantime cannot settle it', async () => {
      const store = await ctx.open();
      const [, expire] = await store.replaceSchedule(7, endDate(at(DAY)), T0);
      await store.claimAction(expire!.id, at(DAY), at(DAY + 60_000));
      await store.replaceSchedule(7, endDate(at(40 * DAY)), at(DAY));
      expect(await store.settleAction(expire!.id, { state: 'done' }, at(DAY))).toBe(false);
      expect(await store.getAction(expire!.id)).toMatchObject({ state: 'cancelled' });
    });
  });
}
