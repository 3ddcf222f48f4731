// The Approve and Reject modals opened from an approval card, what their submissions mean, and the view shown when
// a decision is refused. Approve shows the record as inputs (an approver may correct it; the same Moodle rules as
// the request apply) and an optional comment; Reject asks for a required reason. private_metadata carries only the
// request id and the card's location: who may decide is checked again at submission, never read from the view.
import type { types } from '@slack/bolt';
import { z } from 'zod';
import { COMMENT_MAX_LENGTH, describeTooLong } from '../../core/free-text.js';
import { PROFILE_FIELDS, type ProfileField } from '../../core/profile.js';
import type { Corrections } from '../../core/request-service.js';
import type { MessageLocation, RequestRecord } from '../../core/requests.js';
import {
  FIELD_LABELS,
  FIELD_MAX_LENGTHS,
  type FieldProblem,
  type UserRecordOptions,
  validateNewUser,
  validateUserUpdate,
} from '../../core/user-record.js';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../ids.js';
import {
  buildStatusText,
  describeTarget,
  formatChange,
  operationTitle,
  reasonQuote,
  slackDate,
} from './approval-card.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn, escapeSentence, plainData } from './untrusted.js';

/** Longest comment or rejection reason (the core's limit, so the form and the core agree). */
export const DECISION_TEXT_MAX = COMMENT_MAX_LENGTH;

// ---------------------------------------------------------------------------------------------------------------
// private_metadata

export interface DecisionMetadata {
  requestId: string;
  /** The card the button was on, so that replies can go to that channel. */
  card?: MessageLocation;
}

const metadataSchema = z.object({
  r: z.string().min(1).max(40),
  c: z.string().min(1).max(40).optional(),
  t: z.string().min(1).max(40).optional(),
});

export function encodeDecisionMetadata(metadata: DecisionMetadata): string {
  return JSON.stringify({
    r: metadata.requestId,
    ...(metadata.card ? { c: metadata.card.channel, t: metadata.card.ts } : {}),
  });
}

