// The lifecycle service over a real (in-memory SQLite) store and a manual clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit.js';
import { HOUR_MS, type ManualClock } from '../../src/core/clock.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { LifecycleResult, RequestService, SubmitInput } from '../../src/core/request-service.js';
import type { Store } from '../../src/core/store.js';
import {
  APPROVER,
  createInput,
  deleteInput,
  type Lifecycle,
  OTHER,
  ok,
  openLifecycle,
  REQUESTER,
  racing as raceWith,
} from './lifecycle-fixtures.js';

let lifecycle: Lifecycle;
let store: Store;
let clock: ManualClock;
let service: RequestService;

beforeEach(async () => {
  lifecycle = await openLifecycle((id) => `<@${id}>`);
  ({ store, clock, service } = lifecycle);
});
afterEach(async () => {
  await store.close();
});

async function auditOf(id: string): Promise<Array<Pick<AuditEvent, 'kind' | 'outcome' | 'actor'>>> {
  return (await store.listAudit())
    .filter((e) => e.requestId === id)
    .map(({ kind, outcome, actor }) => ({ kind, outcome, actor }));
}

describe('submit', () => {
  it('stores a pending request with everything the card needs, and audits it', async () => {
    const request = await service.submit(createInput);
    expect(request).toMatchObject({
      operation: 'create',
      status: 'pending',
      version: 1,
      requester: { userId: REQUESTER, teamId: 'T1', channelId: 'C1' },
      target: { username: 'jdoe', email: 'jane.doe@example.org' },
      reason: 'new teacher',
      attempts: 0,
      decidedBy: undefined,
    });
    expect(request.createdAt).toEqual(clock.now());
    expect(await store.getRequest(request.id)).toEqual(request);
    expect(await auditOf(request.id)).toEqual([{ kind: 'request', outcome: 'pending', actor: REQUESTER }]);
  });

  it('stores an admin’s direct execution as already approved by the admin', async () => {
    const request = await service.submit(deleteInput, { direct: true });
    expect(request).toMatchObject({ status: 'approved', decidedBy: REQUESTER });
    expect(request.decidedAt).toEqual(clock.now());
    expect((await auditOf(request.id)).map((e) => e.kind)).toEqual(['request', 'direct_execution']);
    expect(ok(await service.startExecution(request.id, REQUESTER)).status).toBe('executing');
  });

  it('a direct execution needs no quorum: it is approved by the admin alone, whatever APPROVALS_REQUIRED says', async () => {
    const direct = await service.submit({ ...deleteInput, approvalsNeeded: 2 }, { direct: true });
    expect(direct).toMatchObject({ status: 'approved', approvalsNeeded: 1, decidedBy: REQUESTER });
    const quorum = await service.submit({ ...deleteInput, approvalsNeeded: 2 });
    expect(quorum).toMatchObject({ status: 'pending', approvalsNeeded: 2 });
    expect(quorum.decidedBy).toBeUndefined();
  });
});

