// The Approve and Reject modals opened from an approval card, what their submissions mean, and the view shown when
// a decision is refused. Approve is a read-only summary with an optional comment; corrections come from the pushed
// Edit details form (approve-corrections.ts) and ride in private_metadata until Approve, checked again there. Reject
// asks for a required reason. Who may decide is checked again at submission, never read from the view.
import type { types } from '@slack/bolt';
import { z } from 'zod';
import { COMMENT_MAX_LENGTH, describeTooLong } from '../../core/free-text.js';
import type { MoodleUser } from '../../core/moodle-gateway.js';
import { operationOf } from '../../core/operations/registry.js';
import { applyCorrections } from '../../core/request-corrections.js';
import type { Corrections } from '../../core/request-service.js';
import type { RequestRecord } from '../../core/requests.js';
import type { UserRecordOptions } from '../../core/user-record.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../ids.js';
import { formatChange } from './approval-card.js';
import { checkCorrections } from './approve-corrections.js';
import { type DecisionMetadata, encodeDecisionMetadata, fitsMetadata } from './decision-metadata.js';
import { requestSummaryBlocks } from './request-summary.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeSentence } from './untrusted.js';

export {
  type DecisionMetadata,
  encodeDecisionMetadata,
  fitsMetadata,
  parseDecisionMetadata,
} from './decision-metadata.js';

/** Longest comment or rejection reason (the core's limit, so the form and the core agree). */
export const DECISION_TEXT_MAX = COMMENT_MAX_LENGTH;

// ---------------------------------------------------------------------------------------------------------------
// Modals

type ModalView = types.ModalView;

/** Shown on the summary after Edit details: each correction before → after, as it will be applied. */
function correctionBlocks(request: RequestRecord, corrections: DecisionMetadata['corrections']): types.KnownBlock[] {
  if (!corrections) return [];
  const applied = applyCorrections(request, corrections);
  if (!applied.ok || applied.diff.length === 0) return [];
  return [
    {
      type: 'section',
      text: mrkdwn(`*Your corrections* (applied when you approve):\n${applied.diff.map(formatChange).join('\n')}`),
    },
  ];
}

/** The payload as it will be approved: the stored one with the carried corrections, when they apply. */
export function correctedPayload(request: RequestRecord, corrections: DecisionMetadata['corrections']) {
  if (!corrections) return request.payload;
  const applied = applyCorrections(request, corrections);
  return applied.ok ? applied.payload : request.payload;
}

/**
 * The light approve step: a read-only summary, an optional comment and the Approve button. Corrections sit behind
 * Edit details (operations that have some), which pushes a short form; they come back in private_metadata.
 */
export function buildApproveModal(
  request: RequestRecord,
  options: { moodleUrl: string; metadata: DecisionMetadata; account?: MoodleUser },
): ModalView {
  // Corrections too long for the metadata could not be applied at Approve, so they are not shown either (the Edit
  // details submission refuses them before this can happen).
  const metadata = fitsMetadata(options.metadata) ? options.metadata : { ...options.metadata, corrections: {} };
  const { corrections } = metadata;
  const blocks: types.KnownBlock[] = [
    ...requestSummaryBlocks(request, {
      moodleUrl: options.moodleUrl,
      payload: correctedPayload(request, corrections),
      ...(options.account ? { account: options.account } : {}),
    }),
    ...correctionBlocks(request, corrections),
  ];
  if (operationOf(request.operation).correct) {
    blocks.push({
      type: 'actions',
      block_id: BLOCK_IDS.approveEditBlock,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.approveEditDetailsButton,
          text: plainText('Edit details', LIMITS.buttonText),
          value: request.id,
        },
      ],
    });
  }
  blocks.push({
    type: 'input',
    block_id: BLOCK_IDS.approveCommentBlock,
    optional: true,
    label: plainText('Comment'),
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
    private_metadata: encodeDecisionMetadata(metadata),
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
  const blocks: types.KnownBlock[] = requestSummaryBlocks(request, { moodleUrl: options.moodleUrl });
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

/**
 * Reads the approve summary: the comment, and the corrections carried from Edit details, checked again with the
 * request's own Moodle rules (the metadata travelled through Slack, and the settings may have changed since).
 */
export function readApproveSubmission(
  request: RequestRecord,
  values: unknown,
  carried: DecisionMetadata['corrections'],
  options: UserRecordOptions,
): ApproveSubmission {
  const comment = readInput(values, BLOCK_IDS.approveCommentBlock, INPUT_ACTION_IDS.approveCommentInput) ?? '';
  // The form's max_length is the browser's word only: a forged submission is checked here.
  const tooLong = describeTooLong('The comment', comment, DECISION_TEXT_MAX);
  if (tooLong) return { ok: false, errors: { [BLOCK_IDS.approveCommentBlock]: tooLong } };
  const checked = checkCorrections(request, carried ?? {}, options);
  if (!checked.ok) {
    const problems = checked.problems.map((p) => p.message).join(' ');
    return {
      ok: false,
      errors: {
        [BLOCK_IDS.approveCommentBlock]: truncateText(
          `Your corrections no longer pass: ${problems} Use Edit details.`,
          2000,
        ),
      },
    };
  }
  return { ok: true, corrections: checked.corrections, comment: comment === '' ? undefined : comment };
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
