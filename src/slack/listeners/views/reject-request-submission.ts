// The Reject modal's submission: re-checks everything (approver, not the requester, still pending), demands a
// reason (inline error), then closes the modal and rejects through the core, which updates the card, tells the
// requester and posts the notification.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { readRejectSubmission } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';
import { createDecisionSubmission } from './decision-submission.js';

export function createRejectRequestSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return createDecisionSubmission<string>(deps, {
    verb: 'reject',
    pastTense: 'rejected',
    read(_request, values) {
      const read = readRejectSubmission(values);
      return read.ok ? { ok: true, args: read.reason } : read;
    },
    decide: (d, requestId, actor, reason) => d.provisioning.reject(requestId, actor, reason),
  });
}