/** Undefined when the metadata is not ours (a forged or truncated view). */
export function parseDecisionMetadata(text: string): DecisionMetadata | undefined {
  if (typeof text !== 'string' || text.length > LIMITS.privateMetadata) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = metadataSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { r, c, t } = parsed.data;
  return { requestId: r, ...(c && t ? { card: { channel: c, ts: t } } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// Modals

type ModalView = types.ModalView;

function summaryBlocks(request: RequestRecord, moodleUrl: string): types.KnownBlock[] {
  const lines = [
    `*${escapeMrkdwn(`${operationTitle(request.operation)}: ${describeTarget(request)}`)}*  ·  \`${request.id}\``,
    `Asked by <@${request.requester.userId}> ${slackDate(request.createdAt)}`,
  ];
  const reason = reasonQuote(request.reason);
  if (reason) lines.push(reason);
  const pre = request.preflight;
  if (pre) {
    lines.push(
      pre.checked && pre.conflicts.length === 0
        ? `Pre-flight: ${escapeMrkdwn(pre.notes.join(' ') || 'no clash found.')}`
        : `:warning: Pre-flight: ${escapeMrkdwn(
            pre.conflicts.length > 0
              ? `clashes with ${pre.conflicts.map((c) => `${c.username} (id ${c.moodleId}, same ${c.matchedOn})`).join(', ')}`
              : pre.notes.join(' '),
          )}`,
    );
  }
  if (request.status !== 'pending') lines.push(buildStatusText(request, moodleUrl));
  return [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
}

/** Which fields the Approve modal lets an approver correct, with the value each input starts from. */
export function correctableFields(request: RequestRecord): Array<{ field: ProfileField; value: string; was?: string }> {
  const payload = request.payload;
  if (payload.operation === 'create') {
    return PROFILE_FIELDS.map((field) => ({ field, value: payload.user[field] ?? '' }));
  }
  if (payload.operation === 'update') {
    return payload.changes.map((c) => ({ field: c.field, value: c.after, was: c.before }));
  }
  return [];
}

const REQUIRED_ON_CREATE: ReadonlySet<ProfileField> = new Set(['username', 'email', 'firstname', 'lastname', 'auth']);

function fieldInput(
  request: RequestRecord,
  entry: { field: ProfileField; value: string; was?: string },
): types.InputBlock {
  const { blockId, actionId } = userFieldIds(entry.field);
  const label = FIELD_LABELS[entry.field];
  const element: types.PlainTextInput = {
    type: 'plain_text_input',
    action_id: actionId,
    max_length: FIELD_MAX_LENGTHS[entry.field],
    ...(entry.value !== '' ? { initial_value: truncateText(entry.value, FIELD_MAX_LENGTHS[entry.field]) } : {}),
    ...(entry.field === 'address' ? { multiline: true } : {}),
  };
  const block: types.InputBlock = {
    type: 'input',
    block_id: blockId,
    label: plainText(label, LIMITS.inputLabel),
    element,
    optional: !(request.operation === 'create' && REQUIRED_ON_CREATE.has(entry.field)),
  };
  if (entry.was !== undefined) {
    block.hint = plainData(`Now in Moodle: ${entry.was === '' ? '(empty)' : entry.was}`, LIMITS.inputHint);
  }
  return block;
}

export function buildApproveModal(
  request: RequestRecord,
  options: { moodleUrl: string; metadata: DecisionMetadata },
): ModalView {
  const blocks: types.KnownBlock[] = summaryBlocks(request, options.moodleUrl);
  const fields = correctableFields(request);
  if (fields.length > 0) {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          request.operation === 'create'
            ? 'Correct any field before approving if needed; each change is recorded (before → after) on the card and in the audit log.'
            : 'You may correct the new values before approving; each change is recorded on the card and in the audit log.',
        ),
      ],
    });
    for (const entry of fields) blocks.push(fieldInput(request, entry));
  } else if (request.operation === 'delete') {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(':warning: Approving deletes the account in Moodle at once. This cannot be undone.')],
    });
  }
  blocks.push({
    type: 'input',
    block_id: BLOCK_IDS.approveCommentBlock,
    optional: true,
    label: plainText('Comment (optional)'),
    hint: plainText('Shown on the card and to the requester, and kept in the audit log.'),
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_IDS.approveCommentInput,
      multiline: true,
      max_length: DECISION_TEXT_MAX,
    },
  });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.approveRequestModal,
    private_metadata: truncateText(encodeDecisionMetadata(options.metadata), LIMITS.privateMetadata),
    title: plainText('Approve request', LIMITS.modalTitle),
    submit: plainText('Approve', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    blocks,
  };
}

export function buildRejectModal(
  request: RequestRecord,
  options: { moodleUrl: string; metadata: DecisionMetadata },
): ModalView {
  const blocks: types.KnownBlock[] = summaryBlocks(request, options.moodleUrl);
  const p = request.payload;
  if (p.operation === 'update' && p.changes.length > 0) {
    blocks.push({ type: 'section', text: mrkdwn(p.changes.map(formatChange).join('\n')) });
  }
  blocks.push({
    type: 'input',
    block_id: BLOCK_IDS.rejectReasonBlock,
    label: plainText('Reason'),
    hint: plainText('The requester sees this reason; it is kept in the audit log.'),
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_IDS.rejectReasonInput,
      multiline: true,
      max_length: DECISION_TEXT_MAX,
    },
  });
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.rejectRequestModal,
    private_metadata: truncateText(encodeDecisionMetadata(options.metadata), LIMITS.privateMetadata),
    title: plainText('Reject request', LIMITS.modalTitle),
    submit: plainText('Reject', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    blocks,
  };
}

