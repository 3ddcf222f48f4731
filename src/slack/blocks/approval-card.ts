// Block Kit for a request: the approval card (redrawn in full from the request at every change, so that a lost or
// late update is repaired by the next one). Person first: a header naming who and what, the record in two columns,
// then who asked, when and the request id; once decided, the outcome comes first. Pure functions of the request;
// everything a person typed or Moodle holds is escaped, every value cut on its own to Slack's limits.
import type { types } from '@slack/bolt';
import { COMMENT_MAX_LENGTH, REASON_MAX_LENGTH } from '../../core/free-text.js';
import { operationOf } from '../../core/operations/registry.js';
import { describeChange } from '../../core/operations/update-user.js';
import type { FieldChange } from '../../core/profile.js';
import { requestHeadline } from '../../core/request-words.js';
import type { RequestRecord, RequestResult } from '../../core/requests.js';
import { ACTION_IDS, BLOCK_IDS } from '../ids.js';
import {
  accountFields,
  button,
  fieldSections,
  fieldText,
  headerText,
  mention,
  profileLink,
  slackDate,
} from './card-parts.js';
import { endReachedStatus, endReachedWords } from './expiry-words.js';
import { importSubject } from './import-card.js';
import { LIMITS, mrkdwn, truncateText } from './text.js';
import { escapeMrkdwn, quoteMrkdwn } from './untrusted.js';

export { buildNotificationLine, buildRequesterMessage } from './request-messages.js';
export { slackDate };

export interface RenderOptions {
  moodleUrl: string;
  /** Shown under the status: an import's progress or totals (import-card.ts). */
  extraBlocks?: types.KnownBlock[];
  /** PASSWORD_MODE, for what the requester is told once the account exists (default: email). */
  passwordMode?: 'email' | 'generate';
  /** Where the cards are, for the notification line of a failure. */
  approvalChannel?: string;
}

export interface SlackMessage {
  text: string;
  blocks?: types.KnownBlock[];
}

/** "Suspend account": the operation's title. */
export function operationTitle(operation: RequestRecord['operation']): string {
  return operationOf(operation).words.title;
}

/** The account a request is about, for a person (raw: escape before putting it in mrkdwn). */
export function describeTarget(request: RequestRecord): string {
  const subject = importSubject(request);
  if (subject !== undefined) return subject;
  const t = request.target;
  const name = t.username ?? t.email ?? (t.moodleId !== undefined ? `id ${t.moodleId}` : 'unknown account');
  return t.moodleId !== undefined && t.username ? `${name} (id ${t.moodleId})` : name;
}

/** The approver's comment or rejection reason, as a quote under the line that says who wrote it. */
export function commentQuote(request: RequestRecord): string {
  const quote = quoteMrkdwn(request.decisionComment ?? '', COMMENT_MAX_LENGTH);
  return quote === '' ? '' : `\n${quote}`;
}

/** The requester's reason, quoted under its own heading; '' when there is none. */
export function reasonQuote(reason: string | undefined): string {
  const quote = quoteMrkdwn(reason ?? '', REASON_MAX_LENGTH);
  return quote === '' ? '' : `*Reason*:\n${quote}`;
}

export function formatChange(change: FieldChange): string {
  const line = describeChange(change);
  return `*${escapeMrkdwn(line.label)}*: ${escapeMrkdwn(line.value, 300)}`;
}

/** Moodle's words and how to fix it, on lines of their own: for the approvers' card only, never the requester. */
function failureDetail(result: RequestResult | undefined): string {
  if (!result || result.ok) return '*What Moodle said:* nothing; the app lost its answer.';
  const unknown = result.outcomeUnknown
    ? '\nMoodle may have carried it out anyway; a retry looks the account up first and never does it twice.'
    : '';
  return `*What Moodle said:* ${escapeMrkdwn(result.message)}\n*To fix:* ${escapeMrkdwn(result.hint)}${unknown}`;
}

/** "1 of 2 approvals: @Alan" for a request that needs several approvers; '' for one that needs one. */
export function approvalProgress(request: RequestRecord): string {
  if (request.approvalsNeeded <= 1) return '';
  const who = request.approvals.map((a) => mention(a.by)).join(', ');
  return `${request.approvals.length} of ${request.approvalsNeeded} approvals${who ? `: ${who}` : ''}`;
}

/** "Approved by @A and @B" (every approver of a quorum), or "Done directly by @Admin" for a direct execution. */
function approvedBy(request: RequestRecord): string {
  if (request.decidedBy && request.decidedBy === request.requester.userId && request.approvals.length === 0) {
    return `Done directly by ${mention(request.decidedBy)}`;
  }
  const ids = request.approvals.length > 0 ? request.approvals.map((a) => a.by) : [request.decidedBy];
  const who = ids.filter((id): id is string => Boolean(id)).map(mention);
  return who.length === 0 ? 'Approved' : `Approved by ${who.join(' and ')}`;
}

