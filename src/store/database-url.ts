// Reads DATABASE_URL. Only SQLite is implemented; the scheme is checked so that a PostgreSQL URL gets a
// clear "not supported yet" instead of becoming a file called "postgres:...".
import { StoreError } from './errors.js';

export type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'sqlite-memory' };

export const DEFAULT_DATABASE_URL = 'sqlite:data/moodle-provisioner.db';

/** `sqlite:relative/path.db`, `sqlite:/absolute/path.db`, `sqlite:///absolute/path.db`, or `sqlite::memory:`. */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const trimmed = url.trim();
  if (!trimmed.startsWith('sqlite:')) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1];
    throw new StoreError(
      'unsupported_database_url',
      scheme
        ? `DATABASE_URL uses "${scheme}:", which is not supported yet; use sqlite:path/to/file.db`
        : 'DATABASE_URL must look like sqlite:data/moodle-provisioner.db',
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
