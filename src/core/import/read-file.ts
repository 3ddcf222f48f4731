// Reading an import file: the bytes as downloaded from Slack, checked as a whole (size, UTF-8, a header naming the
// required columns, no password column, the row limit), then parsed with csv-parse into compact rows. Each refusal
// is one sentence for the inline error on the file field. Cells are never judged here: see check-rows.ts.
import { createHash } from 'node:crypto';
import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import type { UserProfileFields } from '../moodle-gateway.js';
import {
  type ColumnRole,
  columnRole,
  normaliseHeader,
  PASSWORD_COLUMN_MESSAGE,
  REQUIRED_COLUMNS,
  SUPPORTED_COLUMNS_TEXT,
} from './columns.js';
import type {
  ImportFile,
  ImportFileError,
  ImportFileErrorCode,
  ImportFileResult,
  ImportFileRow,
  ImportLimits,
} from './types.js';

const DELIMITERS = [',', ';', '\t'] as const;

class FileRefused extends Error {
  constructor(readonly refusal: ImportFileError) {
    super(refusal.message);
  }
}

function refuse(code: ImportFileErrorCode, message: string): never {
  throw new FileRefused({ code, message });
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1)} MB`;
}

/** Whole-file checks before parsing: size, binary content (a spreadsheet saved as .xlsx), UTF-8. */
function decode(data: Uint8Array, limits: ImportLimits): string {
  if (data.length === 0)
    refuse('empty', 'The file is empty. Choose a CSV file with a header row and one row per account.');
  if (data.length > limits.maxBytes) {
    refuse(
      'too_large',
      `The file is ${megabytes(data.length)}; the limit is ${megabytes(limits.maxBytes)}. Split it into smaller files.`,
    );
  }
  if (data[0] === 0x50 && data[1] === 0x4b) {
    refuse('not_csv', 'This is a spreadsheet (.xlsx or another zip file), not CSV. In Excel use Save As › CSV UTF-8.');
  }
  if (data.includes(0)) refuse('not_csv', 'This is not a text file. Save the sheet as CSV UTF-8 and upload that.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    refuse(
      'not_utf8',
      'The file is not UTF-8 text (accented letters would come out wrong). In Excel use Save As › CSV UTF-8.',
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') refuse('empty', 'The file has no rows. It needs a header row and one row per account.');
  return text;
}

/** The delimiter the header line uses most: comma, semicolon (Excel in many locales) or tab. */
export function detectDelimiter(text: string): string {
  const end = text.search(/\r?\n/);
  const header = end < 0 ? text : text.slice(0, end);
  let best: string = DELIMITERS[0];
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    let count = 0;
    let quoted = false;
    for (const ch of header) {
      if (ch === '"') quoted = !quoted;
      else if (ch === delimiter && !quoted) count += 1;
    }
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}

/** The header row's columns; refuses a header that names no column, a password column, unknown or repeated ones. */
function readHeader(cells: readonly string[]): Array<ColumnRole | undefined> {
  const names = cells.map(normaliseHeader);
  const roles = names.map(columnRole);
  if (roles.every((r) => r === undefined) && !names.includes('password')) {
    refuse(
      'no_header',
      `The first row must name the columns (${REQUIRED_COLUMNS.join(', ')}, …); it names none of them.`,
    );
  }
  if (names.includes('password')) refuse('password_column', PASSWORD_COLUMN_MESSAGE);
  const unknown = names.filter((_name, i) => roles[i] === undefined);
  if (unknown.length > 0) {
    const shown = unknown
      .map((n) => (n === '' ? '(empty)' : `"${n.slice(0, 40)}"`))
      .slice(0, 5)
      .join(', ');
    refuse(
      'unknown_columns',
      `The file has columns this app does not take: ${shown}. The columns are ${SUPPORTED_COLUMNS_TEXT}.`,
    );
  }
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) refuse('unknown_columns', `The column "${repeated}" appears twice in the header row.`);
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    refuse(
      'missing_columns',
      `The file has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}; every account needs them.`,
    );
  }
  return roles;
}

/** One data row from its cells; undefined for a row whose cells are all empty (a trailing line in Excel's CSV). */
function readRow(
  cells: readonly string[],
  roles: ReadonlyArray<ColumnRole | undefined>,
  row: number,
): ImportFileRow | undefined {
  if (cells.every((c) => c.trim() === '')) return undefined;
  const fields: Partial<Record<keyof UserProfileFields, string>> = {};
  const courses = new Map<number, { course: string; role: string }>();
  const cohorts = new Map<number, string>();
  const problems: string[] = [];
  const roleOnly: number[] = [];
  roles.forEach((role, i) => {
    const value = (cells[i] ?? '').trim();
    if (!role || value === '') return;
    if (role.kind === 'field') fields[role.field] = value;
    else if (role.kind === 'cohort') cohorts.set(role.n, value);
    else {
      const entry = courses.get(role.n) ?? { course: '', role: '' };
      entry[role.kind] = value;
      courses.set(role.n, entry);
    }
  });
  for (const [n, entry] of courses) if (entry.course === '') roleOnly.push(n);
  if (cells.length > roles.length)
    problems.push(`The row has ${cells.length} cells but the header names ${roles.length} columns.`);
  if (roleOnly.length > 0) problems.push(`role${roleOnly[0]} is set but course${roleOnly[0]} is empty.`);
  const sorted = <T>(m: Map<number, T>) => [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  return {
    row,
    ...(problems.length > 0 ? { problems } : {}),
    fields,
    courses: sorted(courses).filter((c) => c.course !== ''),
    cohorts: sorted(cohorts),
  };
}

function csvRefusal(err: CsvError): ImportFileError {
  const line = (err as CsvError & { lines?: number }).lines;
  const where = typeof line === 'number' ? ` near line ${line}` : '';
  return {
    code: 'not_csv',
    message: `The file cannot be read as CSV${where}: a quote is not closed or a cell is malformed. Save it again as CSV UTF-8.`,
  };
}

/** Reads a downloaded file into rows, or says in one sentence why the file as a whole cannot be used. */
export function readImportFile(data: Uint8Array, fileName: string, limits: ImportLimits): ImportFileResult {
  try {
    const text = decode(data, limits);
    let roles: Array<ColumnRole | undefined> | undefined;
    let columns: string[] = [];
    const rows: ImportFileRow[] = [];
    parse(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      // O"Brien typed by hand: a quote inside an unquoted cell is a character, as Excel reads it.
      relax_quotes: true,
      skip_empty_lines: false,
      on_record: (cells: string[], info) => {
        if (!roles) {
          roles = readHeader(cells);
          columns = cells.map(normaliseHeader);
          return null;
        }
        const row = readRow(cells, roles, info.records);
        if (row) {
          if (rows.length >= limits.maxRows) {
            refuse(
              'too_many_rows',
              `The file has more than ${limits.maxRows.toLocaleString('en')} rows, the limit. Split it into smaller files.`,
            );
          }
          rows.push(row);
        }
        // Nothing is kept by the parser itself: the rows are the compact ones above.
        return null;
      },
    });
    if (rows.length === 0) refuse('empty', 'The file has a header row but no account rows.');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const file: ImportFile = { fileName, sha256, columns, rows };
    return { ok: true, file };
  } catch (err) {
    if (err instanceof FileRefused) return { ok: false, error: err.refusal };
    if (err instanceof CsvError) return { ok: false, error: csvRefusal(err) };
    throw err;
  }
}