describe('approve and reject', () => {
  it('approves with a comment, once', async () => {
    const { id } = await service.submit(createInput);
    clock.advance(60_000);
    const approved = ok(await service.approve(id, APPROVER, { comment: '  welcome Jane ' }));
    expect(approved).toMatchObject({
      status: 'approved',
      version: 2,
      decidedBy: APPROVER,
      decisionComment: 'welcome Jane',
    });
    expect(approved.decidedAt).toEqual(clock.now());
    const again = await service.approve(id, OTHER);
    expect(again).toMatchObject({
      ok: false,
      code: 'not_pending',
      message: `${id} (New Moodle account for Jane Doe) was already approved by <@${APPROVER}>; nothing is left for you to do.`,
      current: { status: 'approved', decidedBy: APPROVER },
    });
    expect(await auditOf(id)).toEqual([
      { kind: 'request', outcome: 'pending', actor: REQUESTER },
      { kind: 'decision', outcome: 'approved', actor: APPROVER },
      { kind: 'refusal', outcome: 'not_pending', actor: OTHER },
    ]);
  });

  it('applies and records an approver’s corrections', async () => {
    const { id } = await service.submit(createInput);
    const approved = ok(await service.approve(id, APPROVER, { corrections: { firstname: 'Janet', lastname: 'Doe' } }));
    expect(approved.corrections).toEqual([{ field: 'firstname', before: 'Jane', after: 'Janet' }]);
    expect(approved.payload).toMatchObject({ operation: 'create', user: { firstname: 'Janet', lastname: 'Doe' } });
    const correction = (await store.listAudit()).find((e) => e.kind === 'correction');
    expect(JSON.parse(correction?.detail ?? 'null')).toEqual(approved.corrections);
  });

  it('refuses bad corrections without deciding', async () => {
    const { id } = await service.submit(createInput);
    expect(await service.approve(id, APPROVER, { corrections: { email: '' } })).toMatchObject({
      ok: false,
      code: 'invalid_corrections',
    });
    expect((await store.getRequest(id))?.status).toBe('pending');
  });

  it('refuses corrections to a request without fields, and ignores fields given no value', async () => {
    const { id } = await service.submit(deleteInput);
    expect(await service.approve(id, APPROVER, { corrections: { firstname: 'Janet' } })).toEqual({
      ok: false,
      code: 'invalid_corrections',
      message: 'A delete request has no fields to correct.',
      current: expect.objectContaining({ id, status: 'pending' }),
    });
    const approved = ok(await service.approve(id, APPROVER, { corrections: { firstname: undefined } }));
    expect(approved).toMatchObject({ status: 'approved', payload: { operation: 'delete' } });
    expect(approved.corrections).toBeUndefined();
    const created = await service.submit(createInput);
    const unchanged = ok(await service.approve(created.id, APPROVER, { corrections: { lastname: undefined } }));
    expect(unchanged.payload).toEqual(createInput.payload);
    expect((await store.listAudit()).filter((e) => e.kind === 'correction')).toEqual([]);
  });

  it('refuses the requester deciding their own request, either way', async () => {
    const { id } = await service.submit(createInput);
    const approve = await service.approve(id, REQUESTER);
    expect(approve).toMatchObject({ ok: false, code: 'self_decision' });
    expect(approve.ok ? '' : approve.message).toMatch(/another approver has to approve it.*cancel/);
    expect(await service.reject(id, REQUESTER, 'changed my mind')).toMatchObject({ ok: false, code: 'self_decision' });
    expect(await store.getRequest(id)).toMatchObject({ status: 'pending', version: 1 });
    expect((await auditOf(id)).filter((e) => e.kind === 'refusal')).toEqual([
      { kind: 'refusal', outcome: 'self_decision', actor: REQUESTER },
      { kind: 'refusal', outcome: 'self_decision', actor: REQUESTER },
    ]);
  });

  it('needs a reason to reject, and keeps it', async () => {
    const { id } = await service.submit(createInput);
    expect(await service.reject(id, APPROVER, '   ')).toMatchObject({ ok: false, code: 'reason_required' });
    const rejected = ok(await service.reject(id, APPROVER, 'duplicate of jane.doe2'));
    expect(rejected).toMatchObject({
      status: 'rejected',
      decidedBy: APPROVER,
      decisionComment: 'duplicate of jane.doe2',
    });
    expect(await service.approve(id, OTHER)).toMatchObject({
      ok: false,
      code: 'not_pending',
      message: `${id} (New Moodle account for Jane Doe) was already rejected by <@${APPROVER}>; nothing is left for you to do.`,
    });
  });

  it('says when there is no such request', async () => {
    expect(await service.approve('R-ZZZZZZ', APPROVER)).toMatchObject({
      ok: false,
      code: 'not_found',
      message: 'There is no request R-ZZZZZZ.',
      current: undefined,
    });
  });

  it('answers not_found, never throws, for every step asked about an unknown id, and audits the question', async () => {
    const failure = { code: 'x', message: 'm', hint: 'h', outcomeUnknown: false };
    const answers = await Promise.all([
      service.reject('R-ZZZZZ1', APPROVER, 'no'),
      service.cancel('R-ZZZZZ2', REQUESTER),
      service.startExecution('R-ZZZZZ3', APPROVER),
      service.recordSuccess('R-ZZZZZ4', { moodleId: 1 }),
      service.recordFailure('R-ZZZZZ5', failure),
      service.retry('R-ZZZZZ6', APPROVER),
      service.reconcile('R-ZZZZZ7', { applied: true }),
    ]);
    answers.forEach((answer, i) => {
      expect(answer).toEqual({
        ok: false,
        code: 'not_found',
        message: `There is no request R-ZZZZZ${i + 1}.`,
        current: undefined,
      });
    });
    const refusals = (await store.listAudit()).filter((e) => e.kind === 'refusal');
    expect(refusals.map((e) => [e.actor, e.outcome, e.detail]).sort()).toEqual(
      [
        [APPROVER, 'R-ZZZZZ1'],
        [REQUESTER, 'R-ZZZZZ2'],
        [APPROVER, 'R-ZZZZZ3'],
        ['system', 'R-ZZZZZ4'],
        ['system', 'R-ZZZZZ5'],
        [APPROVER, 'R-ZZZZZ6'],
        ['system', 'R-ZZZZZ7'],
      ]
        .map(([actor, id]) => [actor, 'not_found', `There is no request ${id}. (asked for ${id})`])
        .sort(),
    );
  });
});

