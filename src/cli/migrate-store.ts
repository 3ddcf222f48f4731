// `moodle-provisioner migrate-store --to postgres://…`: copies the requests and the audit log from one database to
// another (SQLite to PostgreSQL when moving to several replicas, or back), then verifies the copy row by row. Stop
// the app first: requests made during the copy would not be in it.
import { copyStore, DEFAULT_DATABASE_URL, isStoreError } from '../store/index.js';
import { type CliCommand, type CliIo, parseCommandOptions, UsageError } from './command.js';

export const MIGRATE_STORE_USAGE = `Usage: moodle-provisioner migrate-store --to DATABASE_URL [--from DATABASE_URL]

  --from  the database to copy; default DATABASE_URL, else ${DEFAULT_DATABASE_URL}
  --to    an empty database to copy into, e.g. postgres://provisioner:password@db.example.org:5432/provisioner
Copies every request and audit event with its id, then reads both back to check the copy. Stop the app first.`;

/** Resolves with the exit code: 0 copied and verified, 1 the copy failed or was refused; throws UsageError. */
export async function runMigrateStore(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parseCommandOptions(argv, { from: { type: 'string' }, to: { type: 'string' } });
  const to = values.to?.trim();
  if (!to) throw new UsageError('--to is required: the database to copy into.');
  const from = values.from?.trim() || io.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  try {
    const report = await copyStore(from, to);
    io.stdout(
      `Copied ${report.requests} requests, ${report.auditEvents} audit events, ${report.scheduledActions} scheduled actions and ${report.importRows} import rows from ${report.from} to ${report.to}; ` +
        'every row reads back the same. Point DATABASE_URL at the new database and start the app.\n',
    );
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    io.stderr(`Cannot copy the store: ${error.message}\n`);
    return 1;
  }
}

export const migrateStoreCommand: CliCommand = { usage: MIGRATE_STORE_USAGE, run: runMigrateStore };
