// The Extend… modal's submission: the new end date, asked for like /moodle-user extend (approval policy `extend`).
// A refused date is shown inline on the date picker; anything else is told by DM once the modal has closed.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { checkExtension, currentEndDate, readEndDate, requestEndDate } from '../../../core/account-end-dates.js';
import type { ScheduledAction } from '../../../core/scheduled-actions.js';
import { accountNameOf, buildChangeReply } from '../../blocks/user-card.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../../ids.js';
import { sendPrivately } from '../../notifier.js';
import { timeZoneOf } from '../../user-time-zone.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

const pickedDate = z.looseObject({ selected_date: z.string().max(10).nullable().optional() });

/** The date picked in the end-date block ('' when none). */
export function readPickedDate(values: unknown): string {
  const block = (values as Record<string, Record<string, unknown>> | undefined)?.[BLOCK_IDS.endDateBlock];
  const parsed = pickedDate.safeParse(block?.[INPUT_ACTION_IDS.endDateInput]);
  return parsed.success ? (parsed.data.selected_date ?? '') : '';
}

/** The picked day's problem, checked before the ack so that it shows under the date picker; undefined: none. */
async function problemOf(deps: ListenerDeps, action: ScheduledAction, until: string, timeZone: string) {
  if (until === '') return 'Pick the new last day.';
  const read = readEndDate(until, timeZone, deps.clock.now());
  if (!read.ok) return read.problems.map((p) => p.message).join(' ');
  const current = await currentEndDate(deps.store, action.moodleId);
  return checkExtension(read.value.end!, current, action.username);
}

export function createExtendEndDateSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const until = readPickedDate(view.state.values);
    const action = z.uuid().safeParse(view.private_metadata).success
      ? await deps.store.getAction(view.private_metadata)
      : undefined;
    if (!action) {
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.endDateBlock]: 'This reminder is unknown.' } });
      return;
    }
    const timeZone = await timeZoneOf(client, body.user.id);
    const problem = await problemOf(deps, action, until, timeZone);
    if (problem) {
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.endDateBlock]: problem } });
      return;
    }
    // The request (a Moodle look-up, the card) is made after the ack: Slack waits 3 seconds at most.
    await ack();
    const requester = { userId: body.user.id, ...(body.team?.id ? { teamId: body.team.id } : {}) };
    try {
      const outcome = await requestEndDate(deps, requester, { by: 'id', id: action.moodleId }, 'extend', {
        until,
        timeZone,
      });
      const reply = buildChangeReply(outcome, 'extend', accountNameOf(outcome, action.username));
      await sendPrivately(client, { user: body.user.id, text: reply.text });
    } catch (err) {
      logger.warn({ err }, 'could not ask for or tell the outcome of an extension');
    }
  };
}
