// An approver's corrections, applied through the request's operation (only create and update have fields).
import { operationOf } from './operations/registry.js';
import type { CorrectionResult } from './operations/types.js';
import type { Corrections } from './request-service.js';
import type { RequestPayload, RequestRecord } from './requests.js';

/**
 * Applies an approver's corrections through the request's operation and returns the before → after diff. Only
 * real changes count, so an approver who submits the form unchanged leaves no correction on record. Field rules
 * are checked by the caller with the same validation as the request itself.
 */
export function applyCorrections(request: RequestRecord, corrections: Corrections): CorrectionResult<RequestPayload> {
  const typed = Object.fromEntries(
    Object.entries(corrections).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  if (Object.keys(typed).length === 0) {
    return { ok: true, diff: [], payload: request.payload, target: request.target };
  }
  const operation = operationOf(request.operation);
  if (!operation.correct) return { ok: false, message: `A ${request.operation} request has no fields to correct.` };
  return operation.correct(request.payload, request.target, typed);
}
