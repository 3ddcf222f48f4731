// The Approve modal's submission: re-checks everything (approver, not the requester, still pending), checks the
// approver's corrections with the request's own Moodle rules (inline errors), then closes the modal and approves
// through the core, which executes once and updates the card, the requester and the notification channel.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import {
  buildDecisionRefusedView,
  parseDecisionMetadata,
  readApproveSubmission,
} from '../../blocks/decision-modals.js';
import { refreshCard, reportOutcome, tellPrivately } from '../actions/decision-flow.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

export function createApproveRequestSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
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
    let corrections: Parameters<typeof deps.provisioning.approve>[2];
    try {
      const check = await deps.provisioning.checkDecision(metadata.requestId, actor, 'approve');
      if (!check.ok) {
        await ack({ response_action: 'update', view: buildDecisionRefusedView(check.reason) });
        await refreshCard(deps, client, logger, check.current, metadata.card);
        return;
      }
      const read = readApproveSubmission(check.request, view.state.values, {
        allowedAuth: deps.config.allowedAuth,
        defaultAuth: deps.config.defaultAuth,
      });
      if (!read.ok) {
        await ack({ response_action: 'errors', errors: read.errors });
        return;
      }
      corrections = { corrections: read.corrections, ...(read.comment ? { comment: read.comment } : {}) };
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, 'checking an approval failed');
      await ack({
        response_action: 'update',
        view: buildDecisionRefusedView(
          `Sorry, ${metadata.requestId} could not be checked just now; nothing was approved. Try again from the card.`,
        ),
      });
      return;
    }
    await ack();
    const to = { user: actor, channel: metadata.card?.channel ?? deps.config.approvalChannel };
    try {
      const outcome = await deps.provisioning.approve(metadata.requestId, actor, corrections);
      await reportOutcome(deps, client, logger, outcome, to);
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, 'approving failed unexpectedly');
      await tellPrivately(
        client,
        logger,
        to,
        `Sorry, approving ${metadata.requestId} failed unexpectedly. Look at the card before trying again; an admin can check the app's log.`,
      );
    }
  };
}
