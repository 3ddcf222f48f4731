// The read-only summary of a request that the Approve and Reject modals open with: what it asks, the record (or the
// account it changes) in a two-column fields layout, the pre-flight check in plain words, the approvals so far and
// the requester's reason. Everything shown is the stored request's (or Moodle's, for the account): untrusted text,
// escaped here.
import type { types } from '@slack/bolt';
import type { MoodleUser } from '../../core/moodle-gateway.js';
import { operationOf } from '../../core/operations/registry.js';
import type { RecordLine } from '../../core/operations/types.js';
import type { RequestPayload, RequestRecord } from '../../core/requests.js';
import { approvalProgress, buildStatusText, describeTarget, reasonQuote, slackDate } from './approval-card.js';
import { LIMITS, mrkdwn } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** Slack shows at most 10 fields per section. */
const FIELDS_PER_SECTION = 10;

export interface SummaryOptions {
  moodleUrl: string;
  /** The payload to show instead of the stored one (the request with an approver's corrections). */
  payload?: RequestPayload;
  /** The account as Moodle has it now, for a request on an existing account (looked up after the modal opened). */
  account?: MoodleUser;
}

/** Label/value lines as section fields, two columns, ten per section; each value is cut on its own. */
export function fieldSections(lines: readonly RecordLine[]): types.SectionBlock[] {
  const sections: types.SectionBlock[] = [];
  for (let i = 0; i < lines.length; i += FIELDS_PER_SECTION) {
    const fields = lines.slice(i, i + FIELDS_PER_SECTION).map((line) => {
      const label = `*${escapeMrkdwn(line.label, 200)}*\n`;
      return mrkdwn(`${label}${escapeMrkdwn(line.value || '∅', LIMITS.sectionField - label.length)}`);
    });
    sections.push({ type: 'section', fields });
  }
  return sections;
}

/** Moodle's Unix time as a date and time a person reads (UTC: a modal field cannot use Slack's date token). */
function lastAccess(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The account a request changes, as Moodle has it now, or as the request recorded it when it was asked. */
export function accountLines(request: RequestRecord, account: MoodleUser | undefined): RecordLine[] {
  if (!account) {
    const t = request.target;
    return [
      ...(t.username ? [{ label: 'Username', value: t.username }] : []),
      ...(t.email ? [{ label: 'Email address', value: t.email }] : []),
      ...(t.moodleId !== undefined ? [{ label: 'Moodle id', value: String(t.moodleId) }] : []),
    ];
  }
  return [
    { label: 'Name', value: account.fullname || `${account.firstname} ${account.lastname}` },
    { label: 'Username', value: account.username },
    { label: 'Email address', value: account.email },
    { label: 'Status', value: account.suspended ? 'Suspended' : 'Active' },
    { label: 'Last access', value: account.lastaccess ? lastAccess(account.lastaccess) : 'Never' },
    { label: 'Moodle id', value: String(account.id) },
  ];
}

/** The pre-flight in plain words: a check line, or what clashes, or why it could not be checked. */
export function preflightLine(request: RequestRecord): string | undefined {
  const pre = request.preflight;
  if (!pre) return undefined;
  if (pre.conflicts.length > 0) {
    const clashes = pre.conflicts.map((c) => `${c.username} (id ${c.moodleId}) has the same ${c.matchedOn}`);
    return `:warning: *Check:* ${escapeMrkdwn(clashes.join('; '))}.`;
  }
  if (!pre.checked)
    return `:grey_question: *Check:* ${escapeMrkdwn(pre.notes.join(' ') || 'Moodle could not be asked.')}`;
  return ':white_check_mark: *Check:* no Moodle account has this username, email or ID number.';
}

export function requestSummaryBlocks(request: RequestRecord, options: SummaryOptions): types.KnownBlock[] {
  const operation = operationOf(request.operation);
  const head = [
    `*${escapeMrkdwn(`${operation.words.title}: ${describeTarget(request)}`)}*`,
    `Asked by <@${request.requester.userId}> ${slackDate(request.createdAt)}  ·  \`${request.id}\``,
  ];
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(head.join('\n')) }];
  if (operation.target === 'existing') {
    blocks.push({ type: 'section', text: mrkdwn('*The account*') });
    blocks.push(...fieldSections(accountLines(request, options.account)));
  }
  const record = operation.describe(options.payload ?? request.payload);
  if (record.length > 0) {
    if (operation.target === 'existing') blocks.push({ type: 'section', text: mrkdwn('*What changes*') });
    blocks.push(...fieldSections(record));
  }
  const notes = [preflightLine(request), approvalProgress(request), reasonQuote(request.reason)].filter(
    (line): line is string => line !== undefined && line !== '',
  );
  if (operation.words.warning) notes.push(`:warning: ${escapeMrkdwn(operation.words.warning)}`);
  if (request.status !== 'pending') notes.push(buildStatusText(request, options.moodleUrl));
  if (notes.length > 0) blocks.push({ type: 'section', text: mrkdwn(notes.join('\n')) });
  return blocks;
}
