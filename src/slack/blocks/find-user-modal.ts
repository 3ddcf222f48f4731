// The Home tab's "Find a user": a modal asking for a username, email or id; its submission shows the account the
// same way `/moodle-user show` does, in the modal.
import type { types } from '@slack/bolt';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../ids.js';
import { LIMITS, mrkdwn, plainText } from './text.js';

export function buildFindUserModal(): types.ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.findUserModal,
    title: plainText('Find a Moodle user', LIMITS.modalTitle),
    submit: plainText('Find', LIMITS.modalButton),
    close: plainText('Close', LIMITS.modalButton),
    blocks: [
      {
        type: 'input',
        block_id: BLOCK_IDS.findUserBlock,
        label: plainText('Username, email or Moodle id', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION_IDS.findUserInput,
          max_length: 255,
          placeholder: plainText('e.g. jdoe or jane.doe@example.org', LIMITS.placeholder),
        },
      },
    ],
  };
}

/** The result of a look-up, as a modal (blocks from the same builders as the `show` reply). */
export function buildFoundUserModal(blocks: readonly types.KnownBlock[] | undefined, text: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.accountNoticeModal,
    title: plainText('Find a Moodle user', LIMITS.modalTitle),
    close: plainText('Close', LIMITS.modalButton),
    blocks: blocks && blocks.length > 0 ? [...blocks] : [{ type: 'section', text: mrkdwn(text) }],
  };
}
