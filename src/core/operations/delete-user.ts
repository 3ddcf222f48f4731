// delete: removes an existing account (Moodle keeps a renamed, deleted record).
import { z } from 'zod';
import { endReachedSchema } from '../account-schedule.js';
import { accountKey, currentAccount, requireTargetId } from './account-target.js';
import type { OperationDefinition } from './types.js';

/** `endReached`: made by the scheduler when the account's end date came (EXPIRY_ACTION=delete). */
export const deletePayloadSchema = z.object({
  operation: z.literal('delete'),
  endReached: endReachedSchema.optional(),
});
export type DeletePayload = z.infer<typeof deletePayloadSchema>;

export const deleteUser = {
  name: 'delete',
  policyKey: 'delete',
  payloadSchema: deletePayloadSchema,
  target: 'existing',
  correctable: false,
  words: {
    verb: 'delete',
    title: 'Delete account',
    done: 'deleted',
    outcome: 'account deleted',
    notYet: 'the account isn’t deleted yet',
    warning: 'Deletion cannot be undone. Consider suspending the account instead.',
  },
  keepsAccount: false,
  destructive: true,
  headline: (_payload, person) => `Delete Moodle account: ${person}`,
  describe: () => [],

  targetKey: (_payload, target) => accountKey(target),

  async execute({ gateway }, request) {
    const id = requireTargetId(request);
    await gateway.deleteUsers([id]);
    return { moodleId: id };
  },

  async lookUpOutcome({ gateway }, request) {
    const found = await currentAccount(gateway, request);
    // A deleted user's username is rewritten; a look-up by id may still return the leftover record.
    return { applied: !found || found.username !== request.target.username, moodleId: requireTargetId(request) };
  },
} satisfies OperationDefinition<DeletePayload>;
