// suspend and unsuspend: one flag on an existing account. Unsuspend follows suspend's policy (APPROVAL_REQUIRED).
import { z } from 'zod';
import { endReachedSchema } from '../account-schedule.js';
import { accountKey, currentAccount, requireTargetId } from './account-target.js';
import type { OperationDefinition } from './types.js';

/** `endReached`: made by the scheduler when the account's end date came (use-cases/scheduled.ts). */
export const suspendPayloadSchema = z.object({
  operation: z.literal('suspend'),
  endReached: endReachedSchema.optional(),
});
export const unsuspendPayloadSchema = z.object({ operation: z.literal('unsuspend') });

function suspension<P extends { operation: 'suspend' | 'unsuspend' }>(
  schema: z.ZodType<P> & { shape: { operation: z.ZodLiteral<P['operation']> } },
  words: OperationDefinition['words'],
) {
  const name = schema.shape.operation.value;
  const suspended = name === 'suspend';
  return {
    name,
    policyKey: 'suspend',
    payloadSchema: schema,
    target: 'existing',
    correctable: false,
    words,
    keepsAccount: true,
    destructive: suspended,
    headline: (_payload: P, person: string) => `${suspended ? 'Suspend' : 'Unsuspend'} Moodle account: ${person}`,
    describe: () => [],
    targetKey: (_payload: P, target) => accountKey(target),
    async execute({ gateway }, request) {
      const id = requireTargetId(request);
      await gateway.updateUsers([{ id, suspended }]);
      return { moodleId: id };
    },
    async lookUpOutcome({ gateway }, request) {
      const found = await currentAccount(gateway, request);
      return { applied: found?.suspended === suspended, moodleId: requireTargetId(request) };
    },
  } satisfies OperationDefinition<P>;
}

export const suspendUser = suspension(suspendPayloadSchema, {
  verb: 'suspend',
  title: 'Suspend account',
  done: 'suspended',
  outcome: 'account suspended',
  notYet: 'the account isn’t suspended yet',
});
export const unsuspendUser = suspension(unsuspendPayloadSchema, {
  verb: 'unsuspend',
  title: 'Unsuspend account',
  done: 'unsuspended',
  outcome: 'account active again',
  notYet: 'the account isn’t active again yet',
});
