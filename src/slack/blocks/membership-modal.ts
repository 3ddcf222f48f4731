// The "Courses and cohorts" modal of an existing account (/moodle-user enrol|unenrol <user>, cohort add|remove
// <user>, or the show card's button): one change per submission, on one or more courses or one cohort. Ids come
// from ids.ts so that the submission parser and `response_action: errors` use the same ones; the account rides in
// private_metadata like the edit modal's.
import type { types } from '@slack/bolt';
import type { MembershipAsk } from '../../core/memberships.js';
import type { MoodleUser } from '../../core/moodle-gateway.js';
import { type CohortRef, describeCohort } from '../../core/operations/memberships.js';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../ids.js';
import { type AccountModalMetadata, encodeAccountMetadata } from './edit-user-modal.js';
import { MAX_SELECT_OPTIONS } from './new-user-modal.js';
import { buildReasonInput } from './reason-input.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { escapeMrkdwn } from './untrusted.js';

export const MEMBERSHIP_MODAL_TITLE = 'Courses and cohorts';

export type MembershipAction = MembershipAsk['operation'];

/** The choices of the form's first input, in the order shown. */
export const MEMBERSHIP_ACTIONS: Readonly<Record<MembershipAction, string>> = {
  enrol: 'Enrol in courses',
  unenrol: 'Unenrol from courses',
  cohort_add: 'Add to a cohort',
  cohort_remove: 'Remove from a cohort',
};

export interface MembershipModalOptions {
  /** Role short names an enrolment may use (ROLE_IDS). */
  roles: readonly string[];
  /** Moodle's cohorts for a select; a text input when Moodle would not list them or lists too many. */
  cohorts: readonly CohortRef[] | undefined;
  action: MembershipAction;
  reasonRequired: boolean;
}

function option(text: string, value: string): types.PlainTextOption {
  return { text: plainText(text, LIMITS.optionText), value: truncateText(value, LIMITS.optionValue) };
}

function optional(blockId: string, label: string, element: types.InputBlock['element'], hint?: string) {
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(label, LIMITS.inputLabel),
    optional: true,
    element,
    ...(hint ? { hint: plainText(hint, LIMITS.inputHint) } : {}),
  } satisfies types.InputBlock;
}

function actionInput(action: MembershipAction): types.InputBlock {
  const options = Object.entries(MEMBERSHIP_ACTIONS).map(([value, text]) => option(text, value));
  const initial = options.find((o) => o.value === action);
  return {
    type: 'input',
    block_id: BLOCK_IDS.membershipActionBlock,
    label: plainText('What to do', LIMITS.inputLabel),
    element: {
      type: 'radio_buttons',
      action_id: INPUT_ACTION_IDS.membershipActionInput,
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

function cohortInput(cohorts: readonly CohortRef[] | undefined): types.InputBlock {
  const label = 'Cohort (to add to or remove from)';
  if (cohorts && cohorts.length > 0 && cohorts.length <= MAX_SELECT_OPTIONS) {
    return optional(BLOCK_IDS.cohortsBlock, label, {
      type: 'static_select',
      action_id: INPUT_ACTION_IDS.cohortsInput,
      placeholder: plainText('Choose a cohort', LIMITS.placeholder),
      // The id, so that a cohort without an ID number is still found (resolveCohorts reads id:N).
      options: cohorts.map((c) => option(describeCohort(c), `id:${c.id}`)),
    });
  }
  return optional(
    BLOCK_IDS.cohortsBlock,
    label,
    {
      type: 'plain_text_input',
      action_id: INPUT_ACTION_IDS.cohortsInput,
      max_length: 255,
      placeholder: plainText('ID number or name, e.g. COHORT1', LIMITS.placeholder),
    },
    'Moodle did not list its cohorts for a menu; type the cohort’s ID number or name.',
  );
}

export function buildMembershipModal(
  user: MoodleUser,
  metadata: AccountModalMetadata,
  options: MembershipModalOptions,
): types.ModalView {
  const roleOptions = options.roles.slice(0, MAX_SELECT_OPTIONS).map((role) => option(role, role));
  const initialRole = roleOptions.find((o) => o.value === 'student') ?? roleOptions[0];
  const blocks: types.KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `Courses and cohorts of \`${escapeMrkdwn(user.username)}\` (id ${user.id}). Everything is checked against ` +
          'Moodle before anyone approves; each course or cohort becomes its own request.',
      ),
    },
    actionInput(options.action),
    optional(
      BLOCK_IDS.coursesBlock,
      'Courses (to enrol in or unenrol from)',
      {
        type: 'plain_text_input',
        action_id: INPUT_ACTION_IDS.coursesInput,
        max_length: 1000,
        placeholder: plainText('Short names or ID numbers, e.g. TEST101, TEST102', LIMITS.placeholder),
      },
      'Comma-separated. Short names are case-sensitive in Moodle.',
    ),
    optional(BLOCK_IDS.roleBlock, 'Role in these courses', {
      type: 'static_select',
      action_id: INPUT_ACTION_IDS.roleInput,
      options: roleOptions,
      ...(initialRole ? { initial_option: initialRole } : {}),
    }),
    optional(
      BLOCK_IDS.fromBlock,
      'Enrolled from',
      { type: 'datepicker', action_id: INPUT_ACTION_IDS.fromInput },
      'Empty: from now. Dates are read in your Slack time zone.',
    ),
    optional(
      BLOCK_IDS.untilBlock,
      'Enrolled until (inclusive)',
      { type: 'datepicker', action_id: INPUT_ACTION_IDS.untilInput },
      'Empty: no end date.',
    ),
    cohortInput(options.cohorts),
    buildReasonInput('Reason', {
      hint: 'Shown to the approvers and kept in the audit log.',
      required: options.reasonRequired,
    }),
  ];
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.membershipModal,
    private_metadata: encodeAccountMetadata(metadata),
    title: plainText(MEMBERSHIP_MODAL_TITLE, LIMITS.modalTitle),
    submit: plainText('Submit', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    notify_on_close: false,
    blocks,
  };
}
