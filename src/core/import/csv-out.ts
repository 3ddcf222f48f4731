// The CSV files an import hands out (the full check, the result), written with csv-stringify a few hundred rows at
// a time: each part is one flat string, so the pieces a record is built from die young instead of being kept, for
// every row of a 10,000-row file at once, until the end (docs/PERFORMANCE.md (f), "Memory").
import { stringify } from 'csv-stringify/sync';

/** Rows stringified at once. */
const ROWS_PER_PART = 500;

export function csvOf<T>(header: readonly string[], rows: readonly T[], cells: (row: T) => unknown[]): string {
  const parts = [stringify([header])];
  for (let i = 0; i < rows.length; i += ROWS_PER_PART) {
    parts.push(stringify(rows.slice(i, i + ROWS_PER_PART).map(cells)));
  }
  return parts.join('');
}