describe('cancel', () => {
  it('is for the requester only, and only while pending', async () => {
    const { id } = await service.submit(createInput);
    expect(await service.cancel(id, APPROVER)).toMatchObject({ ok: false, code: 'not_requester' });
    expect(ok(await service.cancel(id, REQUESTER))).toMatchObject({ status: 'cancelled', decidedBy: REQUESTER });
    expect(await service.cancel(id, REQUESTER)).toMatchObject({ ok: false, code: 'not_pending' });
    expect(await service.approve(id, APPROVER)).toMatchObject({
      ok: false,
      code: 'not_pending',
      message: `${id} (New Moodle account for Jane Doe) was withdrawn by its requester; nothing is left for you to do.`,
    });

    const second = await service.submit(createInput);
    ok(await service.approve(second.id, APPROVER));
    expect(await service.cancel(second.id, REQUESTER)).toMatchObject({ ok: false, code: 'not_pending' });
  });
});

describe('execution and retry', () => {
  it('runs approved → executing → succeeded and keeps the Moodle id', async () => {
    const { id } = await service.submit(createInput);
    expect(await service.startExecution(id)).toMatchObject({ ok: false, code: 'not_approved' });
    ok(await service.approve(id, APPROVER));
    expect(ok(await service.startExecution(id))).toMatchObject({ status: 'executing', attempts: 1 });
    expect(await service.startExecution(id)).toMatchObject({ ok: false, code: 'not_approved' });
    clock.advance(2000);
    const done = ok(await service.recordSuccess(id, { moodleId: 314 }));
    expect(done).toMatchObject({ status: 'succeeded', result: { ok: true, moodleId: 314 }, target: { moodleId: 314 } });
    expect(done.executedAt).toEqual(clock.now());
    expect(await service.recordSuccess(id, { moodleId: 314 })).toMatchObject({ ok: false, code: 'not_executing' });
    expect(await service.retry(id, APPROVER)).toMatchObject({ ok: false, code: 'not_failed' });
    const execution = (await store.listAudit()).filter((e) => e.kind === 'execution');
    expect(execution.map((e) => [e.outcome, e.moodleId])).toEqual([
      ['started', undefined],
      ['succeeded', 314],
    ]);
  });

  it('records a success or failure only while executing', async () => {
    const { id } = await service.submit(deleteInput);
    const failure = { code: 'x', message: 'm', hint: 'h', outcomeUnknown: false };
    expect(await service.recordFailure(id, failure)).toMatchObject({
      ok: false,
      code: 'not_executing',
      message: `${id} (Delete Moodle account: old) is still waiting for a decision; approve or reject it on its card.`,
      current: { status: 'pending' },
    });
    expect(await service.recordSuccess(id)).toMatchObject({ ok: false, code: 'not_executing' });
    expect(await store.getRequest(id)).toMatchObject({ status: 'pending', version: 1 });
    expect((await auditOf(id)).filter((e) => e.kind === 'refusal')).toEqual([
      { kind: 'refusal', outcome: 'not_executing', actor: 'system' },
      { kind: 'refusal', outcome: 'not_executing', actor: 'system' },
    ]);
  });

  it('records a failure, allows a retry only from failed, and counts attempts', async () => {
    const { id } = await service.submit(deleteInput);
    ok(await service.approve(id, APPROVER));
    expect(await service.retry(id, APPROVER)).toMatchObject({ ok: false, code: 'not_failed' });
    ok(await service.startExecution(id));
    const failed = ok(
      await service.recordFailure(id, {
        code: 'moodle_unreachable',
        message: 'Moodle did not answer within 15 s.',
        hint: 'Check that the site is up.',
        outcomeUnknown: true,
      }),
    );
    expect(failed).toMatchObject({
      status: 'failed',
      result: { ok: false, code: 'moodle_unreachable', outcomeUnknown: true },
    });
    const retried = ok(await service.retry(id, OTHER));
    expect(retried).toMatchObject({ status: 'executing', attempts: 2, result: undefined });
    expect(await service.retry(id, OTHER)).toMatchObject({ ok: false, code: 'not_failed' });
    ok(await service.recordSuccess(id));
    expect((await store.getRequest(id))?.result).toEqual({ ok: true, moodleId: 42 });
    expect((await auditOf(id)).map((e) => `${e.kind}:${e.outcome}`)).toEqual([
      'request:pending',
      'decision:approved',
      'refusal:not_failed',
      'execution:started',
      'execution:outcome_unknown',
      'retry:retried',
      'execution:started',
      'refusal:not_failed',
      'execution:succeeded',
    ]);
  });
});

