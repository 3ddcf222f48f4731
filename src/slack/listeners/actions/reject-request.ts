// The Reject… button on an approval card: the same checks as Approve…, then the Reject modal (reason required).
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildRejectModal } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { openDecisionModal } from './decision-flow.js';

export function createRejectRequestAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    await openDecisionModal(deps, client, requestLogger(context, deps.logger), body, 'reject', buildRejectModal);
  };
}
