// The Retry button on a failed request's card: acks, re-checks that the clicker is an approver and the request
// still failed, then retries through the core (an earlier unknown outcome is looked up first, so an account is
// never created twice). The card, DM and notification follow from the core; the clicker hears of a refusal, a new
// failure or a generated password privately.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { decisionFailedReply, NO_REQUEST_REPLY, refusedReply } from '../../blocks/decision-replies.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { readButtonClick, refreshCard, reportOutcome, tellPrivately } from './decision-flow.js';

export function createRetryRequestAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = readButtonClick(body);
    if (!click) {
      logger.warn('retry click without the expected payload');
      return;
    }
    const to = { user: click.userId, channel: click.channelId };
    if (!click.requestId) {
      await tellPrivately(client, logger, to, NO_REQUEST_REPLY);
      return;
    }
    try {
      const check = await deps.provisioning.checkDecision(click.requestId, click.userId, 'retry');
      if (!check.ok) {
        await tellPrivately(client, logger, to, refusedReply(check.reason));
        await refreshCard(deps, client, logger, check.current, click.card);
        return;
      }
      const outcome = await deps.provisioning.retry(click.requestId, click.userId);
      await reportOutcome(deps, client, logger, outcome, to);
    } catch (err) {
      logger.error({ err, requestId: click.requestId }, 'retry failed unexpectedly');
      await tellPrivately(client, logger, to, decisionFailedReply(click.requestId, 'retry'));
    }
  };
}
