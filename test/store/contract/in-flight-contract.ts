// Store.findInFlight for creates: the create requests a new create must not clash with, found by username or email
// through the in-flight partial indexes rather than by reading every waiting request. It must find exactly what
// findByStatus would (pending, approved, executing; creates only; in that order, each oldest first) by each request's
// current target username and email, and ignore case in emails. Runs against every store.
import { beforeEach, describe, expect, it } from 'vitest';
import { applyCorrections } from '../../../src/core/request-corrections.js';
import type { NewRequest, RequestRecord, RequestStatus } from '../../../src/core/requests.js';
import type { Store } from '../../../src/core/store.js';
import { type ContractTarget, useContractDatabase } from './targets.js';

let minute = 0;
/** A create request, each one a minute younger than the one before. */
export function createOf(username: string, email = `${username}@example.org`): NewRequest {
  minute += 1;
  return {
    requester: { userId: `U${username.toUpperCase()}` },
    target: { username, email },
    payload: { operation: 'create', user: { username, email, firstname: 'A', lastname: 'B', auth: 'manual' } },
    createdAt: new Date(Date.UTC(2026, 1, 1, 10, minute)),
  };
}

/** Moves a request along `path` by allowed transitions. */
export async function moveTo(store: Store, request: RequestRecord, path: RequestStatus[]): Promise<RequestRecord> {
  let current = request;
  for (const to of path) {
    const result = await store.transition(current.id, {
      from: current.status,
      expectedVersion: current.version,
      to,
      at: new Date(),
    });
    if (!result.ok) throw new Error('setup failed');
    current = result.request;
  }
  return current;
}

