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

/** The start of an entity (&amp;) or a Slack token (<@U…>, <url|label>) that a cut left unfinished. */
const UNFINISHED = /(?:&[a-z]{0,4}|<[^<>]*)$/;

/**
 * Cuts `text` to at most `max` characters, ending with "…" when something was removed. Length is counted in UTF-16
 * units (JavaScript's `length`, never fewer than Slack's count), an emoji or other surrogate pair is never split, and
 * neither is an escaped entity or a Slack token: half of one would show as raw markup.
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
  return kept.replace(UNFINISHED, '').trimEnd() + ELLIPSIS;
}

/**
 * The app's own mrkdwn with literal angle brackets (usage lines such as `show <user>`): & < > become entities, its
 * code spans and bold stay. Never for untrusted text: that goes through untrusted.ts.
 */
export function encodeEntities(appText: string): string {
  return appText.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A plain_text object, cut to `max` (default: section text limit). Empty text becomes a single space. */
export function plainText(text: string, max: number = LIMITS.sectionText): types.PlainTextElement {
  return { type: 'plain_text', text: truncateText(text.length > 0 ? text : ' ', max), emoji: true };
}

/**
 * A mrkdwn object, cut to `max` (default: section text limit). The caller renders untrusted parts with untrusted.ts.
 * Verbatim: Slack does not turn bare URLs, channel names or @here into links or mentions; the app's own
 * `<@U…>`, `<#C…>` and `<url|label>` still work.
 */
export function mrkdwn(text: string, max: number = LIMITS.sectionText): types.MrkdwnElement {
  return { type: 'mrkdwn', text: truncateText(text.length > 0 ? text : ' ', max), verbatim: true };
}

/** Said when a request is saved but its card could not be posted to the approvers' channel. */
export const CARD_NOT_POSTED =
  'The request is saved, but its card could not be posted to the approvers’ channel; approvers can still find it ' +
  'with /moodle-user requests pending. Ask an admin to run /moodle-user doctor.';
