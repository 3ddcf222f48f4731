// Submission of the "New Moodle user" modal. Within the 3-second ack: parse the values, check Moodle's rules locally,
// then let the core check Moodle and the requests in flight (planCreate); every problem, a taken username or email
// included, goes back inline under its field (`response_action: errors`, keyed by block_id), so the form keeps what
// was typed. Otherwise the modal is replaced by a "Checking Moodle…" view, and after the request is stored (direct
// execution or approval) by the result, through views.update. The result view is the only place a generated password
// appears.
import type { Middleware, SlackViewMiddlewareArgs, types, webApi } from '@slack/bolt';
import { readEndDate } from '../../../core/account-end-dates.js';
import { checkReasonGiven } from '../../../core/policy.js';
import type { SubmitOutcome } from '../../../core/provisioning.js';
import type { CreatePlan } from '../../../core/use-cases/create-account.js';
import type { FieldProblem } from '../../../core/user-record.js';
import type { Logger } from '../../../logger.js';
import { buildCreateReply, buildCreateResultView, type CreateResultContext } from '../../blocks/create-result.js';
import { buildCheckingView, showsAuthChoice } from '../../blocks/new-user-modal.js';
import { truncateText } from '../../blocks/text.js';
import { BLOCK_IDS, userFieldIds } from '../../ids.js';
import { slackFailureCode } from '../../notifier.js';
import { timeZoneOf } from '../../user-time-zone.js';
import {
  idsOf,
  MEMBERSHIP_FORM_FIELDS,
  NEW_USER_MODAL_FIELDS,
  type NewUserFieldKey,
  parseNewUserMetadata,
  parseNewUserValues,
} from '../../views/new-user-values.js';
import { PLAN_DEADLINE_MS, withinDeadline } from '../deadline.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { readPickedDate } from './extend-end-date-submission.js';
import { readSubmitter } from './submitter.js';

/** Slack shows an inline error under one input; long texts are cut so that the whole ack stays valid. */
const MAX_ERROR_LENGTH = 2_000;

/** The block_ids of the modal's input blocks, by field, as built for this configuration. */
function inputBlocks(allowedAuth: readonly string[], memberships: boolean): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const key of NEW_USER_MODAL_FIELDS) {
    if (key === 'auth' && !showsAuthChoice(allowedAuth)) continue;
    blocks.set(key, userFieldIds(key).blockId);
  }
  blocks.set('reason', BLOCK_IDS.reasonBlock);
  blocks.set('until', BLOCK_IDS.endDateBlock);
  if (memberships) for (const key of MEMBERSHIP_FORM_FIELDS) blocks.set(key, idsOf(key).blockId);
  return blocks;
}

/**
 * `response_action: errors` keyed by block_id. A problem whose field has no input in the modal (the record as a
 * whole, or a field the form does not show) goes under the email, the field that identifies the account.
 */
export function buildInlineErrors(
  problems: readonly FieldProblem[],
  allowedAuth: readonly string[],
  memberships = false,
): Record<string, string> {
  const blocks = inputBlocks(allowedAuth, memberships);
  const fallback = userFieldIds('email').blockId;
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const blockId = blocks.get(problem.field) ?? fallback;
    errors[blockId] = errors[blockId] ? `${errors[blockId]} ${problem.message}` : problem.message;
  }
  for (const [blockId, message] of Object.entries(errors)) errors[blockId] = truncateText(message, MAX_ERROR_LENGTH);
  return errors;
}

/**
 * When the result view cannot be shown (the person closed the modal, Slack failed), the same message goes to them
 * privately: an ephemeral in the channel where they typed the command, or else a direct message. The direct
 * message leaves a generated password out (a DM is kept in history); it says how to set a new one instead.
 */
async function sendFallback(
  client: webApi.WebClient,
  userId: string,
  channelId: string | undefined,
  outcome: SubmitOutcome,
  context: CreateResultContext,
  logger: Logger,
): Promise<void> {
  if (channelId) {
    try {
      const message = buildCreateReply(outcome, context);
      await client.chat.postEphemeral({ channel: channelId, user: userId, text: message.text, blocks: message.blocks });
      return;
    } catch (err) {
      logger.warn({ slackError: slackFailureCode(err) }, 'could not post the result as an ephemeral message');
    }
  }
  try {
    let withoutPassword = outcome;
    if (outcome.kind === 'executed' && outcome.execution.password) {
      const { password: _hidden, ...execution } = outcome.execution;
      withoutPassword = { kind: 'executed', execution };
    }
    const message = buildCreateReply(withoutPassword, context);
    const blocks: types.KnownBlock[] = [...message.blocks];
    if (outcome.kind === 'executed' && outcome.execution.password) {
      blocks.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: 'The temporary password could not be shown to you safely; set a new one on the account in Moodle.',
        },
      });
    }
    await client.chat.postMessage({ channel: userId, text: message.text, blocks });
  } catch (err) {
    logger.error({ slackError: slackFailureCode(err) }, 'could not tell the requester the result of their create');
  }
}

const SAME_WORDS = { username: 'username', email: 'email address', idnumber: 'ID number' } as const;

