// The Store contract for requests and the audit log: opening and migrating, surviving a new Store instance,
// compare-and-set transitions, queries and corrupt rows. Runs against every store (sqlite- and pg-contract tests).
import { describe, expect, it } from 'vitest';
import { AUDIT_DETAIL_MAX } from '../../../src/core/audit.js';
import { createManualClock } from '../../../src/core/clock.js';
import { createRequestService } from '../../../src/core/request-lifecycle.js';
import {
  canTransition,
  type NewRequest,
  REQUEST_STATUSES,
  type RequestRecord,
  type RequestStatus,
} from '../../../src/core/requests.js';
import type { Store } from '../../../src/core/store.js';
import { createLogger } from '../../../src/logger.js';
import { type ContractTarget, useContractDatabase } from './targets.js';

const T0 = new Date('2026-02-01T10:00:00.000Z');
export const newRequest = (overrides: Partial<NewRequest> = {}): NewRequest => ({
  requester: { userId: 'UREQ' },
  target: { moodleId: 5, username: 'jdoe' },
  payload: { operation: 'suspend' },
  createdAt: T0,
  ...overrides,
});

/** Drives a fresh request to `status` through allowed transitions only. */
export async function requestIn(store: Store, status: RequestStatus, input = newRequest()): Promise<RequestRecord> {
  const paths: Record<RequestStatus, RequestStatus[]> = {
    pending: [],
    approved: ['approved'],
    executing: ['approved', 'executing'],
    succeeded: ['approved', 'executing', 'succeeded'],
    failed: ['approved', 'executing', 'failed'],
    rejected: ['rejected'],
    cancelled: ['cancelled'],
    expired: ['expired'],
  };
  let request = await store.createRequest(input);
  for (const to of paths[status]) {
    const result = await store.transition(request.id, {
      from: request.status,
      expectedVersion: request.version,
      to,
      at: T0,
    });
    if (!result.ok) throw new Error('setup failed');
    request = result.request;
  }
  return request;
}