describe('expiry', () => {
  it('expires pending requests after the TTL, and only those', async () => {
    const old = await service.submit(createInput);
    const decided = await service.submit(deleteInput);
    ok(await service.approve(decided.id, APPROVER));
    clock.advance(71 * HOUR_MS);
    const young = await service.submit(createInput);
    expect(await service.expireDue()).toEqual([]);

    clock.advance(HOUR_MS + 1);
    const expired = await service.expireDue();
    expect(expired.map((r) => r.id)).toEqual([old.id]);
    expect(expired[0]).toMatchObject({ status: 'expired', version: 2, decidedAt: clock.now(), decidedBy: undefined });
    expect((await store.getRequest(young.id))?.status).toBe('pending');
    expect((await store.getRequest(decided.id))?.status).toBe('approved');
    expect(await service.expireDue()).toEqual([]);
    expect(await service.approve(old.id, APPROVER)).toMatchObject({
      ok: false,
      code: 'not_pending',
      message: `${old.id} (New Moodle account for Jane Doe) expired without a decision; the requester can ask again if it is still needed.`,
    });
    expect(await auditOf(old.id)).toContainEqual({ kind: 'expiry', outcome: 'expired', actor: 'system' });
  });

  it('an expiry that loses the race to an approver is not reported as expired, and the approval stands', async () => {
    const raced = await service.submit(createInput);
    const due = await service.submit(deleteInput);
    clock.advance(72 * HOUR_MS + 1);
    // The approver clicks between the expiry job's search and its write.
    const racing: Store = Object.create(store);
    racing.findExpired = async (cutoff) => {
      const found = await store.findExpired(cutoff);
      ok(await service.approve(raced.id, APPROVER));
      return found;
    };
    const expiring = createRequestService({ store: racing, clock, ttlHours: 72 });
    expect((await expiring.expireDue()).map((r) => r.id)).toEqual([due.id]);
    expect((await store.getRequest(raced.id))?.status).toBe('approved');
    expect((await auditOf(raced.id)).map((e) => e.kind)).not.toContain('expiry');
  });
});

describe('reconciliation after a crash', () => {
  async function interrupted(input: SubmitInput): Promise<string> {
    const { id } = await service.submit(input);
    ok(await service.approve(id, APPROVER));
    ok(await service.startExecution(id));
    return id;
  }

  it('finds executing requests and settles them both ways', async () => {
    const created = await interrupted(createInput);
    const deleted = await interrupted(deleteInput);
    expect((await service.findInterrupted()).map((r) => r.id).sort()).toEqual([created, deleted].sort());

    expect(ok(await service.reconcile(created, { applied: true, moodleId: 77 }))).toMatchObject({
      status: 'succeeded',
      result: { ok: true, moodleId: 77 },
      target: { moodleId: 77 },
    });
    const notDone = ok(await service.reconcile(deleted, { applied: false, detail: 'user 42 still exists' }));
    expect(notDone).toMatchObject({
      status: 'failed',
      result: { ok: false, code: 'interrupted', outcomeUnknown: false },
    });
    expect(await service.findInterrupted()).toEqual([]);
    expect(await service.reconcile(created, { applied: true })).toMatchObject({ ok: false, code: 'not_executing' });
    // A request reconciled as not done is retried by an approver, like any failure.
    expect(ok(await service.retry(deleted, APPROVER)).status).toBe('executing');
    expect((await store.listAudit()).filter((e) => e.kind === 'reconciliation').map((e) => e.outcome)).toEqual([
      'applied',
      'not_applied',
    ]);
  });
});