/** Replaces a decision modal whose decision was refused: says why, with nothing left to submit. */
export function buildDecisionRefusedView(message: string): ModalView {
  return {
    type: 'modal',
    title: plainText('Request', LIMITS.modalTitle),
    close: plainText('Close', LIMITS.modalButton),
    blocks: [{ type: 'section', text: mrkdwn(`:no_entry_sign: ${escapeSentence(message)}`) }],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Submissions

const inputStateSchema = z.object({ value: z.string().nullish() }).loose();
const stateValuesSchema = z.record(z.string(), z.record(z.string(), inputStateSchema));
export type ViewStateValues = z.infer<typeof stateValuesSchema>;

/** The text typed into an input (trimmed; '' when left empty). Undefined when the view has no such input. */
function readInput(values: unknown, blockId: string, actionId: string): string | undefined {
  const parsed = stateValuesSchema.safeParse(values);
  if (!parsed.success) return undefined;
  const block = parsed.data[blockId];
  if (!block || !(actionId in block)) return undefined;
  return (block[actionId]?.value ?? '').trim();
}

export type ApproveSubmission =
  | { ok: true; corrections: Corrections; comment: string | undefined }
  | { ok: false; errors: Record<string, string> };

function errorsFrom(problems: FieldProblem[], fields: readonly ProfileField[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const fallback = fields[0];
  for (const problem of problems) {
    const field = (fields as readonly string[]).includes(problem.field) ? (problem.field as ProfileField) : fallback;
    const blockId = field ? userFieldIds(field).blockId : BLOCK_IDS.approveCommentBlock;
    errors[blockId] = truncateText(errors[blockId] ? `${errors[blockId]} ${problem.message}` : problem.message, 2000);
  }
  return errors;
}

/**
 * Reads the Approve modal: the corrected record, checked with the same Moodle rules as the request itself (errors
 * keyed by the field's block_id, for `response_action: errors`), and the comment. Values are returned as the
 * validator normalised them; unchanged ones produce no correction later (applyCorrections keeps real changes only).
 */
export function readApproveSubmission(
  request: RequestRecord,
  values: unknown,
  options: UserRecordOptions,
): ApproveSubmission {
  const comment = readInput(values, BLOCK_IDS.approveCommentBlock, INPUT_ACTION_IDS.approveCommentInput);
  const fields = correctableFields(request).map((f) => f.field);
  const typed: Partial<Record<ProfileField, string>> = {};
  for (const field of fields) {
    const { blockId, actionId } = userFieldIds(field);
    const value = readInput(values, blockId, actionId);
    if (value !== undefined) typed[field] = value;
  }
  const corrections: Record<string, string> = {};
  if (request.payload.operation === 'create' && Object.keys(typed).length > 0) {
    const candidate: Record<string, string | undefined> = {};
    for (const field of fields)
      candidate[field] = typed[field] === '' ? undefined : (typed[field] ?? request.payload.user[field]);
    const checked = validateNewUser(candidate, options);
    if (!checked.ok) return { ok: false, errors: errorsFrom(checked.problems, fields) };
    for (const field of fields) corrections[field] = checked.record[field] ?? '';
  } else if (request.payload.operation === 'update' && Object.keys(typed).length > 0) {
    const checked = validateUserUpdate(typed, options);
    if (!checked.ok) return { ok: false, errors: errorsFrom(checked.problems, fields) };
    for (const field of Object.keys(typed) as ProfileField[])
      corrections[field] = checked.record[field] ?? typed[field] ?? '';
  }
  // The form's max_length is the browser's word only: a forged submission is checked here.
  const tooLong = describeTooLong('The comment', comment, DECISION_TEXT_MAX);
  if (tooLong) return { ok: false, errors: { [BLOCK_IDS.approveCommentBlock]: tooLong } };
  return { ok: true, corrections, comment: comment === '' ? undefined : comment };
}

export type RejectSubmission = { ok: true; reason: string } | { ok: false; errors: Record<string, string> };

export function readRejectSubmission(values: unknown): RejectSubmission {
  const reason = readInput(values, BLOCK_IDS.rejectReasonBlock, INPUT_ACTION_IDS.rejectReasonInput) ?? '';
  if (reason === '') {
    return {
      ok: false,
      errors: { [BLOCK_IDS.rejectReasonBlock]: 'Say why you reject the request; the requester will see it.' },
    };
  }
  const tooLong = describeTooLong('The reason', reason, DECISION_TEXT_MAX);
  if (tooLong) return { ok: false, errors: { [BLOCK_IDS.rejectReasonBlock]: tooLong } };
  return { ok: true, reason };
}
