// cohort_add and cohort_remove: one user in or out of one cohort. The web service cannot list a cohort's members,
// but both calls are idempotent in Moodle (re-adding warns "already a member", removing a non-member succeeds), so
// the outcome of a lost answer is settled by sending the same call again.
import { z } from 'zod';
import { accountKey, requireTargetId } from './account-target.js';
import { addToCohorts, cohortRefSchema, describeCohort } from './memberships.js';
import type { OperationContext, OperationDefinition, OperationRequest } from './types.js';

export const cohortAddPayloadSchema = z.object({ operation: z.literal('cohort_add'), cohort: cohortRefSchema });
export type CohortAddPayload = z.infer<typeof cohortAddPayloadSchema>;
export const cohortRemovePayloadSchema = z.object({ operation: z.literal('cohort_remove'), cohort: cohortRefSchema });
export type CohortRemovePayload = z.infer<typeof cohortRemovePayloadSchema>;

type Send<P> = (context: OperationContext, request: OperationRequest<P>) => Promise<{ moodleId: number }>;

const sendAdd: Send<CohortAddPayload> = async ({ gateway }, request) => {
  const userId = requireTargetId(request);
  await addToCohorts(gateway, userId, [request.payload.cohort]);
  return { moodleId: userId };
};

const sendRemove: Send<CohortRemovePayload> = async ({ gateway }, request) => {
  const userId = requireTargetId(request);
  await gateway.deleteCohortMembers([{ cohortId: request.payload.cohort.id, userId }]);
  return { moodleId: userId };
};

export const addToCohort = {
  name: 'cohort_add',
  policyKey: 'cohort_add',
  payloadSchema: cohortAddPayloadSchema,
  target: 'existing',
  correctable: false,
  words: {
    verb: 'add to a cohort',
    title: 'Add to a cohort',
    done: 'added to the cohort',
    outcome: 'added to the cohort',
    notYet: 'the account isn’t in the cohort yet',
  },
  keepsAccount: true,
  headline: (payload, person) => `Add ${person} to the cohort ${payload.cohort.name || payload.cohort.idnumber}`,
  describe: (payload) => [{ label: 'Cohort', value: describeCohort(payload.cohort) }],
  targetKey: (payload, target) => `${accountKey(target)}/cohort:${payload.cohort.id}`,

  execute: sendAdd,
  lookUpOutcome: async (context, request) => ({ applied: true, ...(await sendAdd(context, request)) }),
} satisfies OperationDefinition<CohortAddPayload>;

export const removeFromCohort = {
  name: 'cohort_remove',
  policyKey: 'cohort_remove',
  payloadSchema: cohortRemovePayloadSchema,
  target: 'existing',
  correctable: false,
  words: {
    verb: 'remove from a cohort',
    title: 'Remove from a cohort',
    done: 'removed from the cohort',
    outcome: 'removed from the cohort',
    notYet: 'the account isn’t out of the cohort yet',
  },
  keepsAccount: true,
  headline: (payload, person) => `Remove ${person} from the cohort ${payload.cohort.name || payload.cohort.idnumber}`,
  describe: (payload) => [{ label: 'Cohort', value: describeCohort(payload.cohort) }],
  targetKey: (payload, target) => `${accountKey(target)}/cohort:${payload.cohort.id}`,

  execute: sendRemove,
  lookUpOutcome: async (context, request) => ({ applied: true, ...(await sendRemove(context, request)) }),
} satisfies OperationDefinition<CohortRemovePayload>;