describe('recordRefusal', () => {
  it('audits a permission refusal decided by the caller', async () => {
    const { id } = await service.submit(deleteInput);
    await service.recordRefusal('UNOBODY', { reason: 'permission', requestId: id, detail: 'not an approver' });
    const [event] = (await store.listAudit()).filter((e) => e.kind === 'refusal');
    expect(event).toMatchObject({
      actor: 'UNOBODY',
      outcome: 'permission',
      requestId: id,
      operation: 'delete',
      target: { moodleId: 42, username: 'old' },
      detail: 'not an approver',
    });
  });
});

/** The whole audit of a request, as [kind, outcome, detail, moodleId]. */
async function detailsOf(
  id: string,
): Promise<Array<[string, string | undefined, string | undefined, number | undefined]>> {
  return (await store.listAudit())
    .filter((e) => e.requestId === id)
    .map((e) => [e.kind, e.outcome, e.detail, e.moodleId]);
}

async function executing(input: SubmitInput): Promise<string> {
  const { id } = await service.submit(input);
  ok(await service.approve(id, APPROVER));
  ok(await service.startExecution(id));
  return id;
}

describe('what the audit log says, step by step', () => {
  it('the request keeps its pre-flight; its reason is audited, trimmed; a blank or absent reason is not', async () => {
    const request = await service.submit({ ...createInput, reason: '  new teacher ' });
    expect(request.preflight).toEqual(createInput.preflight);
    expect((await detailsOf(request.id))[0]).toEqual(['request', 'pending', 'Reason: new teacher', undefined]);
    const blank = await service.submit({ ...deleteInput, reason: '   ' });
    const { reason: _, ...withoutReason } = deleteInput;
    const none = await service.submit(withoutReason);
    expect((await detailsOf(blank.id))[0]).toEqual(['request', 'pending', undefined, undefined]);
    expect((await detailsOf(none.id))[0]).toEqual(['request', 'pending', undefined, undefined]);
    expect(none.preflight).toBeUndefined();
  });

  it('an admin’s direct execution says which policy allowed it', async () => {
    const request = await service.submit(deleteInput, { direct: true });
    expect(await detailsOf(request.id)).toEqual([
      ['request', 'approved', 'Reason: left the school', undefined],
      ['direct_execution', 'allowed', 'An admin may delete without approval (APPROVAL_REQUIRED).', undefined],
    ]);
  });

  it('an approval keeps its comment; a blank comment is no comment', async () => {
    const { id } = await service.submit(createInput);
    const approved = ok(await service.approve(id, APPROVER, { comment: '   ' }));
    expect(approved.decisionComment).toBeUndefined();
    const commented = await service.submit(deleteInput);
    ok(await service.approve(commented.id, APPROVER, { comment: ' checked with HR ' }));
    expect((await detailsOf(id)).at(-1)).toEqual(['decision', 'approved', undefined, undefined]);
    expect((await detailsOf(commented.id)).at(-1)).toEqual(['decision', 'approved', 'checked with HR', undefined]);
  });

  it('a correction is audited before the approval, as the diff', async () => {
    const { id } = await service.submit(createInput);
    ok(await service.approve(id, APPROVER, { corrections: { firstname: 'Janet', city: undefined } }));
    expect((await detailsOf(id)).slice(1)).toEqual([
      ['correction', 'corrected', JSON.stringify([{ field: 'firstname', before: 'Jane', after: 'Janet' }]), undefined],
      ['decision', 'approved', undefined, undefined],
    ]);
  });

  it('a rejection needs a reason, says so, and audits it', async () => {
    const { id } = await service.submit(createInput);
    expect(await service.reject(id, APPROVER, ' ')).toEqual({
      ok: false,
      code: 'reason_required',
      message: 'Say why you reject the request; the requester will see it.',
      current: expect.objectContaining({ id, status: 'pending' }),
    });
    expect(await service.reject(id, REQUESTER, 'no')).toMatchObject({
      code: 'self_decision',
      message: `You asked for ${id} (New Moodle account for Jane Doe) yourself, so another approver has to reject it. To withdraw it, cancel it instead.`,
    });
    ok(await service.reject(id, APPROVER, ' duplicate '));
    expect((await detailsOf(id)).at(-1)).toEqual(['decision', 'rejected', 'duplicate', undefined]);
  });

  it('only the requester cancels, told so by name of request; the cancellation is audited', async () => {
    const { id } = await service.submit(createInput);
    expect(await service.cancel(id, APPROVER)).toMatchObject({
      code: 'not_requester',
      message: `Only the person who asked for ${id} can cancel it.`,
    });
    ok(await service.cancel(id, REQUESTER));
    expect((await detailsOf(id)).slice(1)).toEqual([
      ['refusal', 'not_requester', `Only the person who asked for ${id} can cancel it.`, undefined],
      ['cancellation', 'cancelled', undefined, undefined],
    ]);
  });

  it('a failure records its code and message, and the account a create made before failing', async () => {
    const id = await executing(createInput);
    const failure = { code: 'cohort_add_refused', message: 'no such cohort', hint: 'h', outcomeUnknown: false };
    const failed = ok(await service.recordFailure(id, { ...failure, moodleId: 71 }));
    expect(failed.target.moodleId).toBe(71);
    expect((await detailsOf(id)).at(-1)).toEqual(['execution', 'failed', 'cohort_add_refused: no such cohort', 71]);
    // The retry keeps the account, so a create is not made twice; its audit counts the attempt.
    ok(await service.retry(id, APPROVER));
    expect((await detailsOf(id)).slice(-2)).toEqual([
      ['retry', 'retried', 'attempt 2', undefined],
      ['execution', 'started', undefined, undefined],
    ]);
    ok(await service.recordFailure(id, { ...failure, moodleId: 72 }));
    expect((await store.getRequest(id))?.target.moodleId).toBe(71);
  });

  it('a success without any account id records none; a request about an account keeps it as its target', async () => {
    const created = await executing(createInput);
    const done = ok(await service.recordSuccess(created));
    expect(done.result).toEqual({ ok: true });
    expect(done.target.moodleId).toBeUndefined();
    expect((await detailsOf(created)).at(-1)).toEqual(['execution', 'succeeded', undefined, undefined]);
    const deleted = await executing(deleteInput);
    const gone = ok(await service.recordSuccess(deleted, { moodleId: 99 }));
    expect(gone.target.moodleId).toBe(42);
  });

  it('nobody retries a failed request they asked for, unless they executed it directly themselves', async () => {
    const id = await executing(deleteInput);
    ok(await service.recordFailure(id, { code: 'x', message: 'm', hint: 'h', outcomeUnknown: false }));
    expect(await service.retry(id, REQUESTER)).toMatchObject({
      ok: false,
      code: 'self_decision',
      message: `You asked for ${id} (Delete Moodle account: old) yourself, so another approver has to retry it.`,
    });
    expect((await store.getRequest(id))?.status).toBe('failed');
  });

  it('an expiry says after how long', async () => {
    const { id } = await service.submit(createInput);
    clock.advance(73 * HOUR_MS);
    await service.expireDue();
    expect((await detailsOf(id)).at(-1)).toEqual(['expiry', 'expired', 'No decision within 72 hours.', undefined]);
  });

  it('a reconciliation records what the look-up showed, and what is left to do', async () => {
    const applied = await executing(createInput);
    ok(await service.reconcile(applied, { applied: true, moodleId: 77, detail: 'jdoe exists' }));
    expect((await detailsOf(applied)).at(-1)).toEqual(['reconciliation', 'applied', 'jdoe exists', 77]);

    const partly = await executing(createInput);
    const half = ok(await service.reconcile(partly, { applied: false, moodleId: 78 }));
    expect(half.target.moodleId).toBe(78);
    expect(half.result).toEqual({
      ok: false,
      code: 'interrupted',
      message:
        'The app stopped while carrying out this request; Moodle shows the account (id 78) but not all of the rest.',
      hint: 'An approver can retry it from the card; what is already in Moodle is not done twice.',
      outcomeUnknown: false,
    });
    expect((await detailsOf(partly)).at(-1)).toEqual(['reconciliation', 'not_applied', undefined, undefined]);

    const nothing = await executing(createInput);
    const notMade = ok(await service.reconcile(nothing, { applied: false }));
    expect(notMade.result).toMatchObject({
      message: 'The app stopped while carrying out this request, and Moodle shows it was not done.',
    });
    expect(notMade.target.moodleId).toBeUndefined();

    const known = await executing(deleteInput);
    const notDone = ok(await service.reconcile(known, { applied: false, moodleId: 42 }));
    expect(notDone.result).toMatchObject({
      message: 'The app stopped while carrying out this request, and Moodle shows it was not done.',
    });
  });

  it('a refusal decided by the caller names the operation even without a request, and is cut to size', async () => {
    await service.recordRefusal('UNOBODY', { reason: 'permission', operation: 'suspend', detail: 'x'.repeat(3000) });
    await service.recordRefusal('UNOBODY', { reason: 'permission', requestId: 'R-ZZZZZZ', operation: 'delete' });
    const { id } = await service.submit(deleteInput);
    await service.recordRefusal('UNOBODY', { reason: 'permission', requestId: id, operation: 'create' });
    const refusals = (await store.listAudit()).filter((e) => e.kind === 'refusal');
    expect(refusals.map((e) => [e.requestId, e.operation, e.detail?.length])).toEqual([
      [undefined, 'suspend', 2000],
      [undefined, 'delete', undefined],
      [id, 'delete', undefined],
    ]);
  });
});

