// The private list shown by `/moodle-user requests [mine|pending]`: one line per request (id, operation, target,
// status, age), and a Cancel button on the viewer's own pending requests. Pure function of the records.
import type { types } from '@slack/bolt';
import { requestHeadline } from '../../core/request-words.js';
import type { RequestRecord, RequestStatus } from '../../core/requests.js';
import { ACTION_IDS, COMMANDS } from '../ids.js';
import { describeTarget } from './approval-card.js';
import { encodeEntities, LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** Rows per list: a message holds at most 50 blocks, and a private list longer than this is not read anyway. */
export const REQUESTS_LIST_LIMIT = 20;

export type RequestsScope = 'mine' | 'pending';

export interface RequestsListOptions {
  scope: RequestsScope;
  /** Who is looking: their own pending requests get a Cancel button. */
  viewer: string;
  now: Date;
  /** Whether more requests matched than are shown. */
  more?: boolean;
}

export interface EphemeralList {
  response_type: 'ephemeral';
  text: string;
  blocks: types.KnownBlock[];
}

const STATUS_WORDS: Readonly<Record<RequestStatus, string>> = {
  pending: ':hourglass_flowing_sand: pending',
  approved: ':gear: approved',
  executing: ':gear: running',
  succeeded: ':white_check_mark: done',
  failed: ':x: failed',
  rejected: ':no_entry: rejected',
  cancelled: ':leftwards_arrow_with_hook: cancelled',
  expired: ':alarm_clock: expired',
};

/** "just now", "12 min", "5 h", "3 d": how long ago, in the coarsest unit that still says something. */
export function formatAge(from: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

function row(request: RequestRecord, options: RequestsListOptions): types.KnownBlock {
  const parts = [
    `*${escapeMrkdwn(requestHeadline(request))}*`,
    escapeMrkdwn(describeTarget(request)),
    `\`${request.id}\``,
    STATUS_WORDS[request.status],
    formatAge(request.createdAt, options.now),
  ];
  if (options.scope === 'pending') parts.push(`asked by <@${request.requester.userId}>`);
  const section: types.SectionBlock = { type: 'section', text: mrkdwn(parts.join('  ·  ')) };
  if (request.status === 'pending' && request.requester.userId === options.viewer) {
    section.accessory = {
      type: 'button',
      action_id: ACTION_IDS.cancelRequestButton,
      text: plainText('Cancel request', LIMITS.buttonText),
      value: request.id,
      confirm: {
        title: plainText(`Cancel ${request.id}?`, LIMITS.confirmTitle),
        text: plainText('The approvers will no longer be asked to decide it.', LIMITS.confirmText),
        confirm: plainText('Cancel it', LIMITS.confirmButton),
        deny: plainText('Keep it', LIMITS.confirmButton),
      },
    };
  }
  return section;
}

export function buildRequestsList(requests: readonly RequestRecord[], options: RequestsListOptions): EphemeralList {
  const shown = requests.slice(0, REQUESTS_LIST_LIMIT);
  const heading = options.scope === 'pending' ? 'Requests waiting for an approver' : 'Your requests (newest first)';
  if (shown.length === 0) {
    const text =
      options.scope === 'pending'
        ? 'No request is waiting for an approver.'
        : `You have no requests. Ask for an account with \`${COMMANDS.addUser}\`.`;
    return { response_type: 'ephemeral', text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(`*${heading}*`) }];
  for (const request of shown) blocks.push(row(request, options));
  const more = options.more || requests.length > shown.length;
  const footer =
    options.scope === 'mine'
      ? `Cancel a pending request with \`${COMMANDS.user} cancel <id>\` or its button.`
      : `Approve or reject from the cards in the approval channel. \`${COMMANDS.user} requests mine\` lists your own.`;
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(encodeEntities(more ? `Showing the newest ${shown.length}. ${footer}` : footer), LIMITS.contextText),
    ],
  });
  const text = truncateText(
    escapeMrkdwn(
      `${heading}: ${shown.map((r) => `${r.id} ${requestHeadline(r)} (${describeTarget(r)}) ${r.status}`).join('; ')}`,
    ),
    LIMITS.messageText,
  );
  return { response_type: 'ephemeral', text, blocks };
}
