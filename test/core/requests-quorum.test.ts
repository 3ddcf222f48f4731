// APPROVALS_REQUIRED=2: a request needs two different approvers. The lifecycle over a real (in-memory SQLite)
// store and a manual clock; races are made deterministic by running a competitor just before the first write.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { RequestService, SubmitInput } from '../../src/core/request-service.js';
import type { Store } from '../../src/core/store.js';
import {
  createInput,
  APPROVER as FIRST,
  type Lifecycle,
  ok,
  openLifecycle,
  REQUESTER,
  racing as raceWith,
  OTHER as SECOND,
} from './lifecycle-fixtures.js';

const THIRD = 'UAPPROVE3';
const twoNeeded: SubmitInput = { ...createInput, approvalsNeeded: 2 };

let lifecycle: Lifecycle;
let store: Store;
let service: RequestService;

beforeEach(async () => {
  lifecycle = await openLifecycle();
  ({ store, service } = lifecycle);
});
afterEach(async () => {
  await store.close();
});

/** The decisions and refusals of a request, as [kind, outcome, actor, detail]. */
async function decisionsOf(id: string): Promise<Array<[string, string | undefined, string, string | undefined]>> {
  return (await store.listAudit())
    .filter((e) => e.requestId === id && e.kind !== 'request')
    .map((e) => [e.kind, e.outcome, e.actor, e.detail]);
}

const racing = (competitor: () => Promise<unknown>) => raceWith(lifecycle, competitor);

describe('a request that needs two approvals', () => {
  it('stays pending after the first, is approved by the second, and says so in the audit', async () => {
    const { id } = await service.submit(twoNeeded);
    lifecycle.clock.advance(60_000);
    const first = ok(await service.approve(id, FIRST, { comment: ' looks right ' }));
    expect(first).toMatchObject({ status: 'pending', version: 2, approvals: [{ by: FIRST, comment: 'looks right' }] });
    expect(first.approvals[0]?.at).toEqual(lifecycle.clock.now());
    expect(first.decidedBy).toBeUndefined();
    expect(first.decidedAt).toBeUndefined();
    expect(first.decisionComment).toBeUndefined();
    lifecycle.clock.advance(60_000);
    const second = ok(await service.approve(id, SECOND, { comment: 'ok' }));
    expect(second).toMatchObject({ status: 'approved', decidedBy: SECOND, decisionComment: 'ok' });
    expect(second.decidedAt).toEqual(lifecycle.clock.now());
    expect(second.approvals.map((a) => a.by)).toEqual([FIRST, SECOND]);
    expect(await decisionsOf(id)).toEqual([
      ['decision', 'approval_recorded', FIRST, '1 of 2 approvals: looks right'],
      ['decision', 'approved', SECOND, '2 of 2 approvals: ok'],
    ]);
  });

  it('an approval without a comment says only the count; a last one without a comment sets none', async () => {
    const { id } = await service.submit(twoNeeded);
    ok(await service.approve(id, FIRST, { comment: '   ' }));
    const approved = ok(await service.approve(id, SECOND));
    expect(approved.approvals).toEqual([
      { by: FIRST, at: expect.any(Date) },
      { by: SECOND, at: expect.any(Date) },
    ]);
    expect(approved.decisionComment).toBeUndefined();
    expect(await decisionsOf(id)).toEqual([
      ['decision', 'approval_recorded', FIRST, '1 of 2 approvals'],
      ['decision', 'approved', SECOND, '2 of 2 approvals'],
    ]);
  });

  it('the same approver twice is refused, says how many are missing, and the request stays pending', async () => {
    const { id } = await service.submit(twoNeeded);
    ok(await service.approve(id, FIRST));
    const again = await service.approve(id, FIRST);
    expect(again).toEqual({
      ok: false,
      code: 'already_approved',
      message: `You have already approved ${id} (New Moodle account for Jane Doe); it runs once 1 more approver approves it, so nothing is left for you to do.`,
      current: expect.objectContaining({ status: 'pending', version: 2 }),
    });
    expect(await store.getRequest(id)).toMatchObject({ status: 'pending', version: 2, approvals: [{ by: FIRST }] });
  });

  it('the requester never counts, even as the one approval still missing', async () => {
    const { id } = await service.submit(twoNeeded);
    expect(await service.approve(id, REQUESTER)).toMatchObject({ ok: false, code: 'self_decision' });
    ok(await service.approve(id, FIRST));
    expect(await service.approve(id, REQUESTER)).toMatchObject({ ok: false, code: 'self_decision' });
    expect(await store.getRequest(id)).toMatchObject({ status: 'pending', approvals: [{ by: FIRST }] });
  });

  it('a correction starts the count again: those who approved before did not approve the corrected record', async () => {
    const { id } = await service.submit(twoNeeded);
    ok(await service.approve(id, FIRST));
    const corrected = ok(await service.approve(id, SECOND, { corrections: { firstname: 'Janet' } }));
    expect(corrected).toMatchObject({ status: 'pending', approvals: [{ by: SECOND }] });
    expect(corrected.payload).toMatchObject({ user: { firstname: 'Janet' } });
    const approved = ok(await service.approve(id, FIRST));
    expect(approved).toMatchObject({ status: 'approved', decidedBy: FIRST });
    expect(approved.approvals.map((a) => a.by)).toEqual([SECOND, FIRST]);
  });

  it('a correction that changes nothing keeps the approvals given', async () => {
    const { id } = await service.submit(twoNeeded);
    ok(await service.approve(id, FIRST));
    const approved = ok(await service.approve(id, SECOND, { corrections: { firstname: 'Jane' } }));
    expect(approved).toMatchObject({ status: 'approved', approvals: [{ by: FIRST }, { by: SECOND }] });
    expect(approved.corrections).toBeUndefined();
  });
});

