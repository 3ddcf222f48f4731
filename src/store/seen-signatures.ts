// Replay refusal across replicas: the hash of each signed Slack request taken, kept until its timestamp leaves the
// window. Claiming is one upsert on the primary key, atomic in both dialects: it inserts a new hash, or takes over a
// row that has expired by the caller's clock, and otherwise changes nothing, so of any number of replicas claiming the
// same hash at once exactly one gets a row back. Expiry is judged by the caller's clock, the one its timestamp-window
// check uses, so a request that passes that check always finds a live row if it was taken before.
import type { StoreDialect } from './dialect.js';

export function createSeenSignatureQueries(dialect: StoreDialect) {
  return {
    /** True for the first claim of `hash` (or of one expired by `now`); false while another claim is live. */
    async claimSignature(hash: string, expiresAt: Date, now: Date): Promise<boolean> {
      const expires = expiresAt.toISOString();
      const row = await dialect.writeOne((q) =>
        q
          .insertInto('seen_signatures')
          .values({ hash, expires_at: expires })
          .onConflict((oc) =>
            oc
              .column('hash')
              .doUpdateSet({ expires_at: expires })
              .where('seen_signatures.expires_at', '<', now.toISOString()),
          )
          .returning('hash')
          .executeTakeFirst(),
      );
      await dialect.durable();
      return row !== undefined;
    },

    /** Deletes the claims that expired before `before`; returns how many. */
    async pruneSignatures(before: Date): Promise<number> {
      const result = await dialect.writeOne((q) =>
        q.deleteFrom('seen_signatures').where('expires_at', '<', before.toISOString()).executeTakeFirst(),
      );
      await dialect.durable();
      return Number(result.numDeletedRows);
    },
  };
}
