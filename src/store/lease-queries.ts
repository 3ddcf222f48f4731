// Leases: a named lock held by one process (its holder id) until an expiry taken from the database's own clock, so
// that replicas whose clocks differ still agree on who holds what. Taking, renewing and releasing are each one
// statement, atomic in both dialects: an upsert whose update applies only when the lease is free, expired or already
// ours. A process that stops renewing loses its leases when they expire; another then takes them.
import { sql } from 'kysely';
import type { StoreDialect } from './dialect.js';

export function createLeaseQueries(dialect: StoreDialect) {
  const { db } = dialect;

  return {
    /** Takes or renews `name` for `holder` for `ttlMs`; false if another holder's lease is still live. */
    async acquire(name: string, holder: string, ttlMs: number, options: { takeOver?: boolean } = {}): Promise<boolean> {
      const expires = dialect.nowPlus(ttlMs);
      const row = await dialect.writeOne((q) =>
        q
          .insertInto('leases')
          .values({ name, holder, expires_at: expires, acquired_at: dialect.now() })
          .onConflict((oc) => {
            const update = oc.column('name').doUpdateSet({
              holder,
              expires_at: expires,
              // A renewal keeps the time the holder first took it.
              acquired_at: sql<string>`CASE WHEN leases.holder = ${holder} THEN leases.acquired_at ELSE ${dialect.now()} END`,
            });
            return options.takeOver
              ? update
              : update.where((eb) =>
                  eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', dialect.now())]),
                );
          })
          .returning('holder')
          .executeTakeFirst(),
      );
      await dialect.durable();
      return row?.holder === holder;
    },

    /** Gives `name` up at once, if `holder` still has it (a graceful stop hands the job over without waiting). */
    async release(name: string, holder: string): Promise<void> {
      await dialect.writeOne((q) =>
        q.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute(),
      );
      await dialect.durable();
    },

    /** Who holds `name` now; undefined when nobody does or the lease has expired. */
    async findHolder(name: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('leases')
        .select('holder')
        .where('name', '=', name)
        .where('expires_at', '>', dialect.now())
        .executeTakeFirst();
      return row?.holder;
    },

    /**
     * Executions whose process holds no live lease (it stopped renewing: it died) or is unknown (started by a release
     * without leases, or by a process that never held one). A live replica holds at least its presence lease.
     */
    selectOrphanedExecutions() {
      return db
        .selectFrom('requests')
        .selectAll()
        .where('status', '=', 'executing')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('leases')
                .select('leases.name')
                .whereRef('leases.holder', '=', 'requests.executing_holder')
                .where('leases.expires_at', '>', dialect.now()),
            ),
          ),
        )
        .orderBy('created_at')
        .orderBy('id');
    },
  };
}
