// Pieces shared by the approval card and the messages about a request: mentions, dates, the profile link, and the
// record as two-column fields, where each value is cut on its own so that no field is ever lost.

import type { types } from '@slack/bolt';
import { SYSTEM_ACTOR } from '../../core/audit.js';
import { operationOf } from '../../core/operations/registry.js';
import type { RecordLine } from '../../core/operations/types.js';
import { requestHeadline } from '../../core/request-words.js';
import type { AccountSnapshot, RequestRecord } from '../../core/requests.js';
import { LIMITS, mrkdwn, plainText } from './text.js';
import { escapeMrkdwn, plainData } from './untrusted.js';

/** `<!date^…>` renders in each reader's time zone; the fallback is UTC ISO. */
export function slackDate(at: Date): string {
  return `<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|${at.toISOString()}>`;
}

/** "`R-7K3QX9` (New Moodle account for Nora Teach)": a request as the messages about it name it. */
export function requestRef(request: RequestRecord): string {
  return `\`${request.id}\` (${escapeMrkdwn(requestHeadline(request))})`;
}

export function mention(userId: string): string {
  // The system acts for scheduled actions (an account's end date): not a Slack user to mention.
  return userId === SYSTEM_ACTOR ? 'the app (scheduled)' : `<@${userId}>`;
}

function moodleIdOf(request: RequestRecord): number | undefined {
  return request.result?.ok ? (request.result.moodleId ?? request.target.moodleId) : request.target.moodleId;
}

/** A link to the account in Moodle; none for an account the request deletes. */
export function profileLink(request: RequestRecord, moodleUrl: string, label = 'Open in Moodle'): string | undefined {
  if (!operationOf(request.operation).keepsAccount) return undefined;
  const id = moodleIdOf(request);
  return id === undefined ? undefined : `<${moodleUrl}/user/profile.php?id=${id}|${label}>`;
}

/**
 * A header (plain text, no emoji): untrusted names in it cannot format, and a `:shortcode:` in a name is broken with
 * the same look-alike colon as in mrkdwn, so that no client that draws emoji anyway shows one.
 */
export function headerText(text: string): types.PlainTextElement {
  const plain = plainData(text, LIMITS.headerText);
  return { ...plain, text: plain.text.replace(/:(?=[\p{L}\p{N}_+'-]+:)/gu, '\u2236') };
}

/** Longest value shown in one field (a course's full name may have 1,333 characters). */
export const VALUE_MAX = 300;
/** Fields per section (Slack's limit) and sections per record, so that a card stays far below 50 blocks. */
const FIELDS_PER_SECTION = 10;
const MAX_FIELDS = 60;

/** One field: the label in bold over its value; the value alone is cut, so the label always shows. */
export function fieldText(line: RecordLine): types.MrkdwnElement {
  return mrkdwn(`*${escapeMrkdwn(line.label, 100)}*\n${escapeMrkdwn(line.value, VALUE_MAX)}`, LIMITS.sectionField);
}

/** The record in two columns, ten fields a section; past MAX_FIELDS the last field says how many more there are. */
export function fieldSections(fields: readonly types.MrkdwnElement[]): types.SectionBlock[] {
  let shown = [...fields];
  if (shown.length > MAX_FIELDS) {
    const more = shown.length - (MAX_FIELDS - 1);
    shown = [...shown.slice(0, MAX_FIELDS - 1), mrkdwn(`*And more*\n${more} more lines`)];
  }
  const sections: types.SectionBlock[] = [];
  for (let i = 0; i < shown.length; i += FIELDS_PER_SECTION) {
    sections.push({ type: 'section', fields: shown.slice(i, i + FIELDS_PER_SECTION) });
  }
  return sections;
}

/** "Never", or the date in the reader's time zone; mrkdwn of the app's own (no untrusted text). */
export function lastAccessText(epochSeconds: number | undefined): string {
  if (!epochSeconds || epochSeconds <= 0) return 'Never';
  const iso = new Date(epochSeconds * 1000).toISOString();
  return `<!date^${Math.floor(epochSeconds)}^{date_short_pretty}|${iso}>`;
}

/** The existing account a request is about, as fields: everything for a destructive change, else who it is. */
export function accountFields(request: RequestRecord): types.MrkdwnElement[] {
  const definition = operationOf(request.operation);
  if (definition.target !== 'existing') return [];
  const account: AccountSnapshot | undefined = request.preflight?.account;
  const t = request.target;
  const username = account?.username ?? t.username ?? '';
  const id = t.moodleId !== undefined ? ` (id ${t.moodleId})` : '';
  const fields = [fieldText({ label: 'Username', value: `${username}${id}` })];
  const email = account?.email ?? t.email;
  if (email) fields.push(fieldText({ label: 'Email address', value: email }));
  if (!account || !(definition.destructive || !definition.keepsAccount)) return fields;
  fields.unshift(fieldText({ label: 'Name', value: account.fullname }));
  fields.push(fieldText({ label: 'Status', value: account.suspended ? 'Suspended' : 'Active' }));
  fields.push(mrkdwn(`*Last access*\n${lastAccessText(account.lastaccess)}`, LIMITS.sectionField));
  return fields;
}

/** A button carrying a request id (or another value), styled when it is the main or the dangerous one. */
export function button(actionId: string, text: string, value: string, style?: 'primary' | 'danger'): types.Button {
  return {
    type: 'button',
    action_id: actionId,
    text: plainText(text, LIMITS.buttonText),
    value,
    ...(style ? { style } : {}),
  };
}