describe('two approvals at once', () => {
  it('a first approval that loses to another first approval is built again and completes the request', async () => {
    const { id } = await service.submit(twoNeeded);
    const raced = racing(() => service.approve(id, SECOND));
    const result = ok(await raced.service.approve(id, FIRST));
    expect(result).toMatchObject({ status: 'approved', decidedBy: FIRST });
    expect(result.approvals.map((a) => a.by)).toEqual([SECOND, FIRST]);
    expect(raced.writes()).toBe(2);
  });

  it('two racing for the last approval: the request is approved exactly once, the loser is told', async () => {
    const { id } = await service.submit(twoNeeded);
    ok(await service.approve(id, FIRST));
    const loser = await racing(() => service.approve(id, SECOND)).service.approve(id, THIRD);
    expect(loser).toMatchObject({
      ok: false,
      code: 'not_pending',
      message: `${id} (New Moodle account for Jane Doe) was already approved by ${SECOND}; nothing is left for you to do.`,
      current: { status: 'approved', decidedBy: SECOND },
    });
    expect(await store.getRequest(id)).toMatchObject({ approvals: [{ by: FIRST }, { by: SECOND }] });
    const decisions = await decisionsOf(id);
    expect(decisions.filter(([kind, outcome]) => kind === 'decision' && outcome === 'approved')).toHaveLength(1);
    expect(decisions.at(-1)).toEqual([
      'refusal',
      'not_pending',
      THIRD,
      `${id} (New Moodle account for Jane Doe) was already approved by ${SECOND}; nothing is left for you to do.`,
    ]);
  });

  it('the same approver twice at once counts once', async () => {
    const { id } = await service.submit(twoNeeded);
    const again = await racing(() => service.approve(id, FIRST)).service.approve(id, FIRST);
    expect(again).toMatchObject({ ok: false, code: 'already_approved' });
    expect(await store.getRequest(id)).toMatchObject({ status: 'pending', approvals: [{ by: FIRST }] });
  });

  it('gives up after three lost writes while others keep approving, instead of trying forever', async () => {
    const { id } = await service.submit({ ...twoNeeded, approvalsNeeded: 5 });
    const busy: Store = Object.create(store);
    let writes = 0;
    busy.transition = async (requestId, change) => {
      writes += 1;
      // Another approver's partial approval lands before each of this approver's writes.
      ok(await service.approve(requestId, `UOTHER${writes}`));
      return store.transition(requestId, change);
    };
    const result = await createRequestService({ store: busy, clock: lifecycle.clock, ttlHours: 72 }).approve(id, FIRST);
    expect(result).toMatchObject({ ok: false, code: 'not_pending', current: { status: 'pending' } });
    expect(writes).toBe(3);
    expect((await store.getRequest(id))?.approvals.map((a) => a.by)).toEqual(['UOTHER1', 'UOTHER2', 'UOTHER3']);
  });

  it('a rejection that loses to a partial approval is built again and rejects', async () => {
    const { id } = await service.submit(twoNeeded);
    const rejected = ok(await racing(() => service.approve(id, FIRST)).service.reject(id, SECOND, 'wrong email'));
    expect(rejected).toMatchObject({ status: 'rejected', decidedBy: SECOND, decisionComment: 'wrong email' });
  });
});
