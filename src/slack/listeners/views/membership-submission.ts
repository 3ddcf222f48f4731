// The "Courses and cohorts" modal's submission. Within Slack's 3 seconds: the form is read (zod), then the core
// plans the change (the courses or cohort exist, the role and dates, the account, nothing alike in flight); every
// problem goes back under its field. Then the modal closes, one request per course or cohort is stored (executed
// directly or posted for approval) and the person gets a direct message. If Moodle is too slow for the 3 seconds,
// the modal says it is still checking and shows what came of it there.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { ChangeOutcome } from '../../../core/accounts.js';
import { checkReason } from '../../../core/free-text.js';
import { type MembershipAsk, type MembershipPlan, membershipServiceFor } from '../../../core/memberships.js';
import { checkReasonGiven } from '../../../core/policy.js';
import { buildNoticeModal, decodeAccountMetadata } from '../../blocks/edit-user-modal.js';
import { MEMBERSHIP_MODAL_TITLE as TITLE } from '../../blocks/membership-modal.js';
import { accountNameOf, buildChangeReply } from '../../blocks/user-card.js';
import { BLOCK_IDS } from '../../ids.js';
import { timeZoneOf } from '../../user-time-zone.js';
import { membershipErrors, readMembershipValues } from '../../views/membership-values.js';
import { PLAN_DEADLINE_MS, withinDeadline } from '../deadline.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { createDirectMessage, guardSubmission, requesterOf } from './edit-user-submission.js';

/** Why nothing was planned, in a sentence for the notice modal. */
function messageOf(outcome: ChangeOutcome): string {
  switch (outcome.kind) {
    case 'invalid':
      return `Nothing was stored. ${outcome.problems.map((p) => p.message).join(' ')}`;
    case 'refused':
      return outcome.reason;
    case 'pending':
    case 'executed':
    case 'failed':
      return 'The request was sent; you get a direct message with its outcome.';
    case 'preview':
      // The form never asks for a dry run; said plainly should one arrive.
      return 'This was a dry run: nothing was stored and Moodle was not changed.';
    default:
      return outcome.message;
  }
}

export function createMembershipSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return guardSubmission(TITLE, deps, async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const metadata = decodeAccountMetadata(view.private_metadata);
    if (!metadata) {
      const text = 'This form is out of date or damaged. Run /moodle-user enrol <user> again.';
      await ack({ response_action: 'update', view: buildNoticeModal(TITLE, text) });
      return;
    }
    const read = readMembershipValues(view.state.values);
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const { operation } = read.ask;
    const reasonProblem = checkReason(read.reason) ?? checkReasonGiven(deps.config, operation, read.reason);
    if (reasonProblem) {
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.reasonBlock]: reasonProblem.message } });
      return;
    }
    const requester = requesterOf(body.user, metadata);
    const service = membershipServiceFor(deps);
    const planning = (async () => {
      // Dates are read in the person's Slack time zone; only an enrolment has any.
      const ask: MembershipAsk =
        read.ask.operation === 'enrol' ? { ...read.ask, timeZone: await timeZoneOf(client, body.user.id) } : read.ask;
      return service.plan(requester, { by: 'id', id: metadata.moodleId }, ask);
    })();
    const timed = await withinDeadline(planning, PLAN_DEADLINE_MS);
    const dm = createDirectMessage(client, body.user.id, logger, 'could not send the outcome of a membership change');
    const submit = async (planned: MembershipPlan) => {
      for (const outcome of await service.submit(planned, read.reason || undefined)) {
        // An executed or failed request is told to the requester by the notifier's direct message already.
        if (outcome.kind === 'executed' || outcome.kind === 'failed') continue;
        await dm(buildChangeReply(outcome, operation, accountNameOf(outcome, metadata.username)));
      }
    };

    if (!timed.done) {
      // Moodle is slow: Slack would close the form on its own; say so in it and finish there.
      await ack({ response_action: 'update', view: buildNoticeModal(TITLE, 'Still checking with Moodle…') });
      const show = (text: string) =>
        client.views
          .update({ view_id: view.id, view: buildNoticeModal(TITLE, text) })
          .catch((err: unknown) => logger.warn({ err }, 'could not update the membership modal'));
      const planned = await planning;
      if (planned.kind !== 'planned') {
        await show(messageOf(planned));
        return;
      }
      await submit(planned);
      await show('Checked and sent; you get a direct message with the outcome of each course or cohort.');
      return;
    }

    const planned = timed.value;
    if (planned.kind === 'invalid') {
      await ack({ response_action: 'errors', errors: membershipErrors(planned.problems, operation) });
      return;
    }
    if (planned.kind === 'refused' && planned.inFlight) {
      // The same change already waits: say it under the course or cohort, so that the rest of the form stays.
      const errors = membershipErrors([{ field: '*', message: planned.reason }], operation);
      await ack({ response_action: 'errors', errors });
      return;
    }
    if (planned.kind !== 'planned') {
      await ack({ response_action: 'update', view: buildNoticeModal(TITLE, messageOf(planned)) });
      return;
    }
    await ack();
    await submit(planned);
  });
}
