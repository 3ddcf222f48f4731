// Reads DATABASE_URL: a SQLite file (the default, for one process) or a PostgreSQL database (for several replicas).
// A URL that is neither gets a clear message instead of becoming a file called "postgres:...".
import { StoreError } from './errors.js';

export type DatabaseLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'sqlite-memory' }
  /** `url` holds the password, if any: never print it; `where` is the printable form. */
  | { kind: 'postgres'; url: string; where: string };

export const DEFAULT_DATABASE_URL = 'sqlite:data/moodle-provisioner.db';

const USAGE = 'use sqlite:data/moodle-provisioner.db or postgres://user:password@host:5432/database';

/** `postgres://user:password@host:port/db?sslmode=...`: where it points, without the password. */
function parsePostgresUrl(url: string): DatabaseLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StoreError('unsupported_database_url', `DATABASE_URL is not a valid PostgreSQL URL; ${USAGE}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (parsed.hostname === '' || database === '' || database.includes('/')) {
    throw new StoreError(
      'unsupported_database_url',
      `DATABASE_URL must name a host and a database, e.g. postgres://app@db.example.org:5432/provisioner`,
    );
  }
  const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
  return { kind: 'postgres', url, where: `postgres://${user}${parsed.hostname}:${parsed.port || '5432'}/${database}` };
}

/**
 * `sqlite:relative/path.db`, `sqlite:/absolute/path.db`, `sqlite:///absolute/path.db`, `sqlite::memory:`, or
 * `postgres://…` / `postgresql://…`.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return parsePostgresUrl(trimmed);
  if (!trimmed.startsWith('sqlite:')) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
    throw new StoreError(
      'unsupported_database_url',
      scheme ? `DATABASE_URL uses "${scheme}:", which is not supported; ${USAGE}` : `DATABASE_URL: ${USAGE}`,
    );
  }
  let rest = trimmed.slice('sqlite:'.length);
  if (rest === ':memory:') return { kind: 'sqlite-memory' };
  if (rest.startsWith('//')) rest = rest.slice(2);
  if (rest === '') {
    throw new StoreError(
      'unsupported_database_url',
      'DATABASE_URL names no file; use sqlite:data/moodle-provisioner.db',
    );
  }
  return { kind: 'sqlite', path: rest };
}
