// (f) against a real Moodle (--moodle-url, --moodle-token): an import of bench_import_* accounts with auth nologin
// (no mail is sent), optionally each enrolled in --moodle-course, from approval to the last enrolment; the accounts
// are deleted afterwards. Moodle's own busy time cannot be seen from outside, so only the wall time is reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMoodleClient } from '../src/moodle/client.js';
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
  const stack = await createImportStack({
    moodle: { url: options.url, token: options.token },
    dbPath: join(dir, 'store.db'),
    passwordMode: 'email',
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
    const started = performance.now();
    await stack.approve(id);
    const wallMs = performance.now() - started;
    const outcome = await stack.totals(id);
    return [
      {
        name: `${options.rows} rows${options.course ? ', one course each' : ''}, real Moodle`,
        rows: options.rows,
        course: options.course !== undefined,
        auth: 'nologin',
        passwordMode: 'email',
        scale: 1,
        batchSize: stack.batchSize(options.rows, 'nologin'),
        concurrency: stack.concurrency,
        calls: {},
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
    const found = await cleaner.getUsersByField(
      'username',
      lines.map((l) => l.split(',')[0] as string),
    );
    for (let i = 0; i < found.length; i += 200) await cleaner.deleteUsers(found.slice(i, i + 200).map((u) => u.id));
    options.log(`deleted ${found.length} bench_import_* accounts`);
    await cleaner.close();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
