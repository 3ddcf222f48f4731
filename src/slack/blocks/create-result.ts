// What the person who asked for a new account is told, one renderer per outcome, for the private reply and the
// modal alike. A generated password goes only into these private blocks, never into `text` or a log.
import type { types } from '@slack/bolt';
import type { SubmitOutcome } from '../../core/provisioning.js';
import { FIELD_LABELS, type FieldProblem, type ProfileFieldKey } from '../../core/user-record.js';
import { deriveUsername } from '../../core/username.js';
import type { Secret } from '../../secret.js';
import { buildDryRunBlocks } from './dry-run.js';
import type { EphemeralMessage } from './help.js';
import { NEW_USER_MODAL_TITLE } from './new-user-modal.js';
import { CARD_NOT_POSTED, LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn, escapeSentence } from './untrusted.js';

export interface CreateResultContext {
  moodleUrl: string;
  approvalChannel: string;
  /** The fields as the person gave them: says whether the username was made from the email. */
  input: Readonly<Record<string, string | undefined>>;
}

export interface RenderedResult {
  /** Notification/fallback text: never the password. */
  text: string;
  blocks: types.KnownBlock[];
}

/** Blocks Slack allows in a message; a modal allows 100, so the stricter bound serves both. */
const MAX_BLOCKS = 50;

const SAME_WORDS = { username: 'username', email: 'email address', idnumber: 'ID number' } as const;

const isProfileKey = (field: string): field is ProfileFieldKey => Object.hasOwn(FIELD_LABELS, field);

function section(text: string): types.SectionBlock {
  return { type: 'section', text: mrkdwn(text) };
}

/** A link Slack shows as `text`; the URL is ours (MOODLE_URL + an id), the label is escaped. */
function link(url: string, text: string): string {
  // The label is short, so that cutting a long section never cuts a link in two.
  return `<${url.replace(/[<>|]/g, encodeURIComponent)}|${escapeMrkdwn(text, 100).replace(/\|/g, '¦')}>`;
}

function profileLink(moodleUrl: string, id: number): string {
  return `${moodleUrl}/user/profile.php?id=${id}`;
}

/** One line per problem, with the field's label (and its key, for the text command's key=value). */
export function describeProblem(problem: FieldProblem): string {
  const message = escapeMrkdwn(problem.message);
  if (problem.field === '*' || problem.field === '') return `• ${message}`;
  const label = isProfileKey(problem.field) ? FIELD_LABELS[problem.field] : problem.field === 'reason' ? 'Reason' : '';
  return label ? `• *${label}* (${escapeMrkdwn(problem.field)}=): ${message}` : `• ${message}`;
}

/** Blocks that list lines, each section kept under Slack's text limit, however many lines there are. */
export function listBlocks(lines: string[]): types.SectionBlock[] {
  const blocks: types.SectionBlock[] = [];
  let current = '';
  for (const line of lines) {
    const piece = truncateText(line, LIMITS.sectionText);
    if (current !== '' && current.length + 1 + piece.length > LIMITS.sectionText) {
      blocks.push(section(current));
      current = '';
    }
    current = current === '' ? piece : `${current}\n${piece}`;
  }
  if (current !== '') blocks.push(section(current));
  return blocks;
}

function usernameNote(username: string, context: CreateResultContext): string | undefined {
  if (context.input.username?.trim()) return undefined;
  const base = context.input.email ? deriveUsername(context.input.email) : undefined;
  const taken = base && base !== username ? ` (${escapeMrkdwn(base)} was taken)` : '';
  return `The username *${escapeMrkdwn(username)}* was made from the email address${taken}.`;
}

type OutcomeOf<K extends SubmitOutcome['kind']> = Extract<SubmitOutcome, { kind: K }>;

/** Renders the outcome of a create for the person who asked. */
export function renderCreateOutcome(outcome: SubmitOutcome, context: CreateResultContext): RenderedResult {
  switch (outcome.kind) {
    case 'refused':
      return renderRefused(outcome);
    case 'invalid':
      return renderInvalid(outcome);
    case 'exists':
      return renderExists(outcome, context);
    case 'unavailable':
      return renderUnavailable(outcome);
    case 'pending':
      return renderPending(outcome, context);
    case 'executed':
      return renderExecuted(outcome, context);
    case 'failed':
      return renderFailed(outcome, context);
    case 'preview':
      return buildDryRunBlocks(outcome);
  }
}

