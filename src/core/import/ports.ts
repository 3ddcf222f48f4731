// The bulk import's ports: the store of its rows (table import_rows, implemented in src/store), the batch creator
// (src/moodle/batch.ts, injected so that the core never imports the adapter), and the service the Slack side calls.
import type { NewAuditEvent } from '../audit.js';
import type { CreatedUser, CreateUserInput, GatewayErrorShape, MoodleGateway } from '../moodle-gateway.js';
import type { RequesterContext } from '../requests.js';
import type { Refused, SubmitOutcome } from '../use-cases/outcomes.js';
import type {
  ImportFile,
  ImportFileResult,
  ImportLimits,
  ImportMode,
  ImportPreview,
  ImportResult,
  ImportRowRecord,
  ImportRowState,
  ImportRowUpdate,
} from './types.js';

export interface ImportRowStore {
  /** Stores the rows of a new import (in one transaction with the request: see Store.createRequest). */
  addImportRows(requestId: string, rows: readonly ImportRowRecord[]): Promise<void>;
  /** Rows in row order; `states` filters; `plans: false` leaves each row's plan empty (for totals and results). */
  listImportRows(
    requestId: string,
    options?: { states?: readonly ImportRowState[]; plans?: false },
  ): Promise<ImportRowRecord[]>;
  /**
   * Several rows' new states, with the audit events of the rows that ended, in one transaction. `durable: false`
   * resolves at the commit, before the flush to disk: for what a crash may lose because it is looked up again
   * (a `sending` row's outcome), never for a row about to be sent.
   */
  updateImportRows(
    requestId: string,
    updates: readonly ImportRowUpdate[],
    audit?: readonly NewAuditEvent[],
    options?: { durable?: boolean },
  ): Promise<void>;
  countImportRows(requestId: string): Promise<Partial<Record<ImportRowState, number>>>;
}

/** The batch helper as the core sees it: src/moodle's createUsersInBatches. */
export type BatchCreator = (
  client: Pick<MoodleGateway, 'createUsers' | 'getUsersByField'>,
  users: readonly CreateUserInput[],
  options: { maxUsersPerBatch: number; maxFieldsPerBatch: number; concurrency: number },
) => Promise<{
  created: Array<{ index: number } & CreatedUser>;
  failed: Array<{ index: number; username: string; error: GatewayErrorShape & Error }>;
  /** The error that stopped the run: users failed with it were not (all) tried, and are tried again on resume. */
  stopped?: GatewayErrorShape & Error;
}>;

export type PreviewOutcome =
  | { kind: 'preview'; preview: ImportPreview }
  /** Not a requester, or PASSWORD_MODE=generate with rows that need a password: nothing was looked up. */
  | Refused
  /** Moodle could not be asked (unreachable, a look-up function missing): the sentence says what to do. */
  | { kind: 'unavailable'; message: string };

/** What the Slack side calls (ProvisioningService.imports). */
export interface ImportService {
  readonly limits: ImportLimits;
  /** Reads a downloaded file: no Moodle call. An error is for the inline error on the file field. */
  readFile(data: Uint8Array, fileName: string): ImportFileResult;
  /** Checks every row and asks Moodle (a few calls for the whole file). Changes nothing. */
  preview(requester: RequesterContext, file: ImportFile, mode: ImportMode): Promise<PreviewOutcome>;
  /** The full check, one line per row (row, username, action, Moodle id, message), for the person to download. */
  checkCsv(preview: ImportPreview): string;
  /**
   * Stores the import as ONE request (operation `import`, its rows one by one), then posts its approval card, or
   * executes it at once for an admin when APPROVAL_REQUIRED does not name `import`. Same outcomes as any request.
   */
  submit(requester: RequesterContext, preview: ImportPreview, reason: string | undefined): Promise<SubmitOutcome>;
  /** Totals and the result CSV of an import request (any status); undefined for an unknown id or another kind. */
  result(requestId: string): Promise<ImportResult | undefined>;
}