/**
 * The problems of a planned create that the person can fix in the form: invalid values, an existing account with the
 * same username, email or ID number (as this reader may see it), a create for the same one in flight.
 */
export function formProblemsOf(outcome: CreatePlan | SubmitOutcome): FieldProblem[] | undefined {
  switch (outcome.kind) {
    case 'invalid':
      return outcome.problems;
    case 'exists':
      return outcome.conflicts.map((c) => ({
        field: c.matchedOn,
        message:
          `Moodle already has an account with this ${SAME_WORDS[c.matchedOn]}: ${c.username} (id ${c.moodleId}). ` +
          'Use that account, or change this.',
      }));
    case 'refused':
      return outcome.field ? [{ field: outcome.field, message: outcome.reason }] : undefined;
    default:
      return undefined;
  }
}

const UNEXPECTED: SubmitOutcome = {
  kind: 'unavailable',
  message:
    'The app failed unexpectedly before anything was sent to Moodle. Try again; if it persists, ask an admin to check the app’s log.',
};

export function createNewUserSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const userId = await readSubmitter(body, ack, logger);
    if (userId === undefined) return;
    const { allowedAuth } = deps.config;
    const parsed = parseNewUserValues(view.state?.values);
    const local = parsed.problems.length > 0 ? undefined : deps.provisioning.validateCreate(parsed.fields);
    const reasonMissing = checkReasonGiven(deps.config, 'create', parsed.fields.reason);
    // The end date's day is read in the person's Slack time zone (asked of Slack only when a day is picked).
    const until = readPickedDate(view.state?.values);
    const timeZone = until ? await timeZoneOf(client, userId) : 'UTC';
    const end = readEndDate(until, timeZone, deps.clock.now());
    const problems = [
      ...(local && !local.ok ? local.problems : parsed.problems),
      ...(reasonMissing ? [reasonMissing] : []),
      ...(end.ok ? [] : end.problems),
    ];
    const memberships = Object.keys(deps.config.roleIds).length > 0;
    if (problems.length > 0) {
      logger.info({ fields: problems.map((p) => p.field) }, 'new user form has problems');
      await ack({ response_action: 'errors', errors: buildInlineErrors(problems, allowedAuth, memberships) });
      return;
    }
    const { channelId } = parseNewUserMetadata(view.private_metadata);
    const requester = {
      userId,
      ...(body.team?.id ? { teamId: body.team.id } : {}),
      ...(channelId ? { channelId } : {}),
    };
    const fields = {
      ...(parsed.fields as Record<NewUserFieldKey, string | undefined>),
      ...(until ? { until } : {}),
    };
    const planning = deps.provisioning.planCreate(requester, fields, { timeZone }).catch((err: unknown) => {
      logger.error({ err }, 'new user submission failed');
      return UNEXPECTED;
    });
    const timed = await withinDeadline(planning, PLAN_DEADLINE_MS);
    const fixable = timed.done ? formProblemsOf(timed.value) : undefined;
    if (fixable) {
      logger.info({ fields: fixable.map((p) => p.field) }, 'new user form clashes or has problems in Moodle');
      await ack({ response_action: 'errors', errors: buildInlineErrors(fixable, allowedAuth, memberships) });
      return;
    }
    // When Moodle is slower than Slack's 3 seconds the form cannot wait: it gives way to "Checking Moodle…" as it
    // always did, and a taken username or email is said in the result view (what was typed is then lost).
    await ack({ response_action: 'update', view: buildCheckingView() });
    const planned = timed.done ? timed.value : await planning;
    const outcome =
      planned.kind === 'planned'
        ? await deps.provisioning.submitPlannedCreate(planned).catch((err: unknown) => {
            logger.error({ err }, 'new user submission failed');
            return UNEXPECTED;
          })
        : planned;
    if (outcome.kind === 'refused') logger.warn({ requester: userId, operation: 'create' }, 'create refused');
    else logger.info({ outcome: outcome.kind }, 'create submitted');
    await showResult(client, view.id, { userId, channelId, outcome, logger, input: parsed.fields }, deps);
  };
}

/** The result in the modal, or privately elsewhere when the modal cannot show it. */
async function showResult(
  client: webApi.WebClient,
  viewId: string,
  shown: {
    userId: string;
    channelId: string | undefined;
    outcome: SubmitOutcome;
    logger: Logger;
    input: CreateResultContext['input'];
  },
  deps: ListenerDeps,
): Promise<void> {
  const { userId, channelId, outcome, logger, input } = shown;
  const resultContext: CreateResultContext = {
    moodleUrl: deps.config.moodle.url,
    approvalChannel: deps.config.approvalChannel,
    input,
  };
  try {
    // No hash: the ack's `update` gave the view a new one that this handler never sees.
    await client.views.update({ view_id: viewId, view: buildCreateResultView(outcome, resultContext) });
  } catch (err) {
    logger.warn({ slackError: slackFailureCode(err) }, 'could not show the result in the modal');
    await sendFallback(client, userId, channelId, outcome, resultContext, logger);
  }
}