function renderRefused(outcome: OutcomeOf<'refused'>): RenderedResult {
  const cancel = outcome.inFlight ? ` To withdraw it: /moodle-user cancel ${outcome.inFlight}` : '';
  const text = `Not allowed: ${escapeSentence(`${outcome.reason}${cancel}`)}`;
  return { text, blocks: [section(`:no_entry: ${escapeSentence(`${outcome.reason}${cancel}`)}`)] };
}

function renderInvalid(outcome: OutcomeOf<'invalid'>): RenderedResult {
  const count = outcome.problems.length;
  const intro = `Nothing was created: ${count === 1 ? 'one thing needs' : `${count} things need`} fixing.`;
  return {
    text: intro,
    blocks: [section(`:warning: ${intro}`), ...listBlocks(outcome.problems.map(describeProblem))],
  };
}

function renderExists(outcome: OutcomeOf<'exists'>, context: CreateResultContext): RenderedResult {
  const intro = 'Nothing was created: Moodle already has an account with this username, email or ID number.';
  const lines = outcome.conflicts.map(
    (c) =>
      `• ${link(profileLink(context.moodleUrl, c.moodleId), c.username)} (id ${c.moodleId}${
        c.email ? `, ${escapeMrkdwn(c.email)}` : ''
      }): same ${SAME_WORDS[c.matchedOn]}`,
  );
  return {
    text: `${intro} ${outcome.conflicts.map((c) => `${escapeMrkdwn(c.username, 100)} (id ${c.moodleId})`).join(', ')}`,
    blocks: [
      section(`:information_source: ${intro}`),
      ...listBlocks(lines),
      section('Use the existing account, or change the username, email address or ID number and ask again.'),
    ],
  };
}

function renderUnavailable(outcome: OutcomeOf<'unavailable'>): RenderedResult {
  const intro = 'Nothing was requested: Moodle could not be checked.';
  return {
    text: `${intro} ${escapeMrkdwn(outcome.message)}`,
    blocks: [section(`:warning: ${intro} ${escapeMrkdwn(outcome.message)}`)],
  };
}

function renderPending(outcome: OutcomeOf<'pending'>, context: CreateResultContext): RenderedResult {
  const { request } = outcome;
  const user = request.payload.operation === 'create' ? request.payload.user : undefined;
  const who = user
    ? ` for *${escapeMrkdwn(`${user.firstname} ${user.lastname}`)}* (username *${escapeMrkdwn(user.username)}*, ${escapeMrkdwn(user.email)})`
    : '';
  const text = `Request ${request.id} is saved; an approver will review it.`;
  const lines = [
    `:inbox_tray: Request *${escapeMrkdwn(request.id)}*${who} is saved.`,
    `An approver will review it in <#${context.approvalChannel}>; you will get a direct message when it is decided.`,
  ];
  const note = user ? usernameNote(user.username, context) : undefined;
  if (note) lines.push(note);
  const blocks: types.KnownBlock[] = [section(lines.join('\n'))];
  if (outcome.cardNotPosted) blocks.push(section(`:warning: ${escapeMrkdwn(CARD_NOT_POSTED)}`));
  return { text, blocks };
}

