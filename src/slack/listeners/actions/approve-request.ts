// The Approve… button on an approval card: acks at once, re-checks that the clicker is an approver, is not the
// requester and that the request is still pending, then opens the read-only approve summary with the click's
// trigger_id; for a request on an existing account the summary is then redrawn with the account as Moodle has it.
// A refused click is told why privately, and a stale card is redrawn.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { buildApproveModal } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { redrawSummary, summaryAccount } from './approve-summary.js';
import { openDecisionModal } from './decision-flow.js';

export function createApproveRequestAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const opened = await openDecisionModal(deps, client, logger, body, 'approve', buildApproveModal);
    if (!opened?.viewId) return;
    const account = await summaryAccount(deps, logger, opened.request);
    if (account) await redrawSummary(deps, client, logger, { ...opened, viewId: opened.viewId }, account);
  };
}
