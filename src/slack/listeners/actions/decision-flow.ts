// What the approval buttons and the decision modals share: reading a button click, telling the person privately
// why they were refused, redrawing a stale card from the stored request, and reporting a decision's outcome to the
// approver who made it (the card, the requester's DM and the notification are the core's, through the Notifier).
import type { types, webApi } from '@slack/bolt';
import { z } from 'zod';
import type { DecisionOutcome } from '../../../core/provisioning.js';
import { type MessageLocation, parseRequestId, type RequestRecord } from '../../../core/requests.js';
import type { Logger } from '../../../logger.js';
import { buildApprovalCard } from '../../blocks/approval-card.js';
import type { DecisionMetadata } from '../../blocks/decision-modals.js';
import {
  approvalRecordedReply,
  failedReply,
  formNotOpenedReply,
  NO_REQUEST_REPLY,
  passwordNotShownReply,
  passwordReply,
  passwordUnknownNote,
  refusedReply,
} from '../../blocks/decision-replies.js';
import { sendPasswordPrivately, sendPrivately } from '../../notifier.js';
import type { ListenerDeps } from '../deps.js';

const buttonClickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  actions: z.array(z.looseObject({ value: z.string().max(100).optional() })).min(1),
  channel: z.looseObject({ id: z.string() }).optional(),
  container: z
    .looseObject({
      channel_id: z.string().optional(),
      message_ts: z.string().optional(),
      is_ephemeral: z.boolean().optional(),
    })
    .optional(),
});

export interface ButtonClick {
  userId: string;
  triggerId: string;
  /** Undefined when the button's value is not a request id. */
  requestId: string | undefined;
  /** Where the click happened (for ephemeral replies). */
  channelId: string | undefined;
  /** The card clicked, when it is a regular message (ephemeral messages cannot be updated). */
  card: MessageLocation | undefined;
}

/** Reads a block_actions payload from a request button; undefined when it is not one (never trusted further). */
export function readButtonClick(body: unknown): ButtonClick | undefined {
  const parsed = buttonClickSchema.safeParse(body);
  if (!parsed.success) return undefined;
  const b = parsed.data;
  const value = b.actions[0]?.value;
  const channelId = b.channel?.id ?? b.container?.channel_id;
  const ts = b.container?.message_ts;
  return {
    userId: b.user.id,
    triggerId: b.trigger_id,
    requestId: value === undefined ? undefined : parseRequestId(value),
    channelId,
    card: channelId && ts && !b.container?.is_ephemeral ? { channel: channelId, ts } : undefined,
  };
}

/** Tells one person something privately; a failure is logged, never thrown (the person is already acked). */
export async function tellPrivately(
  client: webApi.WebClient,
  logger: Logger,
  to: { user: string; channel?: string | undefined },
  text: string,
): Promise<void> {
  try {
    await sendPrivately(client, { user: to.user, text, ...(to.channel ? { channel: to.channel } : {}) });
  } catch (err) {
    logger.warn({ err, slackUser: to.user }, 'could not send a private reply');
  }
}

/**
 * Redraws the card from the stored request, so that a card a lost update left behind (still showing buttons on a
 * decided request) is repaired by the next click on it.
 */
export async function refreshCard(
  deps: ListenerDeps,
  client: webApi.WebClient,
  logger: Logger,
  request: RequestRecord | undefined,
  clicked?: MessageLocation,
): Promise<void> {
  const location = request?.approvalMessage ?? clicked;
  if (!request || !location) return;
  try {
    await client.chat.update({
      channel: location.channel,
      ts: location.ts,
      ...buildApprovalCard(request, { moodleUrl: deps.config.moodle.url }),
    });
  } catch (err) {
    logger.warn({ err, requestId: request.id }, 'could not refresh the approval card');
  }
}

/**
 * Tells the approver who decided (or retried) what came of it, privately: a lost race, a Moodle failure, and, in
 * PASSWORD_MODE=generate, the new account's password, once, on a client that logs nothing.
 */
