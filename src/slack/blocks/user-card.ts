// Private replies of /moodle-user show, update, suspend, unsuspend and delete: the account card (profile fields,
// never secrets), the list of accounts when `<user>` matched several, and what became of a change (stored for
// approval, done, failed in Moodle, refused). Pure functions; all text goes through text.ts.

import type { types } from '@slack/bolt';
import { describeAccount } from '../../core/account-ref.js';
import type { AccountSummary, AccountView } from '../../core/account-view.js';
import type { AccountShown, ChangeOutcome, NotOne, Refusal } from '../../core/accounts.js';
import type { UserCourse } from '../../core/gateway/enrolments.js';
import { type MoodleUser, OPTIONAL_PROFILE_FIELDS } from '../../core/moodle-gateway.js';
import { operationOf } from '../../core/operations/registry.js';
import type { Protection } from '../../core/protection.js';
import type { SubmitOutcome } from '../../core/provisioning.js';
import { authName, fieldValueWords } from '../../core/record-words.js';
import type { RequestOperation } from '../../core/requests.js';
import { FIELD_LABELS, type FieldProblem } from '../../core/user-record.js';
import { ACTION_IDS } from '../ids.js';
import { fieldSections, fieldText, headerText, lastAccessText, slackDate } from './card-parts.js';
import { buildDryRunBlocks } from './dry-run.js';
import { CARD_NOT_POSTED, encodeEntities, LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn, escapeSentence } from './untrusted.js';

export interface EphemeralReply {
  response_type: 'ephemeral';
  text: string;
  blocks?: types.KnownBlock[];
}

/** The profile fields shown on the card, in Moodle's order. Passwords, tokens and private keys are never shown. */
const CARD_FIELDS = ['email', ...OPTIONAL_PROFILE_FIELDS] as const satisfies readonly (keyof MoodleUser &
  keyof typeof FIELD_LABELS)[];

const e = (text: string, max?: number) => escapeMrkdwn(text, max);

/** Slack renders the time in the reader's own time zone; the fallback is ISO. */
export function formatMoodleTime(epochSeconds: number | undefined): string {
  if (!epochSeconds || epochSeconds <= 0) return 'never';
  return slackDate(new Date(Math.floor(epochSeconds) * 1000));
}

/** The card draws what the core handed out: the whole account for approvers and admins, else the summary. */
/** The active courses, as Moodle lists them (suspended and not-yet-started enrolments are not among them). */
function coursesText(courses: readonly UserCourse[]): string {
  if (courses.length === 0) return '*Courses*: none active';
  const names = courses.map(
    (c) => `${e(c.shortname)}${c.fullname && c.fullname !== c.shortname ? ` (${e(c.fullname)})` : ''}`,
  );
  return `*Courses*: ${names.join(', ')}`;
}

/** The account in two columns: who and how they sign in, then (for approvers and admins) every filled field. */
function accountFieldsOf(view: AccountView): types.MrkdwnElement[] {
  const user = view.user;
  const status = user.suspended ? 'Suspended' : 'Active';
  const fields = [fieldText({ label: 'Username', value: `${user.username} (id ${user.id})` })];
  if (view.detail !== 'full') return [...fields, fieldText({ label: 'Status', value: status })];
  const full = view.user;
  fields.push(
    fieldText({ label: 'Status', value: full.confirmed ? status : `${status}, not confirmed` }),
    fieldText({ label: 'Signs in with', value: authName(full.auth) }),
    mrkdwn(`*Last access*\n${lastAccessText(full.lastaccess)}`, LIMITS.sectionField),
  );
  for (const key of CARD_FIELDS) {
    const value = full[key];
    if (typeof value === 'string' && value.trim() !== '') {
      fields.push(fieldText({ label: FIELD_LABELS[key], value: fieldValueWords(key, value) }));
    }
  }
  return fields;
}

