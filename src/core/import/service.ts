// The import service the Slack side calls (ProvisioningService.imports): read a file, preview it against Moodle,
// submit it as one request with its rows, read an import's result. See docs/ARCHITECTURE.md "Imports".

import { mayReadDetails } from '../account-view.js';
import type { ImportPayload } from '../operations/import.js';
import { operationOf } from '../operations/registry.js';
import type { RequesterContext } from '../requests.js';
import type { UseCaseContext } from '../use-cases/context.js';
import type { SubmitOutcome } from '../use-cases/outcomes.js';
import { DEFAULT_ROLE_IDS } from '../use-cases/resolve-memberships.js';
import type { Submitter } from '../use-cases/submit.js';
import type { ImportService } from './ports.js';
import { previewCsv, previewForReader, previewImport } from './preview.js';
import { readImportFile } from './read-file.js';
import { buildImportResult } from './result.js';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits, type ImportPreview, type ImportRowRecord } from './types.js';

function rowsOf(preview: ImportPreview): ImportRowRecord[] {
  return preview.rows.map((r) => {
    // Only the keys a row has, without spreads: one plan is made for every row of the file.
    const plan: ImportRowRecord['plan'] = {};
    if (r.user) plan.user = r.user;
    if (r.changes) plan.changes = r.changes;
    if (r.enrolments) plan.enrolments = r.enrolments;
    if (r.cohorts) plan.cohorts = r.cohorts;
    return {
      requestId: '',
      row: r.row,
      state: r.action === 'create' || r.action === 'update' ? 'pending' : 'skipped',
      action: r.action,
      username: r.username,
      moodleId: r.moodleId,
      message: r.message,
      plan,
    };
  });
}

function payloadOf(preview: ImportPreview): ImportPayload {
  return {
    operation: 'import',
    fileName: preview.fileName.slice(0, 255),
    sha256: preview.sha256,
    mode: preview.mode,
    rows: preview.rows.length,
    counts: preview.counts,
    courses: preview.courses,
    cohorts: preview.cohorts,
  };
}

async function submitImport(
  ctx: UseCaseContext,
  submitter: Submitter,
  requester: RequesterContext,
  preview: ImportPreview,
  reason: string | undefined,
): Promise<SubmitOutcome> {
  const role = await submitter.requireRole(requester.userId, 'requester', 'import');
  if (!role.ok) return { kind: 'refused', reason: role.reason };
  if (!preview.checked)
    return { kind: 'unavailable', message: 'The file was not checked against Moodle; preview it again.' };
  if (preview.counts.create + preview.counts.update === 0) {
    return {
      kind: 'invalid',
      problems: [{ field: 'file', message: 'No row of the file would create or update an account.' }],
    };
  }
  const payload = payloadOf(preview);
  const key = operationOf('import').targetKey(payload, {});
  const [inFlight] = await ctx.store.findInFlight({ operation: 'import', targetKeys: [key] });
  if (inFlight) {
    return {
      kind: 'refused',
      reason: `This file is already being imported (request ${inFlight.id}).`,
      inFlight: inFlight.id,
    };
  }
  return submitter.submitRequest(requester, {}, payload, undefined, reason, rowsOf(preview));
}

export function createImportService(
  ctx: UseCaseContext,
  submitter: Submitter,
  limits: ImportLimits = DEFAULT_IMPORT_LIMITS,
): ImportService {
  const { settings } = ctx;
  return {
    limits,
    readFile: (data, fileName) => readImportFile(data, fileName, limits),
    async preview(requester, file, mode) {
      const role = await submitter.requireRole(requester.userId, 'requester', 'import');
      if (!role.ok) return { kind: 'refused', reason: role.reason };
      const result = await previewImport(
        {
          gateway: ctx.gateway,
          guard: ctx.guard,
          passwordMode: settings.passwordMode,
          rules: {
            allowedAuth: settings.allowedAuth,
            defaultAuth: settings.defaultAuth,
            roleIds: settings.roleIds ?? DEFAULT_ROLE_IDS,
          },
        },
        file,
        mode,
      );
      if (result.ok) {
        const full = await mayReadDetails(ctx.permissions, requester.userId);
        return { kind: 'preview', preview: previewForReader(result.preview, full) };
      }
      return 'refused' in result
        ? { kind: 'refused', reason: result.refused }
        : { kind: 'unavailable', message: result.unavailable };
    },
    checkCsv: previewCsv,
    submit: (requester, preview, reason) => submitImport(ctx, submitter, requester, preview, reason),
    async result(requestId) {
      const request = await ctx.store.getRequest(requestId);
      if (request?.payload.operation !== 'import') return undefined;
      const rows = await ctx.store.listImportRows(requestId, { plans: false });
      return buildImportResult(requestId, request.payload.fileName, rows);
    },
  };
}
