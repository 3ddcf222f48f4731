// The confirmation modal of /moodle-user delete: it shows the account, says that deletion cannot be undone and
// suggests suspending instead, and asks the person to type the username. The submission compares it exactly.
import type { types } from '@slack/bolt';
import type { MoodleUser } from '../../core/moodle-gateway.js';
import { BLOCK_IDS, CALLBACK_IDS, COMMANDS, INPUT_ACTION_IDS } from '../ids.js';
import { type AccountModalMetadata, encodeAccountMetadata } from './edit-user-modal.js';
import { buildReasonInput } from './reason-input.js';
import { LIMITS, mrkdwn, plainText } from './text.js';
import { escapeMrkdwn, plainData } from './untrusted.js';
import { formatMoodleTime } from './user-card.js';

export function buildDeleteUserModal(
  user: MoodleUser,
  options: { profileUrl: string; metadata: AccountModalMetadata; reasonRequired?: boolean },
): types.ModalView {
  const e = escapeMrkdwn;
  const account = [
    `*${e(user.fullname.trim() || user.username)}*  ·  \`${e(user.username)}\`  ·  id ${user.id}`,
    `${e(user.email)}  ·  ${user.suspended ? 'suspended' : 'active'}  ·  last access: ${formatMoodleTime(user.lastaccess)}`,
    `<${options.profileUrl}|Open the Moodle profile>`,
  ].join('\n');
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.deleteUserConfirmModal,
    private_metadata: encodeAccountMetadata(options.metadata),
    title: plainText('Delete Moodle user', LIMITS.modalTitle),
    submit: plainText('Ask to delete', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    blocks: [
      { type: 'section', text: mrkdwn(account) },
      {
        type: 'section',
        text: mrkdwn(
          ':warning: *Deletion cannot be undone.* Moodle removes the account’s enrolments, grades and ' +
            `submissions. To stop someone logging in but keep their work, suspend the account instead: \`${COMMANDS.user} suspend ${e(user.username)}\`.`,
        ),
      },
      {
        type: 'input',
        block_id: BLOCK_IDS.deleteConfirmBlock,
        label: plainData(`Type the username ${user.username} to confirm`, LIMITS.inputLabel),
        element: { type: 'plain_text_input', action_id: INPUT_ACTION_IDS.deleteConfirmInput, max_length: 255 },
      },
      buildReasonInput('Reason for the deletion', {
        hint: 'Shown to the approvers and kept in the audit log.',
        required: options.reasonRequired === true,
      }),
    ],
  };
}
