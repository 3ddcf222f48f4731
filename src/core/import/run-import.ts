// Running an approved import, or resuming one: from the rows' stored states, so that a retry, or the reconcile job
// after a crash, carries on where the last run stopped without creating any account twice or losing a row.
import { SYSTEM_ACTOR } from '../audit.js';
import type { Clock } from '../clock.js';
import type { MoodleGateway } from '../moodle-gateway.js';
import type { OperationSettings } from '../operations/types.js';
import { MembershipPipeline } from './pipeline.js';
import type { BatchCreator, ImportRowStore } from './ports.js';
import { buildImportResult, describeTotals } from './result.js';
import { reconcileSending, runCreates, runUpdates, type Stop } from './run-accounts.js';
import { runMemberships } from './run-memberships.js';
import { ImportTracker } from './tracker.js';
import type { ImportTuning } from './tuning.js';
import type { ImportProgress, ImportResult, ImportTotals } from './types.js';

/** What an import's execution needs besides the gateway and settings (OperationContext.imports). */
export interface ImportRunDeps {
  rows: ImportRowStore;
  createInBatches: BatchCreator;
  clock: Clock;
  tuning: ImportTuning;
  onProgress(requestId: string, progress: ImportProgress): Promise<void>;
  onFinished(requestId: string, result: ImportResult): Promise<void>;
  log?: (message: string, context: Record<string, unknown>) => void;
}

export interface ImportRunRequest {
  id: string;
  payload: { fileName: string; rows: number };
}

/** Thrown when a run stops: the request fails, and Retry (or the reconcile job) resumes it. */
export class ImportStopped extends Error {
  readonly outcomeUnknown = false;
  constructor(
    message: string,
    readonly code: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function stopError(stop: Stop, totals: ImportTotals): ImportStopped {
  const e = stop.error as { code?: unknown; hint?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'import_stopped';
  const hint = typeof e?.hint === 'string' ? e.hint : 'Look at the app log for this request id.';
  return new ImportStopped(
    `The import stopped with ${totals.unfinished} of ${totals.rows} rows not done yet: ${describeTotals(totals)}.`,
    code,
    `${hint} Retry carries on with the rows not done; no account is created twice.`,
  );
}

async function runSteps(
  gateway: MoodleGateway,
  settings: OperationSettings,
  deps: ImportRunDeps,
  tracker: ImportTracker,
): Promise<Stop | undefined> {
  const pipeline = new MembershipPipeline(gateway, deps.tuning, tracker);
  const accounts = { gateway, settings, createInBatches: deps.createInBatches, tuning: deps.tuning, pipeline };
  try {
    await reconcileSending(accounts, tracker);
    const createStop = await runCreates(accounts, tracker);
    const pipelineStop = await pipeline.drain();
    return (
      createStop ??
      pipelineStop ??
      (await runUpdates(accounts, tracker)) ??
      (await runMemberships(gateway, deps.tuning, tracker))
    );
  } catch (error) {
    // A look-up or a store write failed: the rows keep the states recorded so far; nothing is left running.
    await pipeline.drain();
    return { error };
  }
}

/** Runs what is left of an import; resolves with its result when every row has ended, throws ImportStopped if not. */
export async function runImport(
  context: { gateway: MoodleGateway; settings: OperationSettings },
  deps: ImportRunDeps,
  request: ImportRunRequest,
  options: { tellStop?: boolean } = {},
): Promise<ImportResult> {
  const stored = await deps.rows.listImportRows(request.id);
  if (stored.length !== request.payload.rows) {
    throw new ImportStopped(
      `The import holds ${stored.length} rows in the store but was asked for ${request.payload.rows}.`,
      'import_rows_missing',
      'Nothing more was sent. Ask for the import again from the file.',
    );
  }
  const tracker = new ImportTracker(
    {
      rows: deps.rows,
      clock: deps.clock,
      progressIntervalMs: deps.tuning.progressIntervalMs,
      onProgress: (progress) => deps.onProgress(request.id, progress),
      ...(deps.log ? { log: deps.log } : {}),
    },
    request.id,
    stored,
  );
  const stop = await runSteps(context.gateway, context.settings, deps, tracker);
  await tracker.finish();
  const result = buildImportResult(request.id, request.payload.fileName, [...tracker.byRow.values()]);
  // A resume by the reconcile job that stops again is tried again a minute later: neither the audit nor the
  // requester hear of each such try, only of the run that ends it.
  if (stop && options.tellStop === false) throw stopError(stop, result.totals);
  await deps.rows.updateImportRows(
    request.id,
    [],
    [
      {
        at: deps.clock.now(),
        actor: SYSTEM_ACTOR,
        kind: 'import',
        requestId: request.id,
        operation: 'import',
        outcome: stop ? 'stopped' : 'finished',
        detail: describeTotals(result.totals),
      },
    ],
    // The request's own change that follows is flushed to disk, and this commit with it.
    { durable: false },
  );
  await deps.onFinished(request.id, result).catch((err: unknown) => {
    deps.log?.('could not tell the result of an import', {
      requestId: request.id,
      error: err instanceof Error ? err.message : String(err),
    });
  });
  if (stop) throw stopError(stop, result.totals);
  return result;
}