export async function reportOutcome(
  deps: ListenerDeps,
  client: webApi.WebClient,
  logger: Logger,
  outcome: DecisionOutcome,
  to: { user: string; channel?: string | undefined },
): Promise<void> {
  switch (outcome.kind) {
    case 'refused':
      await tellPrivately(client, logger, to, refusedReply(outcome.reason));
      await refreshCard(deps, client, logger, outcome.current);
      return;
    case 'rejected':
      return;
    case 'approval_recorded':
      await tellPrivately(client, logger, to, approvalRecordedReply(outcome.request));
      return;
    case 'failed':
      await tellPrivately(client, logger, to, failedReply(outcome.execution.request, outcome.failure.hint));
      return;
    case 'executed': {
      const { execution } = outcome;
      const { request } = execution;
      const username = execution.username ?? request.target.username ?? 'the new account';
      if (execution.passwordUnknown) {
        await tellPrivately(client, logger, to, passwordUnknownNote(request, username));
        return;
      }
      if (!execution.password) return;
      try {
        await sendPasswordPrivately(deps.config, {
          user: to.user,
          ...(to.channel ? { channel: to.channel } : {}),
          password: execution.password,
          text: (password) => passwordReply(request, username, password),
        });
      } catch (err) {
        logger.error({ err, requestId: request.id }, 'could not show the generated password');
        await tellPrivately(client, logger, to, passwordNotShownReply(request, username));
      }
      return;
    }
  }
}

export type DecisionModalBuilder = (
  request: RequestRecord,
  options: { moodleUrl: string; metadata: DecisionMetadata },
) => types.ModalView;

/** The modal a decision button opened: the checked request, the view (for a later update) and its metadata. */
export interface OpenedDecision {
  request: RequestRecord;
  viewId: string | undefined;
  hash: string | undefined;
  metadata: DecisionMetadata;
}

const openedViewSchema = z.looseObject({ view: z.looseObject({ id: z.string(), hash: z.string().optional() }) });

/**
 * Approve… / Reject…: after the ack, check who clicked and the request's state, then open the modal with the
 * click's trigger_id at once (it lives 3 s and works once). Everything is checked again at submission.
 */
export async function openDecisionModal(
  deps: ListenerDeps,
  client: webApi.WebClient,
  logger: Logger,
  body: unknown,
  verb: 'approve' | 'reject',
  build: DecisionModalBuilder,
): Promise<OpenedDecision | undefined> {
  const click = readButtonClick(body);
  if (!click) {
    logger.warn({ verb }, 'decision click without the expected payload');
    return undefined;
  }
  const to = { user: click.userId, channel: click.channelId };
  if (!click.requestId) {
    await tellPrivately(client, logger, to, NO_REQUEST_REPLY);
    return undefined;
  }
  try {
    const check = await deps.provisioning.checkDecision(click.requestId, click.userId, verb);
    if (!check.ok) {
      await tellPrivately(client, logger, to, refusedReply(check.reason));
      await refreshCard(deps, client, logger, check.current, click.card);
      return undefined;
    }
    const card = check.request.approvalMessage ?? click.card;
    const metadata: DecisionMetadata = { requestId: check.request.id, ...(card ? { card } : {}) };
    const opened = await client.views.open({
      trigger_id: click.triggerId,
      view: build(check.request, { moodleUrl: deps.config.moodle.url, metadata }),
    });
    const view = openedViewSchema.safeParse(opened);
    return {
      request: check.request,
      viewId: view.success ? view.data.view.id : undefined,
      hash: view.success ? view.data.view.hash : undefined,
      metadata,
    };
  } catch (err) {
    logger.error({ err, requestId: click.requestId, verb }, 'could not open the decision form');
    await tellPrivately(client, logger, to, formNotOpenedReply(click.requestId, verb));
    return undefined;
  }
}