export function describeInFlightContract(target: ContractTarget): void {
  const ctx = useContractDatabase(target);
  let store: Store;

  const ids = (found: { id: string }[]) => found.map((r) => r.id);

  describe('findInFlight for creates', () => {
    beforeEach(async () => {
      store = await ctx.open();
    });

    it('finds waiting creates by username or email, in the order findByStatus gives, each once', async () => {
      const executing = await moveTo(store, await store.createRequest(createOf('exec')), ['approved', 'executing']);
      const approved = await moveTo(store, await store.createRequest(createOf('appr', 'Appr@Example.org')), [
        'approved',
      ]);
      const pendingOld = await store.createRequest(createOf('old'));
      const pendingNew = await store.createRequest(createOf('new'));

      const all = ['exec', 'appr', 'old', 'new'];
      const found = await store.findInFlight({
        operation: 'create',
        usernames: all,
        emails: ['old@example.org', 'APPR@example.ORG'],
      });
      expect(found).toEqual([
        { id: pendingOld.id, status: 'pending', requesterId: 'UOLD', username: 'old', email: 'old@example.org' },
        { id: pendingNew.id, status: 'pending', requesterId: 'UNEW', username: 'new', email: 'new@example.org' },
        { id: approved.id, status: 'approved', requesterId: 'UAPPR', username: 'appr', email: 'Appr@Example.org' },
        { id: executing.id, status: 'executing', requesterId: 'UEXEC', username: 'exec', email: 'exec@example.org' },
      ]);

      const viaRecords = (
        await Promise.all((['pending', 'approved', 'executing'] as const).map((s) => store.findByStatus(s)))
      )
        .flat()
        .flatMap((r) =>
          r.payload.operation === 'create' ? [[r.id, r.payload.user.username, r.payload.user.email]] : [],
        );
      expect(found.map((r) => [r.id, r.username, r.email])).toEqual(viaRecords);

      expect(ids(await store.findInFlight({ operation: 'create', usernames: ['new'] }))).toEqual([pendingNew.id]);
      expect(ids(await store.findInFlight({ operation: 'create', emails: ['exec@example.org'] }))).toEqual([
        executing.id,
      ]);
      // Matching on both, or on a value given twice, still lists the request once.
      expect(
        ids(
          await store.findInFlight({
            operation: 'create',
            usernames: ['old', 'old'],
            emails: ['old@example.org', 'OLD@example.org'],
          }),
        ),
      ).toEqual([pendingOld.id]);
    });

    it('ignores case in emails but not in usernames (Moodle usernames are lowercase)', async () => {
      const request = await store.createRequest(createOf('mixed', 'Mixed.Case@Example.ORG'));
      for (const email of ['mixed.case@example.org', 'MIXED.CASE@EXAMPLE.ORG', 'Mixed.Case@Example.ORG']) {
        expect(ids(await store.findInFlight({ operation: 'create', emails: [email] }))).toEqual([request.id]);
      }
      expect(await store.findInFlight({ operation: 'create', usernames: ['MIXED'] })).toEqual([]);
      expect(await store.findInFlight({ operation: 'create', emails: ['mixed.case@example.net'] })).toEqual([]);
    });

    it('ignores requests that are not creates, and creates that are finished', async () => {
      const finished = [
        ['succeeded', ['approved', 'executing', 'succeeded']],
        ['failed', ['approved', 'executing', 'failed']],
        ['rejected', ['rejected']],
        ['cancelled', ['cancelled']],
        ['expired', ['expired']],
      ] as const;
      for (const [name, path] of finished) await moveTo(store, await store.createRequest(createOf(name)), [...path]);
      await store.createRequest({
        requester: { userId: 'UX' },
        target: { moodleId: 5, username: 'suspendme', email: 'suspendme@example.org' },
        payload: { operation: 'suspend' },
        createdAt: new Date(Date.UTC(2026, 1, 1, 9)),
      });
      await store.createRequest({
        requester: { userId: 'UX' },
        target: { moodleId: 6, username: 'updateme', email: 'updateme@example.org' },
        payload: {
          operation: 'update',
          changes: [{ field: 'email', before: 'a@example.org', after: 'updateme@example.org' }],
        },
        createdAt: new Date(Date.UTC(2026, 1, 1, 9)),
      });
      const names = [...finished.map(([name]) => name), 'suspendme', 'updateme'];
      expect(
        await store.findInFlight({
          operation: 'create',
          usernames: names,
          emails: names.map((n) => `${n}@example.org`),
        }),
      ).toEqual([]);
    });

    it('finds a request by its corrected username and email, no longer by the ones it was asked with', async () => {
      const request = await store.createRequest(createOf('typo', 'typo@example.org'));
      const corrected = applyCorrections(request, { username: 'fixed', email: 'Fixed@Example.org' });
      if (!corrected.ok) throw new Error(corrected.message);
      const approved = await store.transition(request.id, {
        from: 'pending',
        expectedVersion: request.version,
        to: 'approved',
        at: new Date(),
        patch: { corrections: corrected.diff, payload: corrected.payload, target: corrected.target },
      });
      expect(approved.ok).toBe(true);

      expect(await store.findInFlight({ operation: 'create', usernames: ['fixed'] })).toEqual([
        { id: request.id, status: 'approved', requesterId: 'UTYPO', username: 'fixed', email: 'Fixed@Example.org' },
      ]);
      expect(ids(await store.findInFlight({ operation: 'create', emails: ['fixed@example.org'] }))).toEqual([
        request.id,
      ]);
      expect(
        await store.findInFlight({ operation: 'create', usernames: ['typo'], emails: ['typo@example.org'] }),
      ).toEqual([]);
    });

    it('matches nothing when asked for nothing', async () => {
      await store.createRequest(createOf('someone'));
      expect(await store.findInFlight({ operation: 'create' })).toEqual([]);
      expect(await store.findInFlight({ operation: 'create', usernames: [], emails: [] })).toEqual([]);
    });

    it('reads the target columns, not the payload: a request with an unreadable payload is still found', async () => {
      const request = await store.createRequest(createOf('broken'));
      await ctx
        .database()
        .exec(
          `UPDATE requests SET payload = '{"operation":"create","user":{"username":"broken"}}' WHERE id = '${request.id}'`,
        );
      expect(ids(await store.findInFlight({ operation: 'create', usernames: ['broken'] }))).toEqual([request.id]);
      await expect(store.getRequest(request.id)).rejects.toMatchObject({
        code: 'corrupt_row',
        message: expect.stringContaining(request.id),
      });
    });
  });
}
