// The Cancel request button in a requester's private list (/moodle-user requests): the same as
// `/moodle-user cancel <id>`. The list is ephemeral, so the answer goes through the click's response_url.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { readButtonClick, tellPrivately } from './decision-flow.js';

export function createCancelRequestAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, respond, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = readButtonClick(body);
    if (!click) {
      logger.warn('cancel click without the expected payload');
      return;
    }
    const answer = async (text: string): Promise<void> => {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, text });
      } catch {
        await tellPrivately(client, logger, { user: click.userId, channel: click.channelId }, text);
      }
    };
    if (!click.requestId) {
      await answer('This button does not name a request; list your requests again.');
      return;
    }
    try {
      const result = await deps.provisioning.cancel(click.requestId, click.userId);
      await answer(
        result.ok
          ? `:leftwards_arrow_with_hook: ${click.requestId} is cancelled; the approvers' card says so.`
          : `:no_entry_sign: ${result.message}`,
      );
    } catch (err) {
      logger.error({ err, requestId: click.requestId }, 'cancelling failed unexpectedly');
      await answer(`Sorry, cancelling ${click.requestId} failed unexpectedly; try again in a minute.`);
    }
  };
}
