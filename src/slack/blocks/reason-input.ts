// The optional "why" input that the new-user, edit and delete modals end with: one block id, one action id and one
// length limit, so that every submission reads the reason the same way.
import type { types } from '@slack/bolt';
import { REASON_MAX_LENGTH } from '../../core/free-text.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../ids.js';
import { LIMITS, plainText } from './text.js';

/** The core's limit: the form says it, and every submission is checked against it again (core/free-text.ts). */
export { REASON_MAX_LENGTH };

/** `required`: REASON_REQUIRED names the operation; Slack asks for it, and the submission checks it again. */
export function buildReasonInput(
  label: string,
  help: { hint?: string; placeholder?: string; required?: boolean },
): types.InputBlock {
  return {
    type: 'input',
    block_id: BLOCK_IDS.reasonBlock,
    label: plainText(label, LIMITS.inputLabel),
    optional: help.required !== true,
    element: {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_IDS.reasonInput,
      multiline: true,
      max_length: REASON_MAX_LENGTH,
      ...(help.placeholder ? { placeholder: plainText(help.placeholder, LIMITS.placeholder) } : {}),
    },
    ...(help.hint ? { hint: plainText(help.hint, LIMITS.inputHint) } : {}),
  };
}
