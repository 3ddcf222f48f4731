// The core as production wires it for an import (the real Moodle client, the batch helper, the SQLite store), with a
// Notifier that only counts progress: what bench/imports.ts measures, against the fake or a real Moodle.

import { systemClock } from '../src/core/clock.js';
import { createBatchSize, DEFAULT_IMPORT_TUNING, ROWS_PER_PART } from '../src/core/import/tuning.js';
import { createPermissions } from '../src/core/permissions.js';
import { createProvisioningService, type ProvisioningService } from '../src/core/provisioning.js';
import { createRequestService } from '../src/core/request-lifecycle.js';
import type { Store } from '../src/core/store.js';
import { createUsersInBatches } from '../src/moodle/batch.js';
import { createMoodleClient, type MoodleClientOptions } from '../src/moodle/client.js';
import { Secret } from '../src/secret.js';
import { openStore } from '../src/store/index.js';
import { plainDirectory, silentNotifier } from '../test/core/core-doubles.js';

export const BENCH_REQUESTER = 'U0REQUESTER';
export const BENCH_APPROVER = 'U0APPROVER';

export interface ImportStack {
  /** Reads, previews and submits a file; returns the pending request's id. */
  submit(data: Uint8Array): Promise<string>;
  /** Approves it: resolves when its execution has ended. */
  approve(id: string): Promise<void>;
  /** What the import did. */
  totals(id: string): Promise<{ created: number; failed: number }>;
  /** Users per create call, and create calls in flight, for an import of `rows` accounts with this auth. */
  tuning(rows: number, auth: string): { batchSize: number; concurrency: number };
  readonly provisioning: ProvisioningService;
  close(): Promise<void>;
}

export async function createImportStack(options: {
  fakes?: { moodle: { url: string; token: string } };
  moodle?: { url: string; token: string };
  dbPath: string;
  passwordMode: 'email' | 'generate';
  /** Told of every Moodle call the stack makes (each retry is one). */
  observe?: MoodleClientOptions['observe'];
}): Promise<ImportStack> {
  const moodle = options.moodle ?? options.fakes?.moodle;
  if (!moodle) throw new Error('no Moodle to import into');
  const store: Store = await openStore(`sqlite:${options.dbPath}`);
  const client = createMoodleClient({
    url: moodle.url,
    token: new Secret(moodle.token),
    timeoutMs: 60_000,
    observe: options.observe,
  });
  const provisioning = createProvisioningService({
    gateway: client,
    requests: createRequestService({ store, clock: systemClock, ttlHours: 72 }),
    store,
    permissions: createPermissions(
      { requesters: [{ kind: 'everyone' }], approvers: [{ kind: 'user', id: BENCH_APPROVER }], admins: [] },
      plainDirectory,
      { clock: systemClock },
    ),
    notifier: silentNotifier({
      importProgress: async () => {},
      // The app uploads the result file: it is written here too, so that its cost is measured.
      importFinished: async (_request, result) => void result.csv.length,
    }),
    clock: systemClock,
    settings: {
      approvalRequired: new Set(['import']),
      passwordMode: options.passwordMode,
      allowedAuth: ['manual', 'oauth2', 'nologin'],
      defaultAuth: 'manual',
      protectedUsers: [],
      moodleUrl: moodle.url,
    },
    createInBatches: (c, users, o) => createUsersInBatches(c, users, o),
  });
  return {
    provisioning,
    // Accounts are created a part at a time: the batch size is that of a part.
    tuning: (rows, auth) => {
      const mailed = auth === 'manual' && options.passwordMode === 'email';
      return {
        batchSize: createBatchSize(Math.min(rows, ROWS_PER_PART), mailed, DEFAULT_IMPORT_TUNING),
        concurrency: mailed ? DEFAULT_IMPORT_TUNING.mailConcurrency : DEFAULT_IMPORT_TUNING.concurrency,
      };
    },
    async submit(data) {
      const read = provisioning.imports.readFile(data, 'bench.csv');
      if (!read.ok) throw new Error(read.error.message);
      const preview = await provisioning.imports.preview({ userId: BENCH_REQUESTER }, read.file, 'create');
      if (preview.kind !== 'preview') throw new Error(JSON.stringify(preview));
      const outcome = await provisioning.imports.submit({ userId: BENCH_REQUESTER }, preview.preview, undefined);
      if (outcome.kind !== 'pending') {
        // The rows' own problems (an unknown course, say) say more than "no row would create an account".
        const first = preview.preview.problems[0];
        const why = first ? `\nrow ${first.row}: ${first.message}` : '';
        throw new Error(`${JSON.stringify(outcome).slice(0, 500)}${why}`);
      }
      return outcome.request.id;
    },
    async approve(id) {
      const outcome = await provisioning.approve(id, BENCH_APPROVER);
      if (outcome.kind !== 'executed' && outcome.kind !== 'failed')
        throw new Error(JSON.stringify(outcome).slice(0, 500));
    },
    async totals(id) {
      const result = await provisioning.imports.result(id);
      return {
        created: result?.totals.created ?? 0,
        failed: (result?.totals.failed ?? 0) + (result?.totals.unfinished ?? 0),
      };
    },
    async close() {
      await client.close();
      await store.close();
    },
  };
}
