// The Reject modal's submission: re-checks everything (approver, not the requester, still pending), demands a
// reason (inline error), then closes the modal and rejects through the core, which updates the card, tells the
// requester and posts the notification.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { buildDecisionRefusedView, parseDecisionMetadata, readRejectSubmission } from '../../blocks/decision-modals.js';
import { refreshCard, reportOutcome, tellPrivately } from '../actions/decision-flow.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

export function createRejectRequestSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const actor = body.user.id;
    const metadata = parseDecisionMetadata(view.private_metadata);
    if (!metadata) {
      await ack({
        response_action: 'update',
        view: buildDecisionRefusedView('This form does not name a request. Open it again from the card.'),
      });
      return;
    }
    const read = readRejectSubmission(view.state.values);
    try {
      const check = await deps.provisioning.checkDecision(metadata.requestId, actor, 'reject');
      if (!check.ok) {
        await ack({ response_action: 'update', view: buildDecisionRefusedView(check.reason) });
        await refreshCard(deps, client, logger, check.current, metadata.card);
        return;
      }
      if (!read.ok) {
        await ack({ response_action: 'errors', errors: read.errors });
        return;
      }
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, 'checking a rejection failed');
      await ack({
        response_action: 'update',
        view: buildDecisionRefusedView(
          `Sorry, ${metadata.requestId} could not be checked just now; nothing was rejected. Try again from the card.`,
        ),
      });
      return;
    }
    await ack();
    const to = { user: actor, channel: metadata.card?.channel ?? deps.config.approvalChannel };
    try {
      const outcome = await deps.provisioning.reject(metadata.requestId, actor, read.ok ? read.reason : '');
      await reportOutcome(deps, client, logger, outcome, to);
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, 'rejecting failed unexpectedly');
      await tellPrivately(
        client,
        logger,
        to,
        `Sorry, rejecting ${metadata.requestId} failed unexpectedly. Look at the card before trying again; an admin can check the app's log.`,
      );
    }
  };
}
