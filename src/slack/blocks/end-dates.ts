// End dates in Slack: the reminder DM before an account's end date (Extend… and Let it expire), the Extend… modal
// with its date picker, the date picker of the new-user form, and the lists of accounts that end soon. Pure builders.
import type { types } from '@slack/bolt';
import { formatEnd } from '../../core/account-end-dates.js';
import type { ScheduledAction } from '../../core/scheduled-actions.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../ids.js';
import { slackDate } from './approval-card.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

/** Rows per list (a message holds at most 50 blocks). */
export const EXPIRING_LIST_LIMIT = 40;

export interface EphemeralBlocks {
  response_type: 'ephemeral';
  text: string;
  blocks: types.KnownBlock[];
}

const accountOf = (action: Pick<ScheduledAction, 'username' | 'moodleId'>) =>
  `${escapeMrkdwn(action.username, 200)} (id ${action.moodleId})`;

/** The DM to an end date's requester, EXPIRY_REMIND_DAYS before it. */
export function buildEndDateReminder(
  action: ScheduledAction,
  expiryAction: 'suspend' | 'delete',
): { text: string; blocks: types.KnownBlock[] } {
  const verb = expiryAction === 'delete' ? 'deleted' : 'suspended';
  const text = truncateText(
    `:hourglass: The Moodle account ${accountOf(action)} ends ${slackDate(action.endAt)}: it will be ${verb} then ` +
      `(end date set in ${action.requestId}). Extend it, or let it expire.`,
    LIMITS.sectionText,
  );
  return {
    text,
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: ACTION_IDS.extendEndDateButton,
            text: plainText('Extend…', LIMITS.buttonText),
            style: 'primary',
            value: action.id,
          },
          {
            type: 'button',
            action_id: ACTION_IDS.letItExpireButton,
            text: plainText('Let it expire', LIMITS.buttonText),
            value: action.id,
          },
        ],
      },
    ],
  };
}

/** The date picker of an end date, optional in the new-user form. */
export function endDateInput(options: { optional: boolean; initialDate?: string; hint: string }): types.InputBlock {
  return {
    type: 'input',
    block_id: BLOCK_IDS.endDateBlock,
    optional: options.optional,
    label: plainText('End date', LIMITS.inputLabel),
    hint: plainText(options.hint, LIMITS.inputHint),
    element: {
      type: 'datepicker',
      action_id: INPUT_ACTION_IDS.endDateInput,
      ...(options.initialDate ? { initial_date: options.initialDate } : {}),
    },
  };
}

/** Extend…: a new end date for the account (private_metadata: the reminder's action id). */
export function buildExtendModal(action: ScheduledAction): types.ModalView {
  const later = new Date(action.endAt.getTime() + 30 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.extendEndDateModal,
    private_metadata: action.id,
    title: plainText('Extend account', LIMITS.modalTitle),
    submit: plainText('Ask to extend', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`${accountOf(action)} now ends ${formatEnd(action)}. Pick its new last day.`),
      },
      endDateInput({
        optional: false,
        initialDate: later,
        hint: 'Read in your Slack time zone: the account ends when this day does. The approval policy applies.',
      }),
    ],
  };
}

export function buildExpiringList(actions: readonly ScheduledAction[], options: { title: string }): EphemeralBlocks {
  const shown = actions.slice(0, EXPIRING_LIST_LIMIT);
  const blocks: types.KnownBlock[] = [{ type: 'section', text: mrkdwn(`*${options.title}*`) }];
  if (shown.length === 0) blocks.push({ type: 'section', text: mrkdwn('None.') });
  for (const action of shown) blocks.push({ type: 'section', text: mrkdwn(expiringLine(action)) });
  if (actions.length > shown.length) {
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${actions.length - shown.length} more.`)] });
  }
  return { response_type: 'ephemeral', text: options.title, blocks };
}

/** One account that ends: when, who set it, and a failed expiry's state. */
export function expiringLine(action: ScheduledAction): string {
  const state = action.state === 'failed' ? '  ·  :x: expiry failed; see its card' : '';
  return `*${accountOf(action)}*  ·  ends ${slackDate(action.endAt)}  ·  set by <@${action.requesterId}> in \`${action.requestId}\`${state}`;
}
