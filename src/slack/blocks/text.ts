// Text objects for Block Kit, and the one place where long text is cut to Slack's limits. Slack rejects a whole
// message or view (invalid_blocks, view_too_large) when one field is too long, so every builder goes through here.
import type { types } from '@slack/bolt';

/** Slack's documented limits (reference.md §5), in characters. */
export const LIMITS = {
  sectionText: 3000,
  sectionField: 2000,
  headerText: 150,
  contextText: 2000,
  messageText: 4000,
  modalTitle: 24,
  modalButton: 24,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 75,
  placeholder: 150,
  inputLabel: 2000,
  inputHint: 2000,
  privateMetadata: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  id: 255,
} as const;

const ELLIPSIS = '…';

/**
 * Cuts `text` to at most `max` characters, ending with "…" when something was removed. Length is counted in UTF-16
 * units (JavaScript's `length`, never fewer than Slack's count), and an emoji or other surrogate pair is never split.
 */
export function truncateText(text: string, max: number): string {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`truncateText: max must be a positive integer, not ${max}`);
  if (text.length <= max) return text;
  let kept = '';
  for (const ch of text) {
    if (kept.length + ch.length + ELLIPSIS.length > max) break;
    kept += ch;
  }
  return kept.trimEnd() + ELLIPSIS;
}

/** Escapes the three characters Slack's mrkdwn treats as markup, so user input cannot mention @channel or link. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A plain_text object, cut to `max` (default: section text limit). Empty text becomes a single space. */
export function plainText(text: string, max: number = LIMITS.sectionText): types.PlainTextElement {
  return { type: 'plain_text', text: truncateText(text.length > 0 ? text : ' ', max), emoji: true };
}

/** A mrkdwn object, cut to `max` (default: section text limit). The caller escapes untrusted parts. */
export function mrkdwn(text: string, max: number = LIMITS.sectionText): types.MrkdwnElement {
  return { type: 'mrkdwn', text: truncateText(text.length > 0 ? text : ' ', max) };
}

/** Said when a request is saved but its card could not be posted to the approvers' channel. */
export const CARD_NOT_POSTED =
  'The request is saved, but its card could not be posted to the approvers’ channel; approvers can still find it ' +
  'with /moodle-user requests pending. Ask an admin to run /moodle-user doctor.';
