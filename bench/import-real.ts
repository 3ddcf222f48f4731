// (f) against a real Moodle (--moodle-url, --moodle-token): an import of bench_import_* accounts with auth nologin
// (no mail is sent), optionally each enrolled in --moodle-course, from approval to the last enrolment; the accounts
// are deleted afterwards. Moodle's own busy time cannot be seen from outside, so only the wall time is reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMoodleClient, type MoodleClient } from '../src/moodle/client.js';
import { Secret } from '../src/secret.js';
import { createImportStack } from './import-stack.js';
import { CLI_BASELINE_MS, type ImportBenchRow } from './imports.js';

export async function benchImportReal(options: {
  url: string;
  token: string;
  rows: number;
  course: string | undefined;
  log: (line: string) => void;
}): Promise<ImportBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-real-'));
  // The calls from approval on, as the client made them (the fake cases count them as the fake saw them).
  const calls: Record<string, number> = {};
  let counting = false;
  const stack = await createImportStack({
    moodle: { url: options.url, token: options.token },
    dbPath: join(dir, 'store.db'),
    passwordMode: 'email',
    observe: (fn) => {
      if (counting) calls[fn] = (calls[fn] ?? 0) + 1;
    },
  });
  const cleaner = createMoodleClient({ url: options.url, token: new Secret(options.token), timeoutMs: 60_000 });
  const prefix = `bench_import_${Date.now().toString(36)}_`;
  const head = `username,firstname,lastname,email,auth${options.course ? ',course1' : ''}`;
  const lines = Array.from(
    { length: options.rows },
    (_, i) =>
      `${prefix}${i},Bench,User ${i},${prefix}${i}@example.invalid,nologin${options.course ? `,${options.course}` : ''}`,
  );
  try {
    const id = await stack.submit(new TextEncoder().encode(`${head}\n${lines.join('\n')}\n`));
    counting = true;
    const started = performance.now();
    await stack.approve(id);
    const wallMs = performance.now() - started;
    counting = false;
    const outcome = await stack.totals(id);
    return [
      {
        name: `${options.rows.toLocaleString('en-US')} rows${options.course ? ', one course each' : ''}, real Moodle`,
        rows: options.rows,
        course: options.course !== undefined,
        auth: 'nologin',
        passwordMode: 'email',
        scale: 1,
        ...stack.tuning(options.rows, 'nologin'),
        calls,
        wallMs,
        // Moodle's own time cannot be observed from outside: left out of the overhead figure.
        busyMs: Number.NaN,
        ratio: Number.NaN,
        ...(options.course && options.rows === 1_000 ? { baselineMs: CLI_BASELINE_MS } : {}),
        created: outcome.created,
        failed: outcome.failed,
      },
    ];
  } finally {
    // A failed clean-up is told, not thrown: it must not hide why the import itself failed.
    try {
      const deleted = await deleteAccounts(
        cleaner,
        lines.map((l) => l.split(',')[0] as string),
      );
      options.log(`deleted ${deleted} bench_import_* accounts`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      options.log(`could not delete the ${prefix}* accounts, delete them by hand: ${why}`);
    } finally {
      await cleaner.close();
      await stack.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

// A site drops the request variables past PHP's max_input_vars (5,000 recommended, often 1,000): the usernames are
// looked up LOOKUP_CHUNK at a time, as the import's own look-ups are, so that no account is left behind.
const LOOKUP_CHUNK = 500;
const DELETE_CHUNK = 200;

async function deleteAccounts(cleaner: MoodleClient, usernames: readonly string[]): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < usernames.length; i += LOOKUP_CHUNK) {
    const found = await cleaner.getUsersByField('username', usernames.slice(i, i + LOOKUP_CHUNK));
    for (let j = 0; j < found.length; j += DELETE_CHUNK) {
      await cleaner.deleteUsers(found.slice(j, j + DELETE_CHUNK).map((u) => u.id));
    }
    deleted += found.length;
  }
  return deleted;
}
