// expire and extend: set or replace an existing account's end date (extend: a later one). Nothing is sent to Moodle,
// which has no end date for accounts; on success the app's scheduler holds the date (account-schedule.ts).
import { z } from 'zod';
import { type AccountEnd, accountEndSchema, describeEnd } from '../account-schedule.js';
import { accountKey, requireTargetId } from './account-target.js';
import type { OperationContext, OperationDefinition, OperationRequest } from './types.js';

export const expirePayloadSchema = z.object({ operation: z.literal('expire'), end: accountEndSchema });
export const extendPayloadSchema = z.object({ operation: z.literal('extend'), end: accountEndSchema });

export function requireScheduler(context: OperationContext) {
  if (!context.schedule) throw new Error('end dates need the scheduler, which this context lacks');
  return context.schedule;
}

/** Stores the request's end date for its account (create, expire, extend). */
export async function scheduleEnd(
  context: OperationContext,
  request: OperationRequest<unknown>,
  moodleId: number,
  username: string,
  end: AccountEnd,
): Promise<void> {
  await requireScheduler(context).setEndDate({
    moodleId,
    username,
    end,
    requestId: request.id,
    requesterId: request.requester?.userId ?? '',
  });
}

/** Whether the account's end date is the one this request set. */
export async function hasEnd(context: OperationContext, moodleId: number, end: AccountEnd): Promise<boolean> {
  const current = await requireScheduler(context).endDateOf(moodleId);
  return current?.endAt.getTime() === new Date(end.endAt).getTime();
}

function endDateOperation<P extends { operation: 'expire' | 'extend'; end: AccountEnd }>(
  schema: z.ZodType<P> & { shape: { operation: z.ZodLiteral<P['operation']> } },
  words: OperationDefinition['words'],
) {
  const name = schema.shape.operation.value;
  return {
    name,
    policyKey: name,
    payloadSchema: schema,
    target: 'existing',
    correctable: false,
    words,
    keepsAccount: true,
    headline: (payload: P, person: string) =>
      name === 'extend'
        ? `Extend Moodle account: ${person} until ${payload.end.until}`
        : `End date for ${person}: ${payload.end.until}`,
    describe: (payload: P) => [{ label: 'End date', value: describeEnd(payload.end) }],
    // Apart from the account's other changes: a suspension may be asked for while a new end date waits.
    targetKey: (_payload: P, target) => `end:${accountKey(target)}`,
    async execute(context, request) {
      const id = requireTargetId(request);
      await scheduleEnd(context, request, id, request.target.username ?? '', request.payload.end);
      return { moodleId: id };
    },
    async lookUpOutcome(context, request) {
      const id = requireTargetId(request);
      return { applied: await hasEnd(context, id, request.payload.end), moodleId: id };
    },
  } satisfies OperationDefinition<P>;
}

export const expireUser = endDateOperation(expirePayloadSchema, {
  verb: 'set the end date of',
  title: 'Set end date',
  done: 'given an end date',
  outcome: 'end date set',
  notYet: 'the end date isn’t set yet',
});
export const extendUser = endDateOperation(extendPayloadSchema, {
  verb: 'extend',
  title: 'Extend account',
  done: 'extended',
  outcome: 'end date moved',
  notYet: 'the end date isn’t moved yet',
});
