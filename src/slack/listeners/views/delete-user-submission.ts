// The delete confirmation modal's submission. The typed username must equal the account's exactly (checked
// against the modal's account first, then against Moodle again by id); a mismatch is an inline error and nothing is
// stored. Refusals (protected account, request already in flight, account gone) replace the modal. Otherwise the
// modal closes, the deletion request is stored (APPROVAL_REQUIRED decides whether it needs an approver) and the
// person gets a direct message.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { accountServiceFor } from '../../../core/accounts.js';
import { checkReason } from '../../../core/free-text.js';
import { checkReasonGiven } from '../../../core/policy.js';
import { buildNoticeModal, decodeAccountMetadata } from '../../blocks/edit-user-modal.js';
import { buildChangeOutcome, buildNotice } from '../../blocks/user-card.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../../ids.js';
import { PLAN_DEADLINE_MS, withinDeadline } from '../deadline.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { createDirectMessage, guardSubmission, readText, requesterOf } from './edit-user-submission.js';

const TITLE = 'Delete Moodle user';

export function createDeleteUserSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return guardSubmission(TITLE, deps, async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const metadata = decodeAccountMetadata(view.private_metadata);
    if (!metadata) {
      await ack({
        response_action: 'update',
        view: buildNoticeModal(TITLE, 'This form is out of date or damaged. Run /moodle-user delete <user> again.'),
      });
      return;
    }
    const typed = readText(view.state.values, BLOCK_IDS.deleteConfirmBlock, INPUT_ACTION_IDS.deleteConfirmInput);
    const reason = readText(view.state.values, BLOCK_IDS.reasonBlock, INPUT_ACTION_IDS.reasonInput).trim();
    // Every problem of the form at once, each under its input.
    const errors: Record<string, string> = {};
    const reasonProblem = checkReason(reason) ?? checkReasonGiven(deps.config, 'delete', reason);
    if (reasonProblem) errors[BLOCK_IDS.reasonBlock] = reasonProblem.message;
    if (typed.trim() !== metadata.username) {
      errors[BLOCK_IDS.deleteConfirmBlock] =
        `That is not the username. Type ${metadata.username} exactly to confirm, or cancel.`;
    }
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const requester = requesterOf(body.user, metadata);
    const accounts = accountServiceFor(deps);
    const planning = accounts.planDeletion(requester, metadata.moodleId, typed);
    const timed = await withinDeadline(planning, PLAN_DEADLINE_MS);
    let planned: Awaited<typeof planning>;
    if (timed.done) {
      planned = timed.value;
      if (planned.kind === 'mismatch') {
        await ack({ response_action: 'errors', errors: { [BLOCK_IDS.deleteConfirmBlock]: planned.message } });
        return;
      }
      if (planned.kind !== 'target') {
        const text = planned.kind === 'refused' ? planned.reason : planned.message;
        await ack({ response_action: 'update', view: buildNoticeModal(TITLE, `Nothing was stored. ${text}`) });
        return;
      }
      await ack();
    } else {
      await ack();
      planned = await planning;
    }
    const dm = createDirectMessage(client, body.user.id, logger, 'could not send the outcome of a deletion request');
    if (planned.kind !== 'target') {
      const text = planned.kind === 'refused' ? planned.reason : planned.message;
      await dm(buildNotice(`Nothing was stored for the deletion of ${metadata.username}. ${text}`, ':no_entry:'));
      return;
    }
    const outcome = await accounts.submitDeletion(requester, planned.user, reason || undefined);
    if (outcome.kind !== 'executed' && outcome.kind !== 'failed') {
      await dm(buildChangeOutcome(outcome, 'delete', `${planned.user.username} (id ${planned.user.id})`));
    }
  });
}
