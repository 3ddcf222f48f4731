// update: changes some profile fields of an existing account; only the fields that differ are stored and sent.
import { z } from 'zod';
import type { MoodleUser } from '../moodle-gateway.js';
import { type FieldChange, fieldChangeSchema } from '../profile.js';
import { fieldValueWords } from '../record-words.js';
import { FIELD_LABELS } from '../user-record.js';
import { accountKey, currentAccount, requireTargetId } from './account-target.js';
import type { OperationDefinition, RecordLine } from './types.js';

export const updatePayloadSchema = z.object({ operation: z.literal('update'), changes: z.array(fieldChangeSchema) });
export type UpdatePayload = z.infer<typeof updatePayloadSchema>;

/** "Email address: a@x.org → b@x.org"; an empty value shows as ∅. */
export function describeChange(change: FieldChange): RecordLine {
  const shown = (value: string) => (value === '' ? '∅' : value);
  const words = (value: string) => shown(fieldValueWords(change.field, value));
  return { label: FIELD_LABELS[change.field], value: `${words(change.before)} → ${words(change.after)}` };
}

export const updateUser = {
  name: 'update',
  policyKey: 'update',
  payloadSchema: updatePayloadSchema,
  target: 'existing',
  correctable: true,
  words: {
    verb: 'update',
    title: 'Update account',
    done: 'updated',
    outcome: 'account updated',
    notYet: 'the account isn’t updated yet',
  },
  keepsAccount: true,
  headline: (_payload, person) => `Update Moodle account: ${person}`,

  describe: (payload) => payload.changes.map(describeChange),

  targetKey: (_payload, target) => accountKey(target),

  async execute({ gateway }, request) {
    const id = requireTargetId(request);
    const fields: Record<string, string> = {};
    for (const c of request.payload.changes) fields[c.field] = c.after;
    await gateway.updateUsers([{ id, ...fields }]);
    return { moodleId: id };
  },

  async lookUpOutcome({ gateway }, request) {
    const found = await currentAccount(gateway, request);
    if (!found) return { applied: false };
    const applied = request.payload.changes.every((c) => String(found[c.field as keyof MoodleUser] ?? '') === c.after);
    return { applied, moodleId: found.id };
  },

  /** An approver may correct only the fields the requester asked to change. */
  correct(payload, target, corrections) {
    const changes = payload.changes.map((c) => ({ ...c }));
    const diff: FieldChange[] = [];
    for (const [field, typed] of Object.entries(corrections)) {
      const after = typed.trim();
      const change = changes.find((c) => c.field === field);
      if (!change) {
        return {
          ok: false,
          message: `The request does not change ${field}; an approver can only correct the fields the requester asked to change.`,
        };
      }
      if (change.after === after) continue;
      diff.push({ field: change.field, before: change.after, after });
      change.after = after;
    }
    return { ok: true, diff, payload: { operation: 'update', changes }, target };
  },
} satisfies OperationDefinition<UpdatePayload>;
