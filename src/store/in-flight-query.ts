// The look-up of requests in flight by target (Store.findInFlight), written once for both dialects. Each branch
// repeats, word for word, a partial index's WHERE clause (migration 3 in SQLite, 1 in PostgreSQL) with literal
// statuses: SQLite uses a partial index only when the query's WHERE contains the index's, and a bound parameter
// proves nothing. One SELECT per index joined by UNION, since SQLite does not combine indexes for an OR.
import { type Kysely, sql } from 'kysely';
import type { InFlightMatch } from '../core/store.js';
import type { Database } from './schema.js';

const IN_FLIGHT = ['pending', 'approved', 'executing'].map((status) => sql.lit(status));

/** Each distinct value once: a repeated one would only lengthen the statement. */
export function distinctValues(match: InFlightMatch): { usernames: string[]; emails: string[]; keys: string[] } {
  return {
    usernames: [...new Set(match.usernames ?? [])],
    emails: [...new Set(match.emails ?? [])],
    keys: [...new Set(match.targetKeys ?? [])],
  };
}

/**
 * Requests of one operation in flight whose target has one of the usernames, one of the emails (lower() on both
 * sides: ASCII-only folding in SQLite, emails are ASCII) or one of the keys; pending first, then approved, then
 * executing, each oldest first. Undefined when nothing is asked. Exported for the query-plan test.
 */
export function buildInFlightQuery(db: Kysely<Database>, match: InFlightMatch) {
  const { usernames, emails, keys } = distinctValues(match);
  const base = () =>
    db
      .selectFrom('requests')
      .select(['id', 'status', 'requester_id', 'created_at', 'target_username', 'target_email'])
      .where('status', 'in', IN_FLIGHT)
      .where('operation', '=', match.operation);
  const branches = [
    ...(usernames.length > 0 ? [base().where('target_username', 'in', usernames)] : []),
    ...(emails.length > 0
      ? [
          base().where((eb) =>
            eb(
              eb.fn('lower', ['target_email']),
              'in',
              emails.map((email) => eb.fn<string>('lower', [eb.val(email)])),
            ),
          ),
        ]
      : []),
    ...(keys.length > 0 ? [base().where('target_key', 'in', keys)] : []),
  ];
  const [first, ...rest] = branches;
  if (!first) return undefined;
  const union = rest.reduce((query, branch) => query.union(branch), first);
  return db
    .selectFrom(union.as('found'))
    .select(['id', 'status', 'requester_id', 'target_username', 'target_email'])
    .orderBy(sql`CASE status WHEN 'pending' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END`)
    .orderBy('created_at')
    .orderBy('id');
}
