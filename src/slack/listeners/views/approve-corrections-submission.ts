// Edit details saved: re-checks that the approver may still approve, checks the corrections with the request's own
// Moodle rules (inline errors under each field), then closes the form and redraws the approve summary underneath
// with the corrections shown and carried in its metadata. Nothing is stored until Approve.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { ProfileField } from '../../../core/profile.js';
import { readCorrectionsSubmission } from '../../blocks/approve-corrections.js';
import {
  buildDecisionRefusedView,
  type DecisionMetadata,
  fitsMetadata,
  parseDecisionMetadata,
} from '../../blocks/decision-modals.js';
import { userFieldIds } from '../../ids.js';
import { redrawSummary, summaryAccount } from '../actions/approve-summary.js';
import { refreshCard } from '../actions/decision-flow.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

const TOO_LONG = 'These corrections are too long to carry to Approve; shorten the longest ones.';

export function createApproveCorrectionsSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const pushed = parseDecisionMetadata(view.private_metadata);
    if (!pushed?.summaryViewId) {
      await ack({ response_action: 'update', view: buildDecisionRefusedView('This form does not name a request.') });
      return;
    }
    const check = await deps.provisioning.checkDecision(pushed.requestId, body.user.id, 'approve').catch((err) => {
      logger.error({ err, requestId: pushed.requestId }, 'checking Edit details failed');
      return { ok: false as const, reason: `Sorry, ${pushed.requestId} could not be checked just now. Try again.` };
    });
    if (!check.ok) {
      await ack({ response_action: 'update', view: buildDecisionRefusedView(check.reason) });
      if ('current' in check) await refreshCard(deps, client, logger, check.current, pushed.card);
      return;
    }
    const rules = { allowedAuth: deps.config.allowedAuth, defaultAuth: deps.config.defaultAuth };
    const read = readCorrectionsSubmission(check.request, view.state.values, rules);
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const { summaryViewId, ...rest } = pushed;
    const metadata: DecisionMetadata = { ...rest, corrections: read.corrections };
    const [longest] = Object.keys(read.corrections).sort(
      (a, b) => (read.corrections[b]?.length ?? 0) - (read.corrections[a]?.length ?? 0),
    );
    if (!fitsMetadata(metadata) && longest) {
      await ack({ response_action: 'errors', errors: { [userFieldIds(longest as ProfileField).blockId]: TOO_LONG } });
      return;
    }
    // An empty ack closes this form only: the approver is back on the summary, which is redrawn.
    await ack();
    const account = await summaryAccount(deps, logger, check.request);
    await redrawSummary(deps, client, logger, { request: check.request, viewId: summaryViewId, metadata }, account);
  };
}
