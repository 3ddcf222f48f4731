// Block Kit for a request: the approval card (redrawn in full from the request at every change, so that a lost or
// late update is repaired by the next one), the requester's direct message and the one-line notification.
// Pure functions of the request record; everything a person typed is escaped, every text cut to Slack's limits.
import type { types } from '@slack/bolt';
import { SYSTEM_ACTOR } from '../../core/audit.js';
import { COMMENT_MAX_LENGTH, REASON_MAX_LENGTH } from '../../core/free-text.js';
import { operationOf } from '../../core/operations/registry.js';
import type { RecordLine } from '../../core/operations/types.js';
import { describeChange } from '../../core/operations/update-user.js';
import type { FieldChange } from '../../core/profile.js';
import type { RequestEvent } from '../../core/provisioning.js';
import type { RequestRecord, RequestResult } from '../../core/requests.js';
import { ACTION_IDS, BLOCK_IDS } from '../ids.js';
import { endReachedLine, endReachedRequesterText, endReachedStatus, endReachedWords } from './expiry-words.js';
import { importSubject } from './import-card.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn, quoteMrkdwn } from './untrusted.js';

export interface RenderOptions {
  moodleUrl: string;
  /** Shown under the status: an import's progress or totals (import-card.ts). */
  extraBlocks?: types.KnownBlock[];
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

/** `<!date^…>` renders in each reader's time zone; the fallback is UTC ISO. */
export function slackDate(at: Date): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString()}>`;
}

function mention(userId: string): string {
  // The system acts for scheduled actions (an account's end date): not a Slack user to mention.
  return userId === SYSTEM_ACTOR ? 'the app (scheduled)' : `<@${userId}>`;
}

function moodleIdOf(request: RequestRecord): number | undefined {
  return request.result?.ok ? (request.result.moodleId ?? request.target.moodleId) : request.target.moodleId;
}

function profileLink(request: RequestRecord, moodleUrl: string): string | undefined {
  const id = moodleIdOf(request);
  return id === undefined ? undefined : `<${moodleUrl}/user/profile.php?id=${id}|Moodle account ${id}>`;
}

/** Longest value shown on one line of a record (a course's full name may have 1,333 characters). */
const VALUE_MAX = 300;

function formatLine(line: RecordLine): string {
  return `*${escapeMrkdwn(line.label)}*: ${escapeMrkdwn(line.value, VALUE_MAX)}`;
}

/** The approver's comment or rejection reason, as a quote under the line that says who wrote it. */
function commentQuote(request: RequestRecord): string {
  const quote = quoteMrkdwn(request.decisionComment ?? '', COMMENT_MAX_LENGTH);
  return quote === '' ? '' : `\n${quote}`;
}

/** The requester's reason, quoted under its own heading; '' when there is none. */
export function reasonQuote(reason: string | undefined): string {
  const quote = quoteMrkdwn(reason ?? '', REASON_MAX_LENGTH);
  return quote === '' ? '' : `*Reason*:\n${quote}`;
}

export function formatChange(change: FieldChange): string {
  return formatLine(describeChange(change));
}

function failureText(result: RequestResult | undefined): string {
  if (!result || result.ok) return 'unknown error.';
  const unknown = result.outcomeUnknown
    ? ' Moodle may have carried it out anyway; a retry looks the account up first and never does it twice.'
    : '';
  return `${escapeMrkdwn(result.message)} ${escapeMrkdwn(result.hint)}${unknown}`;
}

/** "1 of 2 approvals: @Alan" for a request that needs several approvers; '' for one that needs one. */
export function approvalProgress(request: RequestRecord): string {
  if (request.approvalsNeeded <= 1) return '';
  const who = request.approvals.map((a) => mention(a.by)).join(', ');
  return `${request.approvals.length} of ${request.approvalsNeeded} approvals${who ? `: ${who}` : ''}`;
}

/** What happened to the request, who decided and when: the part of the card that changes. */
export function buildStatusText(request: RequestRecord, moodleUrl: string): string {
  const by = request.decidedBy ? ` by ${mention(request.decidedBy)}` : '';
  const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : '';
  const comment = commentQuote(request);
  const ended = endReachedWords(request);
  const link = profileLink(request, moodleUrl);
  const endedStatus = ended && endReachedStatus(request, ended, { link, failure: failureText(request.result) });
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
      return `:gear: *Approved${by}*${when}; running in Moodle…${comment}`;
    case 'succeeded':
      return `:white_check_mark: *Approved${by} and done.*${link ? ` ${link}` : ''}${comment}`;
    case 'failed': {
      const attempts = request.attempts > 1 ? ` (attempt ${request.attempts})` : '';
      return `:x: *Approved${by}, but it failed in Moodle${attempts}:* ${failureText(request.result)}\nAn approver can retry.${comment}`;
    }
    case 'rejected':
      return `:no_entry: *Rejected${by}*${when}.${comment}`;
    case 'cancelled':
      return `:leftwards_arrow_with_hook: *Cancelled by the requester*${when}.`;
    case 'expired':
      return `:alarm_clock: *Expired without a decision*${when}.`;
  }
}

function recordLines(request: RequestRecord): string[] {
  return operationOf(request.operation).describe(request.payload).map(formatLine);
}

function preflightText(request: RequestRecord): string | undefined {
  const pre = request.preflight;
  if (!pre) return undefined;
  if (!pre.checked) return `:warning: Pre-flight: ${escapeMrkdwn(pre.notes.join(' '))}`;
  if (pre.conflicts.length === 0) return `Pre-flight: ${escapeMrkdwn(pre.notes.join(' ') || 'no clash found.')}`;
  const clashes = pre.conflicts
    .map((c) => `${escapeMrkdwn(c.username)} (id ${c.moodleId}, same ${c.matchedOn})`)
    .join(', ');
  return `:warning: Pre-flight: clashes with ${clashes}`;
}

function title(request: RequestRecord): string {
  return `${operationTitle(request.operation)}: ${describeTarget(request)}`;
}

/** The whole approval card, from the request alone. Buttons carry the request id; everything else is looked up. */
export function buildApprovalCard(request: RequestRecord, options: RenderOptions): SlackMessage {
  const head = [
    `*${escapeMrkdwn(title(request))}*  ·  request \`${request.id}\``,
    `Asked by ${mention(request.requester.userId)} ${slackDate(request.createdAt)}`,
  ];
  const reason = reasonQuote(request.reason);
  if (reason) head.push(reason);
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(head.join('\n')) }];
  const record = recordLines(request);
  if (record.length > 0) blocks.push({ type: 'section', text: mrkdwn(record.join('\n')) });
  if (request.corrections && request.corrections.length > 0) {
    blocks.push({
      type: 'section',
      text: mrkdwn(`*Corrected by the approver:*\n${request.corrections.map(formatChange).join('\n')}`),
    });
  }
  const pre = preflightText(request);
  if (pre) blocks.push({ type: 'context', elements: [mrkdwn(pre, LIMITS.contextText)] });
  const warning = operationOf(request.operation).words.warning;
  if (warning) blocks.push({ type: 'context', elements: [mrkdwn(`:warning: ${escapeMrkdwn(warning)}`)] });
  blocks.push({ type: 'divider' });
  blocks.push({ type: 'section', text: mrkdwn(buildStatusText(request, options.moodleUrl)) });
  blocks.push(...(options.extraBlocks ?? []));
  if (request.status === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: BLOCK_IDS.requestActionsBlock,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.approveRequestButton,
          text: plainText('Approve…', LIMITS.buttonText),
          style: 'primary',
          value: request.id,
        },
        {
          type: 'button',
          action_id: ACTION_IDS.rejectRequestButton,
          text: plainText('Reject…', LIMITS.buttonText),
          style: 'danger',
          value: request.id,
        },
      ],
    });
  } else if (request.status === 'failed') {
    blocks.push({
      type: 'actions',
      block_id: BLOCK_IDS.requestActionsBlock,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.retryRequestButton,
          text: plainText('Retry', LIMITS.buttonText),
          value: request.id,
        },
      ],
    });
  }
  return {
    text: truncateText(`${escapeMrkdwn(title(request))} (${request.id}): ${request.status}`, LIMITS.messageText),
    blocks,
  };
}