function renderExecuted(outcome: OutcomeOf<'executed'>, context: CreateResultContext): RenderedResult {
  const { execution } = outcome;
  const username = execution.username ?? '';
  const user = execution.request.payload.operation === 'create' ? execution.request.payload.user : undefined;
  const where =
    execution.moodleId === undefined
      ? ''
      : ` (id ${execution.moodleId}): ${link(execution.profileUrl ?? profileLink(context.moodleUrl, execution.moodleId), 'open the profile in Moodle')}`;
  const text = `Created the Moodle account ${escapeMrkdwn(username, 100)}${execution.moodleId === undefined ? '' : ` (id ${execution.moodleId})`}.`;
  const lines = [`:white_check_mark: Created the Moodle account *${escapeMrkdwn(username)}*${where}.`];
  const note = usernameNote(username, context);
  if (note) lines.push(note);
  const blocks: types.KnownBlock[] = [section(lines.join('\n'))];
  if (execution.password) {
    blocks.push(passwordSection(execution.password));
  } else if (user && (user.auth === 'manual' || user.auth === 'email')) {
    blocks.push(section(`Moodle emails the login details to ${escapeMrkdwn(user.email)}.`));
  }
  return { text, blocks };
}

function renderFailed(outcome: OutcomeOf<'failed'>, context: CreateResultContext): RenderedResult {
  const { execution, failure } = outcome;
  const partial = failure.moodleId !== undefined;
  const detail = failure.code === 'already_exists' || partial ? `${failure.message} ${failure.hint}` : failure.hint;
  const intro = partial
    ? 'The account exists, but not all of its courses and cohorts.'
    : 'Moodle did not create the account.';
  const unknown = failure.outcomeUnknown
    ? ' It is not certain whether Moodle created the account; a retry looks it up first.'
    : '';
  return {
    text: `${intro} ${escapeMrkdwn(detail)}`,
    blocks: [
      section(`:x: ${intro} ${escapeMrkdwn(detail)}`),
      ...(execution.password ? [passwordSection(execution.password)] : []),
      {
        type: 'context',
        elements: [
          mrkdwn(
            `Request ${escapeMrkdwn(execution.request.id)} is recorded as failed; once the cause is fixed, an approver can retry it with the Retry button on its card in <#${context.approvalChannel}>.${unknown}`,
            LIMITS.contextText,
          ),
        ],
      },
    ],
  };
}

/** Only the person who triggered the creation sees this (ephemeral reply or their own modal), once. */
function passwordSection(password: Secret): types.KnownBlock {
  return section(
    `Temporary password: \`${password.reveal()}\`\nIt is shown only to you and only now: give it to ` +
      `the person privately. Moodle asks for a new password at the first login.`,
  );
}

function capBlocks(blocks: types.KnownBlock[]): types.KnownBlock[] {
  if (blocks.length <= MAX_BLOCKS) return blocks;
  return [...blocks.slice(0, MAX_BLOCKS - 1), section(`…and ${blocks.length - MAX_BLOCKS + 1} more.`)];
}

/** The private reply to `/moodle-adduser <fields>`. */
export function buildCreateReply(outcome: SubmitOutcome, context: CreateResultContext): EphemeralMessage {
  const rendered = renderCreateOutcome(outcome, context);
  return {
    response_type: 'ephemeral',
    text: truncateText(rendered.text, LIMITS.messageText),
    blocks: capBlocks(rendered.blocks),
  };
}

/** Every problem of the text command in one private reply: the text's (strings) and the fields' (labelled). */
export function buildArgumentProblemsReply(problems: readonly (string | FieldProblem)[]): EphemeralMessage {
  const intro = `Nothing was created: ${problems.length === 1 ? 'one thing needs' : `${problems.length} things need`} fixing.`;
  return {
    response_type: 'ephemeral',
    text: truncateText(intro, LIMITS.messageText),
    blocks: capBlocks([
      section(`:warning: ${intro}`),
      ...listBlocks(problems.map((p) => (typeof p === 'string' ? `• ${escapeMrkdwn(p)}` : describeProblem(p)))),
      section('Type `/moodle-adduser help` for the usage, or `/moodle-adduser` alone for a form.'),
    ]),
  };
}

/** The modal's final view: the same message as the private reply. */
export function buildCreateResultView(outcome: SubmitOutcome, context: CreateResultContext): types.ModalView {
  const rendered = renderCreateOutcome(outcome, context);
  return {
    type: 'modal',
    title: plainText(NEW_USER_MODAL_TITLE, LIMITS.modalTitle),
    close: plainText('Close', LIMITS.modalButton),
    blocks: capBlocks(rendered.blocks),
  };
}
