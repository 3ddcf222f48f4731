// `npm run audit -- --since 2026-01-01 [--until 2026-01-31] [--format csv|json] [--database sqlite:…]`:
// exports the audit log to stdout for an operator. Needs only DATABASE_URL (not the Slack or Moodle settings),
// so it works on a machine that only holds a copy of the database.
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { defaultEnv } from '../config.js';
import type { AuditEvent } from '../core/audit.js';
import type { Store } from '../core/store.js';
import { DEFAULT_DATABASE_URL, isStoreError, openStore } from '../store/index.js';

export const AUDIT_USAGE = `Usage: npm run audit -- [--since DATE] [--until DATE] [--format csv|json] [--database sqlite:PATH]

  --since     first day (or instant) to include, e.g. 2026-01-01 or 2026-01-01T08:00:00Z
  --until     last day to include (a whole day), or an instant to stop before
  --format    csv (default) or json
  --database  the database to read; default DATABASE_URL, else ${DEFAULT_DATABASE_URL}
Dates without a time are UTC days.`;

export const AUDIT_COLUMNS = [
  'id',
  'at',
  'actor',
  'kind',
  'request_id',
  'operation',
  'target_username',
  'target_email',
  'target_moodle_id',
  'outcome',
  'moodle_id',
  'detail',
] as const;
export type AuditExportRow = Record<(typeof AUDIT_COLUMNS)[number], string | number | null>;

export interface AuditCliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

class UsageError extends Error {}

const DAY_MS = 24 * 60 * 60 * 1000;
const dateOnly = z.iso.date();
const instant = z.iso.datetime({ offset: true, local: false });

/** A date or instant; a date-only `until` means "to the end of that day", so the day itself is included. */
function parseDateOption(name: 'since' | 'until', value: string): Date {
  const text = value.trim();
  if (dateOnly.safeParse(text).success) {
    const start = new Date(`${text}T00:00:00.000Z`);
    return name === 'until' ? new Date(start.getTime() + DAY_MS) : start;
  }
  if (instant.safeParse(text).success) return new Date(text);
  throw new UsageError(
    `--${name} must be a date such as 2026-01-01 or an instant such as 2026-01-01T08:00:00Z, not "${value}".`,
  );
}

export function toExportRow(event: AuditEvent): AuditExportRow {
  return {
    id: event.id,
    at: event.at.toISOString(),
    actor: event.actor,
    kind: event.kind,
    request_id: event.requestId ?? null,
    operation: event.operation ?? null,
    target_username: event.target.username ?? null,
    target_email: event.target.email ?? null,
    target_moodle_id: event.target.moodleId ?? null,
    outcome: event.outcome ?? null,
    moodle_id: event.moodleId ?? null,
    detail: event.detail ?? null,
  };
}

/**
 * Spreadsheets run a cell that starts with = + - @ as a formula, and details hold text people typed into
 * Slack; a leading apostrophe keeps such a cell plain text (OWASP "CSV injection").
 */
function defuseFormula(value: string | number | null): string | number | null {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function formatAuditCsv(events: readonly AuditEvent[]): string {
  const rows = events.map((event) => {
    const row = toExportRow(event);
    return AUDIT_COLUMNS.map((column) => defuseFormula(row[column]));
  });
  return stringify(rows, { header: true, columns: [...AUDIT_COLUMNS] });
}

export function formatAuditJson(events: readonly AuditEvent[]): string {
  return `${JSON.stringify(events.map(toExportRow), null, 2)}\n`;
}

/** Runs the export; returns the exit code (0 done, 1 could not read the database, 2 bad arguments). */
export async function runAuditExport(argv: readonly string[], io: AuditCliIo): Promise<number> {
  let since: Date | undefined;
  let until: Date | undefined;
  let format: 'csv' | 'json';
  let databaseUrl: string;
  try {
    let values: { since?: string; until?: string; format?: string; database?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: [...argv],
        options: {
          since: { type: 'string' },
          until: { type: 'string' },
          format: { type: 'string' },
          database: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (values.help) {
      io.stdout(`${AUDIT_USAGE}\n`);
      return 0;
    }
    if (values.since !== undefined) since = parseDateOption('since', values.since);
    if (values.until !== undefined) until = parseDateOption('until', values.until);
    if (since && until && since.getTime() >= until.getTime()) {
      throw new UsageError(`--since (${values.since}) must come before --until (${values.until}).`);
    }
    const requested = (values.format ?? 'csv').trim().toLowerCase();
    if (requested !== 'csv' && requested !== 'json') {
      throw new UsageError(`--format must be csv or json, not "${values.format}".`);
    }
    format = requested;
    databaseUrl = values.database?.trim() || io.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${error.message}\n\n${AUDIT_USAGE}\n`);
    return 2;
  }

  let store: Store | undefined;
  try {
    store = await openStore(databaseUrl, { fileMustExist: true });
    const query: { since?: Date; until?: Date } = {};
    if (since) query.since = since;
    if (until) query.until = until;
    const events = await store.listAudit(query);
    io.stdout(format === 'csv' ? formatAuditCsv(events) : formatAuditJson(events));
    return 0;
  } catch (error) {
    if (!isStoreError(error)) throw error;
    io.stderr(`Cannot export the audit log: ${error.message}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  process.exitCode = await runAuditExport(process.argv.slice(2), {
    env: defaultEnv(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
