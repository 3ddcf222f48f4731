// `npm run migrate-store -- --to postgres://…`: copies the requests and the audit log from one database to another
// (SQLite to PostgreSQL when moving to several replicas, or back), then verifies the copy row by row. Stop the app
// first: requests made during the copy would not be in it. A standalone command with run(argv) for the CLI registry.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultEnv } from '../config.js';
import { copyStore, DEFAULT_DATABASE_URL, isStoreError } from '../store/index.js';

export const MIGRATE_STORE_USAGE = `Usage: npm run migrate-store -- --to DATABASE_URL [--from DATABASE_URL]

  --from  the database to copy; default DATABASE_URL, else ${DEFAULT_DATABASE_URL}
  --to    an empty database to copy into, e.g. postgres://provisioner:password@db.example.org:5432/provisioner
Copies every request and audit event with its id, then reads both back to check the copy. Stop the app first.`;

export interface MigrateStoreIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo = (): MigrateStoreIo => ({
  env: defaultEnv(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});

/** Returns the exit code: 0 copied and verified, 1 the copy failed or was refused, 2 a usage mistake. */
export async function run(argv: readonly string[], io: MigrateStoreIo = processIo()): Promise<number> {
  let from: string;
  let to: string;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { from: { type: 'string' }, to: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    });
    if (values.help) {
      io.stdout(`${MIGRATE_STORE_USAGE}\n`);
      return 0;
    }
    if (!values.to?.trim()) throw new Error('--to is required.');
    to = values.to.trim();
    from = values.from?.trim() || io.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${MIGRATE_STORE_USAGE}\n`);
    return 2;
  }
  try {
    const report = await copyStore(from, to);
    io.stdout(
      `Copied ${report.requests} requests and ${report.auditEvents} audit events from ${report.from} to ${report.to}; ` +
        'every row reads back the same. Point DATABASE_URL at the new database and start the app.\n',
    );
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    io.stderr(`Cannot copy the store: ${error.message}\n`);
    return 1;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) process.exitCode = await run(process.argv.slice(2));
