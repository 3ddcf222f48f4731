// The operation registry: the one list of operations. Adding an operation is adding its module here; the
// lifecycle, store, cards and jobs find everything else through operationOf().
import { z } from 'zod';
import { expireUser, extendUser } from './account-end.js';
import { addToCohort, removeFromCohort } from './cohort-membership.js';
import { createUser } from './create-user.js';
import { deleteUser } from './delete-user.js';
import { enrolUser, unenrolUser } from './enrol.js';
import { importUsers } from './import.js';
import { suspendUser, unsuspendUser } from './suspension.js';
import type { OperationDefinition } from './types.js';
import { updateUser } from './update-user.js';

export const OPERATIONS = [
  createUser,
  updateUser,
  suspendUser,
  unsuspendUser,
  deleteUser,
  enrolUser,
  unenrolUser,
  addToCohort,
  removeFromCohort,
  expireUser,
  extendUser,
  importUsers,
] as const;

export type RequestPayload = z.output<(typeof OPERATIONS)[number]['payloadSchema']>;
export type RequestOperation = RequestPayload['operation'];

export const REQUEST_OPERATIONS = OPERATIONS.map((o) => o.name) as readonly RequestOperation[];

/** The keys APPROVAL_REQUIRED and the other per-operation settings accept. */
export const POLICY_KEYS: readonly string[] = [...new Set(OPERATIONS.map((o) => o.policyKey))];

export const requestPayloadSchema = z.union(
  OPERATIONS.map((o) => o.payloadSchema) as unknown as [z.ZodType<RequestPayload>, ...z.ZodType<RequestPayload>[]],
);

const byName = new Map<string, OperationDefinition>(
  OPERATIONS.map((o) => [o.name, o as unknown as OperationDefinition]),
);

export function isRequestOperation(name: string): name is RequestOperation {
  return byName.has(name);
}

/** The definition of a stored request's operation; the request's payload has been checked by its schema. */
export function operationOf(name: string): OperationDefinition<RequestPayload> {
  const definition = byName.get(name);
  if (!definition) throw new Error(`unknown operation ${name}`);
  return definition as unknown as OperationDefinition<RequestPayload>;
}

/** The APPROVAL_REQUIRED entry that governs an operation (unsuspend follows suspend). */
export function policyOperation(operation: RequestOperation): string {
  return operationOf(operation).policyKey;
}
