// Let it expire, on an end date's reminder: nothing changes; the person is told when the account ends and what
// happens then (EXPIRY_ACTION), and the reminder's buttons are replaced by that sentence.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { currentEndDate } from '../../../core/account-end-dates.js';
import { slackDate } from '../../blocks/approval-card.js';
import { escapeMrkdwn } from '../../blocks/untrusted.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { tellPrivately } from './decision-flow.js';
import { readReminderClick } from './extend-end-date.js';

export function createLetItExpireAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, respond, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = readReminderClick(body);
    if (!click) {
      logger.warn('let-it-expire click without the expected payload');
      return;
    }
    const action = await deps.store.getAction(click.actionId);
    const end = action ? await currentEndDate(deps.store, action.moodleId) : undefined;
    const verb = deps.config.expiryAction === 'delete' ? 'deleted' : 'suspended';
    const text =
      action && end
        ? `:ok_hand: ${escapeMrkdwn(action.username, 200)} will be ${verb} ${slackDate(end.endAt)}. Nothing else to do.`
        : 'This account has no end date any more; nothing will happen to it.';
    logger.info({ actionId: click.actionId }, 'end date left to expire');
    try {
      await respond({ replace_original: true, text });
    } catch {
      await tellPrivately(client, logger, { user: click.userId, channel: click.channelId }, text);
    }
  };
}