/** The direct message to the requester when their request reaches an outcome. */
export function buildRequesterMessage(
  request: RequestRecord,
  event: RequestEvent,
  options: RenderOptions,
): SlackMessage {
  const what = `${operationTitle(request.operation).toLowerCase()} ${escapeMrkdwn(describeTarget(request))} (\`${request.id}\`)`;
  const by = request.decidedBy ? ` by ${mention(request.decidedBy)}` : '';
  const comment = commentQuote(request);
  const ended = endReachedWords(request);
  const endedText =
    ended && endReachedRequesterText(request, event, ended, { link: profileLink(request, options.moodleUrl) });
  if (endedText) return { text: truncateText(endedText, LIMITS.messageText) };
  let text: string;
  switch (event) {
    case 'executed': {
      const link = profileLink(request, options.moodleUrl);
      text = `:white_check_mark: Your request to ${what} was approved${by} and is done.${link ? ` ${link}` : ''}${comment}`;
      break;
    }
    case 'failed':
      text = `:x: Your request to ${what} was approved${by} but failed in Moodle: ${failureText(request.result)} An approver can retry it.`;
      break;
    case 'rejected':
      text = `:no_entry: Your request to ${what} was rejected${by}.${comment ? ` Reason:${comment}` : ''}`;
      break;
    case 'expired':
      text = `:alarm_clock: Your request to ${what} expired without a decision. Ask again if it is still needed.`;
      break;
    case 'cancelled':
      text = `Your request to ${what} was cancelled.`;
      break;
  }
  return { text: truncateText(text, LIMITS.messageText) };
}

/** One line for NOTIFY_CHANNEL. */
export function buildNotificationLine(request: RequestRecord, event: RequestEvent, options: RenderOptions): string {
  const who = mention(request.requester.userId);
  const decider =
    request.decidedBy && request.decidedBy !== request.requester.userId
      ? `, decided by ${mention(request.decidedBy)}`
      : '';
  const what = `${operationTitle(request.operation)} ${escapeMrkdwn(describeTarget(request))} (${request.id})`;
  const link = profileLink(request, options.moodleUrl);
  const ended = endReachedWords(request);
  if (ended && (event === 'executed' || event === 'failed')) {
    const failure = request.result && !request.result.ok ? escapeMrkdwn(request.result.message) : 'unknown error';
    return truncateText(endReachedLine(what, event, ended, { requester: who, link, failure }), LIMITS.messageText);
  }
  let outcome: string;
  switch (event) {
    case 'executed':
      outcome = `:white_check_mark: done${link ? ` ${link}` : ''}`;
      break;
    case 'failed':
      outcome = `:x: failed: ${request.result && !request.result.ok ? escapeMrkdwn(request.result.message) : 'unknown error'}`;
      break;
    case 'rejected':
      outcome = ':no_entry: rejected';
      break;
    case 'expired':
      outcome = ':alarm_clock: expired without a decision';
      break;
    case 'cancelled':
      outcome = 'cancelled by the requester';
      break;
  }
  return truncateText(`${what}, asked by ${who}${decider}: ${outcome}`, LIMITS.messageText);
}
