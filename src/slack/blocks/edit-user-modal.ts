// The "Edit Moodle user" modal (/moodle-user update <user> with no fields), filled with the account's current
// values, and the small notice modal shown at once while the account is looked up (the trigger_id lives 3 s) or
// in place of a form the person may not use. Input ids come from ids.ts (userFieldIds) so that the submission
// parser and `response_action: errors` use the same ids. The account is named in private_metadata.
import type { types } from '@slack/bolt';
import { z } from 'zod';
import { currentValue } from '../../core/account-changes.js';
import { PRIVATE_FIELDS } from '../../core/account-view.js';
import { type MoodleUser, OPTIONAL_PROFILE_FIELDS, REQUIRED_PROFILE_FIELDS } from '../../core/moodle-gateway.js';
import { FIELD_LABELS, FIELD_MAX_LENGTHS } from '../../core/user-record.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, type UserFieldKey, userFieldIds } from '../ids.js';
import { previewButton } from './dry-run.js';
import { buildReasonInput } from './reason-input.js';
import { LIMITS, mrkdwn, plainText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** Which account the modal edits (or deletes), and where the command was typed; carried in private_metadata. */
export interface AccountModalMetadata {
  moodleId: number;
  username: string;
  channelId?: string;
}

export const accountModalMetadataSchema = z.object({
  moodleId: z.number().int().positive(),
  username: z.string().min(1).max(255),
  channelId: z.string().max(64).exactOptional(),
}) satisfies z.ZodType<AccountModalMetadata>;

export function encodeAccountMetadata(metadata: AccountModalMetadata): string {
  return JSON.stringify(metadata);
}

/** Untrusted: a view_submission's private_metadata. Undefined when it is not what the modal put there. */
export function decodeAccountMetadata(text: unknown): AccountModalMetadata | undefined {
  if (typeof text !== 'string' || text.length > LIMITS.privateMetadata) return undefined;
  try {
    const parsed = accountModalMetadataSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Fields a person may not leave empty (Moodle requires them). */
const REQUIRED: ReadonlySet<UserFieldKey> = new Set(REQUIRED_PROFILE_FIELDS);

const HINTS: Partial<Record<UserFieldKey, string>> = {
  username: 'Changing it renames the account; the person then logs in with the new username.',
  email: 'Each Moodle account needs its own address.',
  country: 'A two-letter code such as GB, DE or US, or the English name.',
  timezone: 'A name such as Europe/London, or 99 for the site’s default.',
  lang: 'A Moodle language code such as en, de or pt_br.',
};

/** The order the form shows the fields in: names first, as in Moodle's own profile form. */
export const EDIT_USER_FIELDS = [
  'firstname',
  'lastname',
  'email',
  'username',
  'auth',
  ...OPTIONAL_PROFILE_FIELDS,
] as const satisfies readonly UserFieldKey[];

const HIDDEN_HINT = 'Only approvers and admins see the current value; leave it empty to keep it.';

function fieldInput(key: UserFieldKey, user: MoodleUser, redacted: boolean): types.InputBlock {
  const { blockId, actionId } = userFieldIds(key);
  const value = currentValue(user, key);
  const hidden = redacted && (PRIVATE_FIELDS as readonly string[]).includes(key);
  const hint = hidden ? HIDDEN_HINT : HINTS[key];
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(FIELD_LABELS[key], LIMITS.inputLabel),
    optional: hidden || !REQUIRED.has(key),
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: FIELD_MAX_LENGTHS[key] + 20,
      ...(value ? { initial_value: value } : {}),
    },
    ...(hint ? { hint: plainText(hint, LIMITS.inputHint) } : {}),
  };
}

export function buildEditUserModal(
  user: MoodleUser,
  metadata: AccountModalMetadata,
  options: { reasonRequired?: boolean; redacted?: boolean } = {},
): types.ModalView {
  const blocks: types.KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `Editing \`${escapeMrkdwn(user.username)}\` (id ${user.id}). Only the fields you change are sent to Moodle; ` +
          'an approver may have to approve the change first.',
      ),
    },
    ...EDIT_USER_FIELDS.map((k) => fieldInput(k, user, options.redacted === true)),
    buildReasonInput('Reason for the change', {
      hint: 'Shown to the approvers and kept in the audit log.',
      required: options.reasonRequired === true,
    }),
    previewButton(BLOCK_IDS.editUserPreviewBlock, ACTION_IDS.editUserPreviewButton),
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.editUserModal,
    private_metadata: encodeAccountMetadata(metadata),
    title: plainText('Edit Moodle user', LIMITS.modalTitle),
    submit: plainText('Save changes', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    notify_on_close: false,
    blocks,
  };
}

/** A modal with text only and no submit button: "Looking up…", or why the form cannot be shown. */
export function buildNoticeModal(title: string, text: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.accountNoticeModal,
    title: plainText(title, LIMITS.modalTitle),
    close: plainText('Close', LIMITS.modalButton),
    blocks: [{ type: 'section', text: mrkdwn(escapeMrkdwn(text)) }],
  };
}

export function buildLoadingModal(title: string, what: string): types.ModalView {
  return buildNoticeModal(title, `Looking up ${what} in Moodle…`);
}
