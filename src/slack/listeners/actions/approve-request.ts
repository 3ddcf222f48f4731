// The Approve… button on an approval card: acks at once, re-checks that the clicker is an approver, is not the
// requester and that the request is still pending, then opens the Approve modal with the click's trigger_id.
// A refused click is told why privately, and a stale card is redrawn.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildApproveModal } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { openDecisionModal } from './decision-flow.js';

export function createApproveRequestAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    await openDecisionModal(deps, client, requestLogger(context, deps.logger), body, 'approve', buildApproveModal);
  };
}
