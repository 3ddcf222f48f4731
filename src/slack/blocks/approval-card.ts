// Block Kit for a request: the approval card (redrawn from the request's state at every change), the requester's
// direct message and the one-line notification. Pure functions of the request record.
import type { types } from '@slack/bolt';
import type { RequestEvent } from '../../core/provisioning.js';
import type { RequestRecord } from '../../core/requests.js';
import { ACTION_IDS, BLOCK_IDS } from '../ids.js';
import { mrkdwn, plainText, truncateText } from './text.js';

export interface RenderOptions {
  moodleUrl: string;
}

export interface SlackMessage {
  text: string;
  blocks?: types.KnownBlock[];
}

const OPERATION_WORDS: Record<RequestRecord['operation'], string> = {
  create: 'Create account',
  update: 'Update account',
  suspend: 'Suspend account',
  unsuspend: 'Unsuspend account',
  delete: 'Delete account',
};

export function describeTarget(request: RequestRecord): string {
  const t = request.target;
  const name = t.username ?? t.email ?? (t.moodleId !== undefined ? `id ${t.moodleId}` : 'unknown account');
  return t.moodleId !== undefined && t.username ? `${name} (id ${t.moodleId})` : name;
}

function profileLink(request: RequestRecord, moodleUrl: string): string | undefined {
  const id = request.result?.ok ? (request.result.moodleId ?? request.target.moodleId) : request.target.moodleId;
  return id === undefined ? undefined : `<${moodleUrl}/user/profile.php?id=${id}|Moodle profile>`;
}

function statusLine(request: RequestRecord, moodleUrl: string): string {
  const by = request.decidedBy ? ` by <@${request.decidedBy}>` : '';
  switch (request.status) {
    case 'pending':
      return ':hourglass_flowing_sand: Waiting for an approver.';
    case 'approved':
    case 'executing':
      return `:gear: Approved${by}; running in Moodle…`;
    case 'succeeded': {
      const link = profileLink(request, moodleUrl);
      return `:white_check_mark: Done${by}.${link ? ` ${link}` : ''}`;
    }
    case 'failed':
      return `:x: Approved${by}, but Moodle refused: ${request.result && !request.result.ok ? `${request.result.message} ${request.result.hint}` : 'unknown error'}`;
    case 'rejected':
      return `:no_entry: Rejected${by}${request.decisionComment ? `: ${request.decisionComment}` : '.'}`;
    case 'cancelled':
      return ':leftwards_arrow_with_hook: Cancelled by the requester.';
    case 'expired':
      return ':alarm_clock: Expired without a decision.';
  }
}

function recordLines(request: RequestRecord): string[] {
  const p = request.payload;
  if (p.operation === 'create') {
    return Object.entries(p.user)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `*${k}*: ${v}`);
  }
  if (p.operation === 'update') return p.changes.map((c) => `*${c.field}*: ${c.before || '∅'} → ${c.after || '∅'}`);
  return [];
}

export function buildApprovalCard(request: RequestRecord, options: RenderOptions): SlackMessage {
  const title = `${OPERATION_WORDS[request.operation]}: ${describeTarget(request)}`;
  const lines = [
    `*${title}*  ·  request ${request.id}`,
    `Asked by <@${request.requester.userId}> <!date^${Math.floor(request.createdAt.getTime() / 1000)}^{date_short_pretty} {time}|${request.createdAt.toISOString()}>`,
  ];
  if (request.reason) lines.push(`Reason: ${request.reason}`);
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
  const record = recordLines(request);
  if (record.length > 0) blocks.push({ type: 'section', text: mrkdwn(record.join('\n')) });
  if (request.corrections && request.corrections.length > 0) {
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `Corrected by the approver:\n${request.corrections.map((c) => `*${c.field}*: ${c.before || '∅'} → ${c.after || '∅'}`).join('\n')}`,
      ),
    });
  }
  if (request.preflight) {
    const pre = request.preflight;
    const text = pre.checked
      ? pre.conflicts.length === 0
        ? `Pre-flight: ${pre.notes.join(' ') || 'no clash found.'}`
        : `Pre-flight: clashes with ${pre.conflicts.map((c) => `${c.username} (id ${c.moodleId}, same ${c.matchedOn})`).join(', ')}`
      : `Pre-flight: ${pre.notes.join(' ')}`;
    blocks.push({ type: 'context', elements: [mrkdwn(text)] });
  }
  if (request.operation === 'delete') {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(':warning: Deletion cannot be undone. Consider suspending the account instead.')],
    });
  }
  blocks.push({ type: 'section', text: mrkdwn(statusLine(request, options.moodleUrl)) });
  if (request.status === 'pending') {
    blocks.push({
      type: 'actions',
      block_id: BLOCK_IDS.requestActionsBlock,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.approveRequestButton,
          text: plainText('Approve…'),
          style: 'primary',
          value: request.id,
        },
        {
          type: 'button',
          action_id: ACTION_IDS.rejectRequestButton,
          text: plainText('Reject…'),
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
        { type: 'button', action_id: ACTION_IDS.retryRequestButton, text: plainText('Retry'), value: request.id },
      ],
    });
  }
  return { text: truncateText(`${title} (${request.id}): ${request.status}`, 3000), blocks };
}

export function buildRequesterMessage(
  request: RequestRecord,
  event: RequestEvent,
  options: RenderOptions,
): SlackMessage {
  const what = `${OPERATION_WORDS[request.operation].toLowerCase()} ${describeTarget(request)} (${request.id})`;
  const status = statusLine(request, options.moodleUrl);
  const text =
    event === 'executed'
      ? `Your request to ${what} is done. ${status}`
      : event === 'failed'
        ? `Your request to ${what} failed. ${status}`
        : event === 'rejected'
          ? `Your request to ${what} was rejected. ${status}`
          : event === 'expired'
            ? `Your request to ${what} expired without a decision. Ask again if it is still needed.`
            : `Your request to ${what} was cancelled.`;
  return { text: truncateText(text, 3000) };
}

export function buildNotificationLine(request: RequestRecord, event: RequestEvent, options: RenderOptions): string {
  const who = `<@${request.requester.userId}>`;
  const decider =
    request.decidedBy && request.decidedBy !== request.requester.userId ? `, decided by <@${request.decidedBy}>` : '';
  const what = `${OPERATION_WORDS[request.operation]} ${describeTarget(request)} (${request.id})`;
  const link = profileLink(request, options.moodleUrl);
  const outcome =
    event === 'executed'
      ? `done${link ? ` ${link}` : ''}`
      : event === 'failed'
        ? `failed: ${request.result && !request.result.ok ? request.result.message : 'unknown error'}`
        : event;
  return truncateText(`${what}, asked by ${who}${decider}: ${outcome}`, 3000);
}