/** The `show` card, person first: the name as a header, the account in two columns, courses, the profile link. */
export function buildUserCard(
  view: AccountView,
  options: {
    profileUrl: string;
    protection?: Protection;
    courses?: readonly UserCourse[] | undefined;
    /** The account's end date, when it has one. */
    endsAt?: Date | undefined;
  },
): EphemeralReply {
  const user = view.user;
  const name = user.fullname.trim() || `${user.firstname} ${user.lastname}`.trim() || user.username;
  const blocks: types.KnownBlock[] = [
    { type: 'header', text: headerText(name) },
    ...fieldSections(accountFieldsOf(view)),
  ];
  if (view.detail !== 'full') {
    blocks.push({
      type: 'context',
      elements: [mrkdwn('_Contact details and identifiers are shown to approvers and admins only._')],
    });
  }
  if (options.courses) blocks.push({ type: 'section', text: mrkdwn(coursesText(options.courses)) });
  if (options.endsAt) blocks.push({ type: 'section', text: mrkdwn(`:hourglass: *Ends* ${slackDate(options.endsAt)}`) });
  const context = [`<${options.profileUrl}|Open the Moodle profile>`];
  if (options.protection && options.protection.protected === true) {
    context.push(`:lock: ${e(options.protection.reason)}`);
  }
  blocks.push({ type: 'context', elements: [mrkdwn(context.join('  ·  '), LIMITS.contextText)] });
  if (options.protection?.protected !== true) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.membershipFormButton,
          text: plainText('Courses and cohorts…', LIMITS.buttonText),
          value: String(user.id),
        },
      ],
    });
  }
  return {
    response_type: 'ephemeral',
    text: truncateText(
      e(`Moodle account ${describeAccount(user)}${user.suspended ? ', suspended' : ''}`),
      LIMITS.messageText,
    ),
    blocks,
  };
}

/** `<user>` matched several accounts: list them (username, name, id; no contact details) and say how to pick one. */
export function buildAccountChoice(message: string, users: readonly AccountSummary[]): EphemeralReply {
  const lines = users
    .slice(0, 20)
    .map((u) => `• \`${e(u.username)}\`  ${e(u.fullname)}  ·  id ${u.id}${u.suspended ? '  ·  suspended' : ''}`);
  if (users.length > 20) lines.push(`…and ${users.length - 20} more.`);
  return {
    response_type: 'ephemeral',
    text: truncateText(e(message), LIMITS.messageText),
    blocks: [
      { type: 'section', text: mrkdwn(e(message)) },
      { type: 'section', text: mrkdwn(lines.join('\n')) },
    ],
  };
}

/**
 * A one-sentence private answer (not found, refused, nothing to change...). `text` may hold untrusted parts and is
 * escaped; `usage`, the app's own words (code spans kept), follows it.
 */
export function buildNotice(text: string, emoji = ':information_source:', usage?: string): EphemeralReply {
  return {
    response_type: 'ephemeral',
    text: truncateText(usage ? `${e(text)} ${encodeEntities(usage)}` : e(text), LIMITS.messageText),
    blocks: [{ type: 'section', text: mrkdwn(`${emoji} ${e(text)}${usage ? ` ${encodeEntities(usage)}` : ''}`) }],
  };
}

/** A refusal of the core's: escaped like any text, except the mentions of the admins who can help. */
export function buildRefusal(reason: string): EphemeralReply {
  return {
    response_type: 'ephemeral',
    text: truncateText(escapeSentence(reason), LIMITS.messageText),
    blocks: [{ type: 'section', text: mrkdwn(`:no_entry: ${escapeSentence(reason)}`) }],
  };
}

/** Every problem with what was typed, one per line. `intro` is the app's own words (a usage line, code spans kept). */
export function buildProblems(intro: string, problems: readonly FieldProblem[]): EphemeralReply {
  const lines = problems.map((p) => `• ${e(p.message)}`);
  return {
    response_type: 'ephemeral',
    text: truncateText(`${encodeEntities(intro)} ${e(problems.map((p) => p.message).join(' '))}`, LIMITS.messageText),
    blocks: [{ type: 'section', text: mrkdwn(`:warning: ${encodeEntities(intro)}\n${lines.join('\n')}`) }],
  };
}