export function describeRequestsContract(target: ContractTarget): void {
  const ctx = useContractDatabase(target);

  describe('opening', () => {
    it('applies the migrations once, however often it opens', async () => {
      const lines: string[] = [];
      const { logger } = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
      await (await ctx.open({ logger })).close();
      await (await ctx.open({ logger })).close();
      expect(lines.filter((l) => l.includes('schema upgraded'))).toHaveLength(1);
    });

    it('reports unhealthy once closed, and closes twice without error', async () => {
      const store = await ctx.open();
      expect(await store.isHealthy()).toBe(true);
      await store.close();
      await store.close();
      expect(await store.isHealthy()).toBe(false);
    });

    it('continues a pending request in a new Store instance on the same database', async () => {
      const clock = createManualClock(T0);
      const first = await ctx.open();
      const request = await createRequestService({ store: first, clock, ttlHours: 72 }).submit({
        requester: { userId: 'UREQ', teamId: 'T1', channelId: 'C1' },
        target: { username: 'jdoe', email: 'j@x.org' },
        payload: {
          operation: 'create',
          user: { username: 'jdoe', email: 'j@x.org', firstname: 'J', lastname: 'D', auth: 'manual' },
        },
        preflight: { checked: true, notes: ['No account uses this email.'], conflicts: [] },
        reason: 'new teacher',
      });
      await first.setApprovalMessage(request.id, { channel: 'CAPPROVE', ts: '1700000000.000100' });
      await first.close();

      const second = await ctx.open();
      expect(await second.getRequest(request.id)).toEqual({
        ...request,
        approvalMessage: { channel: 'CAPPROVE', ts: '1700000000.000100' },
      });
      const service = createRequestService({ store: second, clock, ttlHours: 72 });
      const approved = await service.approve(request.id, 'UAPPROVER');
      expect(approved).toMatchObject({ ok: true, request: { status: 'approved', decidedBy: 'UAPPROVER', version: 2 } });
    });
  });

  describe('transition', () => {
    const pairs = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as const));

    it('allows exactly the designed transitions, each bumping the version', async () => {
      const store = await ctx.open();
      for (const [from, to] of pairs) {
        const request = await requestIn(store, from);
        const change = { from, expectedVersion: request.version, to, at: T0 };
        if (canTransition(from, to)) {
          const result = await store.transition(request.id, change);
          expect(result, `${from} → ${to}`).toMatchObject({
            ok: true,
            request: { status: to, version: request.version + 1 },
          });
        } else {
          await expect(store.transition(request.id, change), `${from} → ${to}`).rejects.toMatchObject({
            code: 'invalid_transition',
          });
          expect((await store.getRequest(request.id))?.status).toBe(from);
        }
      }
    });

    it('loses on a stale status or version, returns the current record, and writes none of its audit', async () => {
      const store = await ctx.open();
      const request = await store.createRequest(newRequest());
      const win = await store.transition(request.id, {
        from: 'pending',
        expectedVersion: 1,
        to: 'approved',
        at: T0,
        patch: { decidedBy: 'UWIN', decidedAt: T0 },
        audit: [{ actor: 'UWIN', kind: 'decision', outcome: 'approved' }],
      });
      expect(win.ok).toBe(true);
      const stale = await store.transition(request.id, {
        from: 'pending',
        expectedVersion: 1,
        to: 'rejected',
        at: T0,
        audit: [{ actor: 'ULOSE', kind: 'decision', outcome: 'rejected' }],
      });
      expect(stale).toMatchObject({ ok: false, current: { status: 'approved', decidedBy: 'UWIN', version: 2 } });
      const wrongVersion = await store.transition(request.id, {
        from: 'approved',
        expectedVersion: 1,
        to: 'executing',
        at: T0,
      });
      expect(wrongVersion).toMatchObject({ ok: false, current: { status: 'approved', version: 2 } });
      expect(
        await store.transition('R-NOSUCH', { from: 'pending', expectedVersion: 1, to: 'approved', at: T0 }),
      ).toEqual({
        ok: false,
        current: undefined,
      });
      expect((await store.listAudit()).map((e) => e.actor)).toEqual(['UWIN']);
    });

    it('writes every patched field and reads it back as written', async () => {
      const store = await ctx.open();
      const request = await requestIn(store, 'executing');
      const at = new Date(T0.getTime() + 1234);
      const result = await store.transition(request.id, {
        from: 'executing',
        expectedVersion: request.version,
        to: 'failed',
        at,
        patch: {
          executedAt: at,
          decisionComment: 'ok',
          result: { ok: false, code: 'moodle_error', message: 'm', hint: 'h', outcomeUnknown: true },
          target: { moodleId: 77, username: 'other', email: 'o@x.org' },
          incrementAttempts: true,
        },
      });
      expect(result.ok).toBe(true);
      const reread = await store.getRequest(request.id);
      expect(reread).toEqual(result.ok ? result.request : undefined);
      expect(reread).toMatchObject({
        status: 'failed',
        updatedAt: at,
        executedAt: at,
        decisionComment: 'ok',
        attempts: 1,
        target: { moodleId: 77, username: 'other', email: 'o@x.org' },
        result: { ok: false, code: 'moodle_error', outcomeUnknown: true },
      });
    });

    it('keeps the version when only the card or notification location changes', async () => {
      const store = await ctx.open();
      const request = await store.createRequest(newRequest());
      await store.setApprovalMessage(request.id, { channel: 'C1', ts: '1.2' });
      await store.setNotificationTs(request.id, '3.4');
      expect(await store.getRequest(request.id)).toMatchObject({
        version: 1,
        approvalMessage: { channel: 'C1', ts: '1.2' },
        notificationTs: '3.4',
      });
    });

    it('records the approvals a request needs and those given so far, one pending → pending step each', async () => {
      const store = await ctx.open();
      expect(await store.createRequest(newRequest())).toMatchObject({ approvalsNeeded: 1, approvals: [] });
      const request = await store.createRequest(newRequest({ approvalsNeeded: 3 }));
      expect(request).toMatchObject({ approvalsNeeded: 3, approvals: [], remindedAt: undefined });
      const first = { by: 'UAPPR1', at: new Date(T0.getTime() + 1000), comment: 'fine by me' };
      const second = { by: 'UAPPR2', at: new Date(T0.getTime() + 2000) };
      let version = request.version;
      for (const approvals of [[first], [first, second]]) {
        const step = await store.transition(request.id, {
          from: 'pending',
          expectedVersion: version,
          to: 'pending',
          at: approvals.at(-1)!.at,
          patch: { approvals },
          audit: [{ actor: approvals.at(-1)!.by, kind: 'decision', outcome: 'approval recorded' }],
        });
        expect(step).toMatchObject({ ok: true, request: { status: 'pending', version: version + 1, approvals } });
        version += 1;
      }
      expect(await store.getRequest(request.id)).toMatchObject({ approvals: [first, second], approvalsNeeded: 3 });
      // A stale approval (the version moved) loses like any other compare-and-set.
      const stale = await store.transition(request.id, {
        from: 'pending',
        expectedVersion: request.version,
        to: 'pending',
        at: T0,
        patch: { approvals: [second] },
      });
      expect(stale).toMatchObject({ ok: false, current: { approvals: [first, second] } });
    });

    it('claims a reminder once per period, only while pending, without moving the version', async () => {
      const store = await ctx.open();
      const hours = (h: number) => new Date(T0.getTime() + h * 3_600_000);
      const request = await store.createRequest(newRequest());
      // Not due yet: created after the cut-off.
      expect(await store.claimReminder(request.id, hours(1), hours(-1))).toBe(false);
      // Due: created at or before the cut-off. Of several runs at once (replicas), exactly one claims it.
      const claims = await Promise.all([1, 2, 3, 4].map(() => store.claimReminder(request.id, hours(25), hours(1))));
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.getRequest(request.id)).toMatchObject({ remindedAt: hours(25), version: 1 });
      // The next period counts from the last reminder, not from the creation.
      expect(await store.claimReminder(request.id, hours(30), hours(6))).toBe(false);
      expect(await store.claimReminder(request.id, hours(49), hours(25))).toBe(true);
      expect((await store.getRequest(request.id))?.remindedAt).toEqual(hours(49));
      const decided = await requestIn(store, 'approved');
      expect(await store.claimReminder(decided.id, hours(50), hours(26))).toBe(false);
      expect((await store.getRequest(decided.id))?.remindedAt).toBeUndefined();
      expect(await store.claimReminder('R-NOSUCH', hours(50), hours(26))).toBe(false);
    });

    it('draws a new id when the first one is taken', async () => {
      const ids = ['R-AAAAAA', 'R-AAAAAA', 'R-BBBBBB'];
      const store = await ctx.open({ generateId: () => ids.shift() ?? 'R-CCCCCC' });
      expect((await store.createRequest(newRequest())).id).toBe('R-AAAAAA');
      expect((await store.createRequest(newRequest())).id).toBe('R-BBBBBB');
    });
  });

  describe('queries', () => {
    const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
    const ids = (rs: RequestRecord[]) => rs.map((r) => r.id);

    it('lists by requester and status, newest first, with a limit', async () => {
      const store = await ctx.open();
      const a = await store.createRequest(newRequest({ createdAt: at(1) }));
      const b = await store.createRequest(newRequest({ createdAt: at(2), requester: { userId: 'UOTHER' } }));
      const c = await store.createRequest(newRequest({ createdAt: at(3) }));
      await store.transition(c.id, { from: 'pending', expectedVersion: 1, to: 'cancelled', at: at(4) });
      expect(ids(await store.listRequests({ limit: 10 }))).toEqual([c.id, b.id, a.id]);
      expect(ids(await store.listRequests({ requester: 'UREQ', limit: 10 }))).toEqual([c.id, a.id]);
      expect(ids(await store.listRequests({ statuses: ['pending'], limit: 10 }))).toEqual([b.id, a.id]);
      expect(ids(await store.listRequests({ statuses: ['pending'], limit: 1 }))).toEqual([b.id]);
      expect(await store.listRequests({ statuses: [], limit: 10 })).toEqual([]);
      expect(ids(await store.findExpired(at(2)))).toEqual([a.id]);
      expect(ids(await store.findByStatus('cancelled'))).toEqual([c.id]);
    });

    it('counts requests by status', async () => {
      const store = await ctx.open();
      expect(await store.countByStatus()).toEqual({});
      await requestIn(store, 'pending');
      await requestIn(store, 'pending');
      await requestIn(store, 'executing');
      expect(await store.countByStatus()).toEqual({ pending: 2, executing: 1 });
    });

    it('lists by operation and target account', async () => {
      const store = await ctx.open();
      const suspend5 = await store.createRequest(newRequest({ createdAt: at(1) }));
      const delete5 = await store.createRequest(newRequest({ createdAt: at(2), payload: { operation: 'delete' } }));
      const suspend6 = await store.createRequest(
        newRequest({ createdAt: at(3), target: { moodleId: 6, username: 'other' } }),
      );
      expect(ids(await store.listRequests({ operation: 'suspend', limit: 10 }))).toEqual([suspend6.id, suspend5.id]);
      expect(ids(await store.listRequests({ moodleId: 5, limit: 10 }))).toEqual([delete5.id, suspend5.id]);
      expect(ids(await store.listRequests({ operation: 'suspend', moodleId: 5, limit: 10 }))).toEqual([suspend5.id]);
      expect(await store.listRequests({ operation: 'update', moodleId: 5, limit: 10 })).toEqual([]);
    });

    it('lists audit events in a time window (since inclusive, until exclusive)', async () => {
      const store = await ctx.open();
      const day = (d: number) => new Date(Date.UTC(2026, 0, d, 12));
      for (const d of [1, 2, 3])
        await store.appendAudit({ at: day(d), actor: 'system', kind: 'expiry', detail: `day ${d}` });
      const details = async (q: Parameters<Store['listAudit']>[0]) => (await store.listAudit(q)).map((e) => e.detail);
      expect(await details({})).toEqual(['day 1', 'day 2', 'day 3']);
      expect(await details({ since: day(2) })).toEqual(['day 2', 'day 3']);
      expect(await details({ until: day(2) })).toEqual(['day 1']);
      expect(await details({ since: day(1), until: day(3), limit: 1 })).toEqual(['day 1']);
      const [first] = await store.listAudit({ limit: 1 });
      expect(first).toEqual({
        id: expect.any(Number),
        at: day(1),
        actor: 'system',
        kind: 'expiry',
        requestId: undefined,
        operation: undefined,
        target: {},
        outcome: undefined,
        moodleId: undefined,
        detail: 'day 1',
      });
    });

    it('cuts an overlong audit detail instead of refusing it', async () => {
      const store = await ctx.open();
      const event = await store.appendAudit({ at: T0, actor: 'UX', kind: 'refusal', detail: 'x'.repeat(5000) });
      expect(event.detail).toHaveLength(AUDIT_DETAIL_MAX);
      expect(event.detail?.endsWith('…')).toBe(true);
    });

    it('names the request when a stored row cannot be read', async () => {
      const store = await ctx.open();
      const request = await store.createRequest(newRequest());
      await ctx.database().exec(`UPDATE requests SET payload = '{"operation":"explode"}' WHERE id = '${request.id}'`);
      await expect(store.getRequest(request.id)).rejects.toMatchObject({
        code: 'corrupt_row',
        message: expect.stringContaining(request.id),
      });
    });
  });
}
