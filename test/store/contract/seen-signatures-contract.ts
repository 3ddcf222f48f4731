// The Store contract for replay refusal across replicas (claimSignature, pruneSignatures): the first claim of a hash
// wins, a second is a replay however many stores race for it, an expired claim can be taken again, and the clean-up
// deletes only what expired. Runs against every store; only PostgreSQL says it is shared by several processes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ContractTarget, useContractDatabase } from './targets.js';

const T = Date.parse('2026-12-07T10:00:00.000Z');
const at = (seconds: number) => new Date(T + seconds * 1000);
const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

export function describeSeenSignaturesContract(target: ContractTarget): void {
  const ctx = useContractDatabase(target);

  describe('seen signatures', () => {
    it(`says whether other processes share it (${target.name === 'postgres'})`, async () => {
      expect((await ctx.open()).sharedAcrossProcesses).toBe(target.name === 'postgres');
    });

    it('the first claim wins; the same hash again, from this store or another, is a replay until it expires', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const hash = hashOf('v0=first');
      expect(await a.claimSignature(hash, at(300), at(0))).toBe(true);
      expect(await a.claimSignature(hash, at(300), at(1))).toBe(false);
      expect(await b.claimSignature(hash, at(300), at(299))).toBe(false);
      // Still live at its expiry itself, as the timestamp window still takes it then.
      expect(await b.claimSignature(hash, at(300), at(300))).toBe(false);
      expect(await b.claimSignature(hashOf('v0=other'), at(300), at(1))).toBe(true);
    });

    it('an expired claim can be taken again, and the new claim is then live', async () => {
      const store = await ctx.open();
      const hash = hashOf('v0=expired');
      expect(await store.claimSignature(hash, at(300), at(0))).toBe(true);
      expect(await store.claimSignature(hash, at(700), at(301))).toBe(true);
      expect(await store.claimSignature(hash, at(700), at(302))).toBe(false);
      expect(await store.claimSignature(hash, at(900), at(699))).toBe(false);
    });

    it('20 claims of one hash over two stores at once: exactly one wins', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const hash = hashOf('v0=raced');
      const claims = Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claimSignature(hash, at(300), at(0)));
      expect((await Promise.all(claims)).filter(Boolean)).toHaveLength(1);
    });

    it('the clean-up deletes only the claims expired before its cut-off', async () => {
      const store = await ctx.open();
      const [old, edge, live] = [hashOf('v0=old'), hashOf('v0=edge'), hashOf('v0=live')];
      await store.claimSignature(old, at(100), at(0));
      await store.claimSignature(edge, at(200), at(0));
      await store.claimSignature(live, at(900), at(0));
      expect(await store.pruneSignatures(at(200))).toBe(1);
      expect(await store.pruneSignatures(at(200))).toBe(0);
      // Judged by the caller's clock, the edge and live claims are still there; the deleted one can be taken again.
      expect(await store.claimSignature(edge, at(1000), at(150))).toBe(false);
      expect(await store.claimSignature(live, at(1000), at(150))).toBe(false);
      expect(await store.claimSignature(old, at(1000), at(50))).toBe(true);
    });
  });
}