/** The outcome line: what happened, who and when, first. The part of the card that changes. */
export function buildStatusText(request: RequestRecord, moodleUrl: string): string {
  const when = request.decidedAt ? ` · ${slackDate(request.decidedAt)}` : '';
  const comment = commentQuote(request);
  const words = operationOf(request.operation).words;
  const ended = endReachedWords(request);
  const endedStatus =
    ended &&
    endReachedStatus(request, ended, {
      link: profileLink(request, moodleUrl),
      failure: failureDetail(request.result),
    });
  if (endedStatus) return endedStatus;
  switch (request.status) {
    case 'pending': {
      const progress = approvalProgress(request);
      if (!progress) return ':hourglass_flowing_sand: *Waiting for an approver.*';
      const needed = request.approvalsNeeded - request.approvals.length;
      return `:hourglass_flowing_sand: *${progress}.* Waiting for ${needed} more approver${needed === 1 ? '' : 's'}; nobody approves twice.`;
    }
    case 'approved':
    case 'executing':
      return `:gear: *${approvedBy(request)}*${when} · running in Moodle…${comment}`;
    case 'succeeded': {
      const link = profileLink(request, moodleUrl);
      return `:white_check_mark: *${approvedBy(request)}*${when} · ${words.outcome}${link ? ` · ${link}` : ''}${comment}`;
    }
    case 'failed': {
      const attempts = request.attempts > 1 ? ` (attempt ${request.attempts})` : '';
      return `:x: *${approvedBy(request)}*${when} · failed in Moodle${attempts}\n${failureDetail(request.result)}\nOnce it is fixed, an approver can retry.${comment}`;
    }
    case 'rejected':
      return `:no_entry: *Rejected by ${request.decidedBy ? mention(request.decidedBy) : 'an approver'}*${when}${comment}`;
    case 'cancelled':
      return `:leftwards_arrow_with_hook: *Cancelled by the requester*${when}`;
    case 'expired':
      return `:alarm_clock: *Expired without a decision*${when}`;
  }
}

/** Plain check lines: what Moodle was asked before anyone approves, and what it said. */
function checkLines(request: RequestRecord): string[] {
  const pre = request.preflight;
  if (!pre) return [];
  if (!pre.checked) return [`:warning: ${escapeMrkdwn(pre.notes.join(' ') || 'Moodle could not be checked.')}`];
  if (pre.conflicts.length > 0) {
    return pre.conflicts.map(
      (c) =>
        `:warning: Moodle already has an account with the same ${c.matchedOn === 'idnumber' ? 'ID number' : c.matchedOn}: ${escapeMrkdwn(c.username)} (id ${c.moodleId})`,
    );
  }
  return pre.notes.map((note) => `:heavy_check_mark: ${escapeMrkdwn(note)}`);
}

/** Header, the record in two columns, the reason, corrections, checks and warning: what the request asks for. */
function requestBlocks(request: RequestRecord): types.KnownBlock[] {
  const definition = operationOf(request.operation);
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: headerText(requestHeadline(request)) },
    ...fieldSections([...accountFields(request), ...definition.describe(request.payload).map(fieldText)]),
  ];
  const reason = reasonQuote(request.reason);
  if (reason) blocks.push({ type: 'section', text: mrkdwn(reason) });
  if (request.corrections && request.corrections.length > 0) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`*Corrected by the approver:*\n${request.corrections.map(formatChange).join('\n')}`),
    });
  }
  const checks = checkLines(request);
  if (definition.words.warning && request.status === 'pending') {
    checks.push(`:warning: ${escapeMrkdwn(definition.words.warning)}`);
  }
  if (checks.length > 0) {
    blocks.push({ type: 'context', elements: checks.slice(0, 9).map((line) => mrkdwn(line, LIMITS.contextText)) });
  }
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Requested by ${mention(request.requester.userId)} · ${slackDate(request.createdAt)} · Request \`${request.id}\``,
        LIMITS.contextText,
      ),
    ],
  });
  return blocks;
}

/** Approve… and Reject… while pending (a destructive approval is the dangerous one), Retry once failed. */
function actionsBlock(request: RequestRecord): types.ActionsBlock | undefined {
  const destructive = operationOf(request.operation).destructive === true;
  let elements: types.Button[];
  if (request.status === 'pending') {
    elements = [
      button(ACTION_IDS.approveRequestButton, 'Approve…', request.id, destructive ? 'danger' : 'primary'),
      button(ACTION_IDS.rejectRequestButton, 'Reject…', request.id, destructive ? undefined : 'danger'),
    ];
  } else if (request.status === 'failed') {
    elements = [button(ACTION_IDS.retryRequestButton, 'Retry', request.id)];
  } else {
    return undefined;
  }
  return { type: 'actions', block_id: BLOCK_IDS.requestActionsBlock, elements };
}

/** The whole approval card, from the request alone. Buttons carry the request id; everything else is looked up. */
export function buildApprovalCard(request: RequestRecord, options: RenderOptions): SlackMessage {
  const status: types.SectionBlock = { type: 'section', text: mrkdwn(buildStatusText(request, options.moodleUrl)) };
  // An import's progress or totals (import-card.ts) belong with the status.
  const extra = options.extraBlocks ?? [];
  const blocks: types.KnownBlock[] =
    request.status === 'pending'
      ? [...requestBlocks(request), status, ...extra]
      : [status, ...extra, { type: 'divider' }, ...requestBlocks(request)];
  const actions = actionsBlock(request);
  if (actions) blocks.push(actions);
  // The fallback (notifications, search): headline, username and id; ends with the status, cut before it if need be.
  const username = request.target.username ? ` · ${escapeMrkdwn(request.target.username, 100)}` : '';
  const head = truncateText(`${escapeMrkdwn(requestHeadline(request), 300)}${username}`, LIMITS.messageText - 40);
  return { text: `${head} (${request.id}): ${request.status}`, blocks };
}