describe('two steps at once: exactly one wins, the other is told what happened', () => {
  const racing = (competitor: () => Promise<unknown>) => raceWith(lifecycle, competitor).service;
  const failure = { code: 'x', message: 'm', hint: 'h', outcomeUnknown: false };
  const codeOf = (result: LifecycleResult) => (result.ok ? 'ok' : result.code);

  it('a cancel that loses to an approval is told the request is no longer pending', async () => {
    const { id } = await service.submit(createInput);
    const cancel = await racing(() => service.approve(id, APPROVER)).cancel(id, REQUESTER);
    expect(cancel).toMatchObject({ ok: false, code: 'not_pending', current: { status: 'approved' } });
  });

  it('a second start is told the request is no longer approved', async () => {
    const { id } = await service.submit(deleteInput);
    ok(await service.approve(id, APPROVER));
    expect(codeOf(await racing(() => service.startExecution(id)).startExecution(id))).toBe('not_approved');
  });

  it('success, failure and reconciliation each lose to one another as "not executing"', async () => {
    const a = await executing(deleteInput);
    expect(codeOf(await racing(() => service.recordFailure(a, failure)).recordSuccess(a))).toBe('not_executing');
    const b = await executing(deleteInput);
    expect(codeOf(await racing(() => service.recordSuccess(b)).recordFailure(b, failure))).toBe('not_executing');
    const c = await executing(deleteInput);
    const applied = racing(() => service.recordSuccess(c)).reconcile(c, { applied: true });
    expect(codeOf(await applied)).toBe('not_executing');
    const d = await executing(deleteInput);
    const notApplied = racing(() => service.recordSuccess(d)).reconcile(d, { applied: false });
    expect(codeOf(await notApplied)).toBe('not_executing');
  });

  it('a second retry is told the request is no longer failed', async () => {
    const id = await executing(deleteInput);
    ok(await service.recordFailure(id, failure));
    expect(codeOf(await racing(() => service.retry(id, OTHER)).retry(id, APPROVER))).toBe('not_failed');
  });

  it('a request gone between reading and writing is not_found, not a crash', async () => {
    const { id } = await service.submit(createInput);
    const vanishing: Store = Object.create(store);
    vanishing.transition = async () => ({ ok: false, current: undefined });
    const lost = createRequestService({ store: vanishing, clock, ttlHours: 72 });
    expect(await lost.approve(id, APPROVER)).toEqual({
      ok: false,
      code: 'not_found',
      message: `There is no request ${id}.`,
      current: undefined,
    });
  });

  it('without a formatter, refusals name people by their Slack id', async () => {
    const plain = createRequestService({ store, clock, ttlHours: 72 });
    const { id } = await plain.submit(createInput);
    ok(await plain.approve(id, APPROVER));
    expect(await plain.approve(id, OTHER)).toMatchObject({
      message: `${id} (New Moodle account for Jane Doe) was already approved by ${APPROVER}; nothing is left for you to do.`,
    });
  });
});
