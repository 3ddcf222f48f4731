// What people outside the approvers' channel hear of a request: the requester's direct message (plain words and
// what happens next, never Moodle's technical detail) and the one-line notification. Pure functions of the request.

import { COMMENT_MAX_LENGTH } from '../../core/free-text.js';
import { operationOf } from '../../core/operations/registry.js';
import type { RequestEvent } from '../../core/provisioning.js';
import { plainFailure, requestHeadline } from '../../core/request-words.js';
import type { RequestRecord } from '../../core/requests.js';
import type { RenderOptions, SlackMessage } from './approval-card.js';
import { mention, profileLink, requestRef } from './card-parts.js';
import { endReachedLine, endReachedRequesterText, endReachedWords } from './expiry-words.js';
import { LIMITS, truncateText } from './text.js';
import { escapeMrkdwn, quoteMrkdwn } from './untrusted.js';

/** "Comment from @Alan:" over the approver's words as a quote; '' when they wrote none. */
function approverWords(request: RequestRecord, heading: string): string {
  const quote = quoteMrkdwn(request.decisionComment ?? '', COMMENT_MAX_LENGTH);
  if (quote === '') return '';
  const who = request.decidedBy ? ` ${mention(request.decidedBy)}` : '';
  return `\n${heading}${who}:\n${quote}`;
}

function doneText(request: RequestRecord, options: RenderOptions, what: string, by: string): string {
  const definition = operationOf(request.operation);
  const steps = definition.nextSteps?.(request.payload, { passwordMode: options.passwordMode ?? 'email' }) ?? [];
  const link = profileLink(request, options.moodleUrl, 'Open it in Moodle');
  // An admin's direct execution was approved by nobody: it is simply done.
  const how = by ? `was approved${by} and is done` : 'is done';
  const lines = [`:white_check_mark: Your request ${what} ${how}: ${definition.words.outcome}.`];
  if (steps.length > 0) lines.push(escapeMrkdwn(steps.join(' ')));
  if (link) lines.push(link);
  return lines.join('\n') + approverWords(request, 'Comment from');
}

/** The direct message to the requester when their request reaches an outcome. */
export function buildRequesterMessage(
  request: RequestRecord,
  event: RequestEvent,
  options: RenderOptions,
): SlackMessage {
  const what = requestRef(request);
  const by =
    request.decidedBy && request.decidedBy !== request.requester.userId ? ` by ${mention(request.decidedBy)}` : '';
  // An account's end date: nobody approved it, so the DM says the end date was reached.
  const ended = endReachedWords(request);
  const endedText =
    ended && endReachedRequesterText(request, event, ended, { link: profileLink(request, options.moodleUrl) });
  if (endedText) return { text: truncateText(endedText, LIMITS.messageText) };
  let text: string;
  switch (event) {
    case 'executed':
      text = doneText(request, options, what, by);
      break;
    case 'failed':
      text = `:x: Your request ${what} was approved${by}, but it is not done yet. ${escapeMrkdwn(plainFailure(request))}`;
      break;
    case 'rejected':
      text =
        `:no_entry: Your request ${what} was rejected${by}.` +
        approverWords(request, 'Reason given by') +
        `\nIf it is still needed, ask again with more detail${by ? ` or talk to ${mention(request.decidedBy ?? '')}` : ''}.`;
      break;
    case 'expired':
      text = `:alarm_clock: Your request ${what} expired without a decision. Ask again if it is still needed.`;
      break;
    case 'cancelled':
      text = `Your request ${what} was cancelled.`;
      break;
  }
  return { text: truncateText(text, LIMITS.messageText) };
}

/** One line for NOTIFY_CHANNEL: who asked, who decided, the outcome. Moodle's detail stays on the card. */
export function buildNotificationLine(request: RequestRecord, event: RequestEvent, options: RenderOptions): string {
  const who = mention(request.requester.userId);
  const decider =
    request.decidedBy && request.decidedBy !== request.requester.userId
      ? `, decided by ${mention(request.decidedBy)}`
      : '';
  const username = request.target.username ? `${escapeMrkdwn(request.target.username)}, ` : '';
  const what = `${escapeMrkdwn(requestHeadline(request))} (${username}${request.id})`;
  const link = profileLink(request, options.moodleUrl);
  const ended = endReachedWords(request);
  if (ended && (event === 'executed' || event === 'failed')) {
    const failure = 'the details are on its card';
    return truncateText(endReachedLine(what, event, ended, { requester: who, link, failure }), LIMITS.messageText);
  }
  let outcome: string;
  switch (event) {
    case 'executed':
      outcome = `:white_check_mark: done${link ? ` ${link}` : ''}`;
      break;
    case 'failed':
      outcome = `:x: failed in Moodle; the details are on its card${options.approvalChannel ? ` in <#${options.approvalChannel}>` : ''}`;
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
