// The reminder posted in an approval card's thread while its request waits (REMIND_AFTER_HOURS): who asked, since
// when, how many approvals it still needs, and the approvers, mentioned so that Slack tells them.
import type { RoleEntry } from '../../config.js';
import { requestHeadline } from '../../core/request-words.js';
import type { RequestRecord } from '../../core/requests.js';
import { approvalProgress, slackDate } from './approval-card.js';
import { LIMITS, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** The approvers Slack can notify: listed users and user groups (`everyone` and workspace admins are not pinged). */
function approverMentions(approvers: readonly RoleEntry[]): string {
  return approvers
    .map((entry) => {
      if (entry.kind === 'user') return `<@${entry.id}>`;
      if (entry.kind === 'group') return `<!subteam^${entry.id}>`;
      return '';
    })
    .filter(Boolean)
    .join(' ');
}

export function buildReminder(request: RequestRecord, approvers: readonly RoleEntry[]): { text: string } {
  const progress = approvalProgress(request);
  const who = approverMentions(approvers);
  const text =
    `:bell: Reminder: *${escapeMrkdwn(requestHeadline(request), 200)}* (\`${request.id}\`), asked by <@${request.requester.userId}>, has been waiting since ` +
    `${slackDate(request.createdAt)}${progress ? ` (${progress})` : ''}. ` +
    `${who ? `${who}: ` : ''}please approve or reject it on the card above.`;
  return { text: truncateText(text, LIMITS.messageText) };
}
