// The "Edit Moodle user" modal's submission. Within Slack's 3 seconds: the form is read (zod), the account looked
// up again by id, only the changed fields kept and validated, renames and email changes checked for clashes; every
// problem goes back inline under its field. Then the modal closes, the request is stored (executed directly or
// posted for approval) and the person gets a direct message. If Moodle is too slow for the 3 seconds, the modal
// says it is still checking and shows the outcome when it has one.
import type { AllMiddlewareArgs, Middleware, SlackViewMiddlewareArgs, ViewResponseAction } from '@slack/bolt';
import { z } from 'zod';
import { accountServiceFor, type PlanOutcome } from '../../../core/accounts.js';
import { checkReason } from '../../../core/free-text.js';
import { checkReasonGiven } from '../../../core/policy.js';
import type { RequesterContext } from '../../../core/requests.js';
import type { FieldProblem } from '../../../core/user-record.js';
import type { Logger } from '../../../logger.js';
import {
  type AccountModalMetadata,
  buildNoticeModal,
  decodeAccountMetadata,
  EDIT_USER_FIELDS,
} from '../../blocks/edit-user-modal.js';
import { buildChangeOutcome, type EphemeralReply } from '../../blocks/user-card.js';
import { BLOCK_IDS, INPUT_ACTION_IDS, USER_FIELD_KEYS, type UserFieldKey, userFieldIds } from '../../ids.js';
import { PLAN_DEADLINE_MS, withinDeadline } from '../deadline.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

const TITLE = 'Edit Moodle user';
/** How long the submission may wait for Moodle before answering Slack (which gives up after 3 s). */

const textStateSchema = z.object({ value: z.string().nullish() }).loose();
const stateSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** A text input's value from untrusted view state ('' when empty or missing). */
export function readText(values: unknown, blockId: string, actionId: string): string {
  const state = stateSchema.safeParse(values);
  if (!state.success) return '';
  const parsed = textStateSchema.safeParse(state.data[blockId]?.[actionId]);
  return parsed.success ? (parsed.data.value ?? '') : '';
}

export function readEditValues(values: unknown): { fields: Record<UserFieldKey, string>; reason: string } {
  const fields = Object.fromEntries(
    EDIT_USER_FIELDS.map((key) => {
      const { blockId, actionId } = userFieldIds(key);
      return [key, readText(values, blockId, actionId)];
    }),
  ) as Record<UserFieldKey, string>;
  return { fields, reason: readText(values, BLOCK_IDS.reasonBlock, INPUT_ACTION_IDS.reasonInput).trim() };
}

/** `response_action: errors` keyed by the field's block; problems about the record as a whole go on the first field. */
export function inlineErrors(problems: readonly FieldProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const p of problems) {
    const blockId = (USER_FIELD_KEYS as readonly string[]).includes(p.field)
      ? userFieldIds(p.field as UserFieldKey).blockId
      : userFieldIds(EDIT_USER_FIELDS[0]).blockId;
    errors[blockId] = errors[blockId] ? `${errors[blockId]} ${p.message}` : p.message;
  }
  return errors;
}

function messageOf(outcome: Exclude<PlanOutcome, { kind: 'planned' }>): string {
  if (outcome.kind === 'problems') return `Nothing was stored. ${outcome.problems.map((p) => p.message).join(' ')}`;
  return outcome.kind === 'refused' ? outcome.reason : outcome.message;
}

type ViewArgs = SlackViewMiddlewareArgs & AllMiddlewareArgs;

/** Who submits an account modal, and the channel its command was typed in (carried in private_metadata). */
export function requesterOf(user: ViewArgs['body']['user'], metadata: AccountModalMetadata): RequesterContext {
  return {
    userId: user.id,
    ...(user.team_id ? { teamId: user.team_id } : {}),
    ...(metadata.channelId ? { channelId: metadata.channelId } : {}),
  };
}

