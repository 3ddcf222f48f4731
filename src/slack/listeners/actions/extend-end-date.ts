// Extend… on an end date's reminder: opens a small modal with a date picker for the account's new last day (its
// submission asks for the extension like /moodle-user extend, through the approval policy).
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { buildExtendModal } from '../../blocks/end-dates.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { tellPrivately } from './decision-flow.js';

const reminderClickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  actions: z.array(z.looseObject({ value: z.uuid() })).min(1),
  channel: z.looseObject({ id: z.string() }).optional(),
});

/** The reminder's button: who clicked, and the scheduled action it is about; undefined when malformed. */
export function readReminderClick(body: unknown) {
  const parsed = reminderClickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const { user, trigger_id, actions, channel } = parsed.data;
  return { userId: user.id, triggerId: trigger_id, actionId: actions[0]!.value, channelId: channel?.id };
}

export function createExtendEndDateAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = readReminderClick(body);
    if (!click) {
      logger.warn('extend click without the expected payload');
      return;
    }
    const to = { user: click.userId, channel: click.channelId };
    const action = await deps.store.getAction(click.actionId);
    if (action?.kind !== 'remind') {
      await tellPrivately(client, logger, to, 'This reminder is unknown; use `/moodle-user extend <user> until=…`.');
      return;
    }
    try {
      await client.views.open({ trigger_id: click.triggerId, view: buildExtendModal(action) });
    } catch (err) {
      logger.warn({ err }, 'could not open the extend modal');
      await tellPrivately(
        client,
        logger,
        to,
        `I could not open the form; use \`/moodle-user extend ${action.username} until=YYYY-MM-DD\`.`,
      );
    }
  };
}