/** What became of a change request, for the person who asked. */
export function buildChangeOutcome(
  outcome: SubmitOutcome,
  operation: Exclude<RequestOperation, 'create'>,
  account: string,
): EphemeralReply {
  switch (outcome.kind) {
    case 'refused':
      return buildRefusal(outcome.reason);
    case 'invalid':
      return buildProblems(`Nothing was stored; fix the following and ask again:`, outcome.problems);
    case 'exists':
      return buildNotice(`Nothing was stored. ${outcome.message}`, ':warning:');
    case 'unavailable':
      return buildNotice(`Nothing was stored. ${outcome.message}`, ':warning:');
    case 'pending': {
      const warning = operationOf(operation).words.warning;
      const extra = warning ? ` ${warning}` : '';
      const text = `Request ${outcome.request.id} to ${operation} ${account} is waiting for an approver. You will get a direct message when it is decided.${extra}`;
      return buildNotice(outcome.cardNotPosted ? `${text} ${CARD_NOT_POSTED}` : text, ':hourglass_flowing_sand:');
    }
    case 'executed': {
      const link = outcome.execution.profileUrl;
      const text = `Done: ${account} was ${operationOf(operation).words.done} in Moodle (request ${outcome.execution.request.id}).`;
      const reply = buildNotice(text, ':white_check_mark:');
      if (link && operationOf(operation).keepsAccount) {
        reply.blocks?.push({ type: 'context', elements: [mrkdwn(`<${link}|Open the Moodle profile>`)] });
      }
      return reply;
    }
    case 'failed':
      return buildNotice(
        `Moodle did not carry out request ${outcome.execution.request.id} (${operation} ${account}): ${outcome.failure.hint} Once the cause is fixed, an approver can retry it with the Retry button on its card in the approval channel.`,
        ':x:',
      );
    case 'preview':
      return { response_type: 'ephemeral', ...buildDryRunBlocks(outcome) };
  }
}

/** `<user>` was not exactly one account, or the person may not ask: say so, listing the candidates if several. */
export function buildLookupFailure(outcome: NotOne | Refusal): EphemeralReply {
  switch (outcome.kind) {
    case 'refused':
      return buildRefusal(outcome.reason);
    case 'ambiguous':
      return buildAccountChoice(outcome.message, outcome.users);
    case 'not_found':
      return buildNotice(outcome.message, ':mag:');
    case 'bad_ref':
    case 'unavailable':
      return buildNotice(outcome.message, ':warning:');
  }
}

/** Any answer of an update, suspend, unsuspend or delete request. */
export function buildChangeReply(
  outcome: ChangeOutcome,
  operation: Exclude<RequestOperation, 'create'>,
  account: string,
): EphemeralReply {
  switch (outcome.kind) {
    case 'unchanged':
      return buildNotice(outcome.message);
    case 'ambiguous':
    case 'not_found':
    case 'bad_ref':
      return buildLookupFailure(outcome);
    default:
      return buildChangeOutcome(outcome, operation, account);
  }
}

/** How to name the account in a reply: as stored on the request when there is one, else as typed. */
export function accountNameOf(outcome: ChangeOutcome, typed: string): string {
  const request =
    outcome.kind === 'pending'
      ? outcome.request
      : outcome.kind === 'executed' || outcome.kind === 'failed'
        ? outcome.execution.request
        : undefined;
  const t = request?.target;
  return t?.username ? `${t.username}${t.moodleId !== undefined ? ` (id ${t.moodleId})` : ''}` : typed;
}

/** What `show` (the command, or the Find-a-user form) answers: the account's card, or why there is none. */
export function buildShowReply(result: Refusal | NotOne | AccountShown): EphemeralReply {
  if (result.kind !== 'found') return buildLookupFailure(result);
  const { profileUrl, protection, courses, endsAt } = result;
  return buildUserCard(result.view, { profileUrl, protection, courses, endsAt });
}
