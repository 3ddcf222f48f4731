// The Extend… modal's submission: the new end date, asked for like /moodle-user extend (approval policy `extend`).
// A refused date is shown inline on the date picker; anything else is told by DM once the modal has closed.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { requestEndDate } from '../../../core/account-end-dates.js';
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
    const requester = { userId: body.user.id, ...(body.team?.id ? { teamId: body.team.id } : {}) };
    const outcome = await requestEndDate(deps, requester, { by: 'id', id: action.moodleId }, 'extend', {
      until,
      timeZone: await timeZoneOf(client, body.user.id),
    });
    if (outcome.kind === 'invalid') {
      const message = outcome.problems.map((p) => p.message).join(' ');
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.endDateBlock]: message } });
      return;
    }
    await ack();
    const reply = buildChangeReply(outcome, 'extend', accountNameOf(outcome, action.username));
    try {
      await sendPrivately(client, { user: body.user.id, text: reply.text });
    } catch (err) {
      logger.warn({ err }, 'could not tell the outcome of an extension');
    }
  };
}
