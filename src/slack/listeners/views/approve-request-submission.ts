// The approve summary's submission: re-checks everything (approver, not the requester, still pending), checks the
// corrections carried from Edit details again with the request's own Moodle rules, then closes the modal and
// approves through the core, which executes once and updates the card, the requester and the notification channel.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { ApproveOptions } from '../../../core/request-service.js';
import { readApproveSubmission } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';
import { createDecisionSubmission } from './decision-submission.js';

export function createApproveRequestSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return createDecisionSubmission<ApproveOptions>(deps, {
    verb: 'approve',
    pastTense: 'approved',
    read(request, values, { config }, metadata) {
      const read = readApproveSubmission(request, values, metadata.corrections, {
        allowedAuth: config.allowedAuth,
        defaultAuth: config.defaultAuth,
      });
      if (!read.ok) return read;
      return { ok: true, args: { corrections: read.corrections, ...(read.comment ? { comment: read.comment } : {}) } };
    },
    decide: (d, requestId, actor, options) => d.provisioning.approve(requestId, actor, options),
  });
}
