// `moodle-provisioner audit --since 2026-01-01 [--until 2026-01-31] [--format csv|json] [--database sqlite:…]`:
// exports the audit log to stdout for an operator. Needs only DATABASE_URL (not the Slack or Moodle settings),
// so it works on a machine that only holds a copy of the database.
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { AuditEvent } from '../core/audit.js';
import type { Store } from '../core/store.js';
import { DEFAULT_DATABASE_URL, isStoreError, openStore } from '../store/index.js';
import { type CliCommand, type CliIo, parseCommandOptions, UsageError } from './command.js';

export const AUDIT_USAGE = `Usage: moodle-provisioner audit [--since DATE] [--until DATE] [--format csv|json] [--database sqlite:PATH]

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

/** Runs the export; resolves with the exit code (0 done, 1 could not read the database); throws UsageError. */
export async function runAuditExport(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parseCommandOptions(argv, {
    since: { type: 'string' },
    until: { type: 'string' },
    format: { type: 'string' },
    database: { type: 'string' },
  });
  const since = values.since === undefined ? undefined : parseDateOption('since', values.since);
  const until = values.until === undefined ? undefined : parseDateOption('until', values.until);
  if (since && until && since.getTime() >= until.getTime()) {
    throw new UsageError(`--since (${values.since}) must come before --until (${values.until}).`);
  }
  const format = (values.format ?? 'csv').trim().toLowerCase();
  if (format !== 'csv' && format !== 'json') {
    throw new UsageError(`--format must be csv or json, not "${values.format}".`);
  }
  const databaseUrl = values.database?.trim() || io.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;

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

export const auditCommand: CliCommand = { usage: AUDIT_USAGE, run: runAuditExport };
