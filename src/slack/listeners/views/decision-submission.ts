// What the Approve and Reject modals' submissions share: the request named in private_metadata, the re-check at
// submission (approver, not the requester, still pending: refused with a replacement view and the card redrawn),
// the form read into inline errors or the decision's arguments, then the ack that closes the modal, the decision
// through the core and the private report to the approver. Only reading the form and deciding differ.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { DecisionOutcome, DecisionVerb } from '../../../core/provisioning.js';
import type { RequestRecord } from '../../../core/requests.js';
import {
  buildDecisionRefusedView,
  type DecisionMetadata,
  parseDecisionMetadata,
} from '../../blocks/decision-modals.js';
import { decisionFailedReply } from '../../blocks/decision-replies.js';
import { refreshCard, reportOutcome, tellPrivately } from '../actions/decision-flow.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

export type FormReading<A> = { ok: true; args: A } | { ok: false; errors: Record<string, string> };

export interface DecisionSubmission<A> {
  verb: Extract<DecisionVerb, 'approve' | 'reject'>;
  /** "approved" / "rejected", for the sentences that say nothing happened. */
  pastTense: string;
  read(request: RequestRecord, values: unknown, deps: ListenerDeps, metadata: DecisionMetadata): FormReading<A>;
  decide(deps: ListenerDeps, requestId: string, actor: string, args: A): Promise<DecisionOutcome>;
}

export function createDecisionSubmission<A>(
  deps: ListenerDeps,
  spec: DecisionSubmission<A>,
): Middleware<SlackViewMiddlewareArgs> {
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
    let args: A;
    try {
      const check = await deps.provisioning.checkDecision(metadata.requestId, actor, spec.verb);
      if (!check.ok) {
        await ack({ response_action: 'update', view: buildDecisionRefusedView(check.reason) });
        await refreshCard(deps, client, logger, check.current, metadata.card);
        return;
      }
      const read = spec.read(check.request, view.state.values, deps, metadata);
      if (!read.ok) {
        await ack({ response_action: 'errors', errors: read.errors });
        return;
      }
      args = read.args;
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, `checking a decision to ${spec.verb} failed`);
      await ack({
        response_action: 'update',
        view: buildDecisionRefusedView(
          `Sorry, ${metadata.requestId} could not be checked just now; nothing was ${spec.pastTense}. Try again from the card.`,
        ),
      });
      return;
    }
    await ack();
    const to = { user: actor, channel: metadata.card?.channel ?? deps.config.approvalChannel };
    try {
      const outcome = await spec.decide(deps, metadata.requestId, actor, args);
      await reportOutcome(deps, client, logger, outcome, to);
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, `${spec.verb} failed unexpectedly`);
      await tellPrivately(client, logger, to, decisionFailedReply(metadata.requestId, spec.verb));
    }
  };
}