/** Sends a reply to the person by direct message; a failure is logged as `failure`, the submission carries on. */
export function createDirectMessage(
  client: ViewArgs['client'],
  userId: string,
  logger: Logger,
  failure: string,
): (reply: EphemeralReply) => Promise<void> {
  return async (reply) => {
    try {
      await client.chat.postMessage({
        channel: userId,
        text: reply.text,
        ...(reply.blocks ? { blocks: reply.blocks } : {}),
      });
    } catch (err) {
      logger.warn({ err }, failure);
    }
  };
}

/**
 * Runs a submission handler so that an unexpected failure still reaches the person: inside the modal when Slack is
 * still waiting for the answer, by direct message once it has been given.
 */
export function guardSubmission(
  title: string,
  deps: ListenerDeps,
  handle: (args: ViewArgs) => Promise<void>,
): Middleware<SlackViewMiddlewareArgs> {
  return async (args) => {
    let acked = false;
    const ack = (async (response?: ViewResponseAction) => {
      acked = true;
      // The union ack type takes void for view_closed; this listener only gets view_submission.
      await (args.ack as (r?: ViewResponseAction) => Promise<void>)(response);
    }) as ViewArgs['ack'];
    try {
      await handle({ ...args, ack });
    } catch (err) {
      requestLogger(args.context, deps.logger).error({ err, callbackId: args.view.callback_id }, 'submission failed');
      const text =
        'Sorry, this failed unexpectedly. Check `/moodle-user requests mine` before trying again, and ask an admin to look at the app log.';
      if (!acked) await args.ack({ response_action: 'update', view: buildNoticeModal(title, text) }).catch(() => {});
      else await args.client.chat.postMessage({ channel: args.body.user.id, text }).catch(() => {});
    }
  };
}

export function createEditUserSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return guardSubmission(TITLE, deps, async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const metadata = decodeAccountMetadata(view.private_metadata);
    if (!metadata) {
      await ack({
        response_action: 'update',
        view: buildNoticeModal(TITLE, 'This form is out of date or damaged. Run /moodle-user update <user> again.'),
      });
      return;
    }
    const { fields, reason } = readEditValues(view.state.values);
    // The form's max_length is the browser's word only: a forged submission is checked here.
    const tooLong = checkReason(reason) ?? checkReasonGiven(deps.config, 'update', reason);
    if (tooLong) {
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.reasonBlock]: tooLong.message } });
      return;
    }
    const requester = requesterOf(body.user, metadata);
    const accounts = accountServiceFor(deps);
    const planning = accounts.planFormUpdate(requester, { by: 'id', id: metadata.moodleId }, fields);
    const timed = await withinDeadline(planning, PLAN_DEADLINE_MS);

    const dm = createDirectMessage(client, body.user.id, logger, 'could not send the outcome of an account edit');

    if (!timed.done) {
      // Moodle is slow: keep the person informed in the modal and finish there.
      await ack({ response_action: 'update', view: buildNoticeModal(TITLE, 'Still checking with Moodle…') });
      const viewId = view.id;
      const show = async (text: string) => {
        try {
          await client.views.update({ view_id: viewId, view: buildNoticeModal(TITLE, text) });
        } catch (err) {
          logger.warn({ err }, 'could not update the edit modal');
        }
      };
      const planned = await planning;
      if (planned.kind !== 'planned') {
        await show(messageOf(planned));
        return;
      }
      const outcome = await accounts.submitUpdate(requester, planned, reason || undefined);
      const reply = buildChangeOutcome(outcome, 'update', metadata.username);
      await show(reply.text);
      if (outcome.kind !== 'executed' && outcome.kind !== 'failed') await dm(reply);
      return;
    }

    const planned = timed.value;
    if (planned.kind === 'problems') {
      await ack({ response_action: 'errors', errors: inlineErrors(planned.problems) });
      return;
    }
    if (planned.kind !== 'planned') {
      await ack({ response_action: 'update', view: buildNoticeModal(TITLE, messageOf(planned)) });
      return;
    }
    await ack();
    const outcome = await accounts.submitUpdate(requester, planned, reason || undefined);
    // An executed or failed request is told to the requester by the notifier's direct message already.
    if (outcome.kind !== 'executed' && outcome.kind !== 'failed') {
      await dm(buildChangeOutcome(outcome, 'update', metadata.username));
    }
  });
}
