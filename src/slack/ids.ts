// Every identifier the app shares with Slack: slash commands, action_ids, callback_ids and block_ids. Builders and
// listeners import them from here so that a renamed id cannot leave a button without a handler. Ids are snake_case
// with a suffix that says what they name (_button, _modal, _block, _input, _select).
import { PROFILE_FIELDS } from '../core/moodle-gateway.js';

/** Slash commands; manifest.yml declares the same set (a test checks both directions). */
export const COMMANDS = {
  addUser: '/moodle-adduser',
  user: '/moodle-user',
} as const;
export type CommandName = (typeof COMMANDS)[keyof typeof COMMANDS];

/** Modal callback_ids (view_submission / view_closed). */
export const CALLBACK_IDS = {
  newUserModal: 'new_user_modal',
  editUserModal: 'edit_user_modal',
  deleteUserConfirmModal: 'delete_user_confirm_modal',
  approveRequestModal: 'approve_request_modal',
  /** Edit details, pushed over the approve summary. */
  approveCorrectionsModal: 'approve_corrections_modal',
  rejectRequestModal: 'reject_request_modal',
  /** "Looking the account up…" and refusal notices shown in place of the edit/delete modals; never submitted. */
  accountNoticeModal: 'account_notice_modal',
  /** The Home tab's "Find a user". */
  findUserModal: 'find_user_modal',
  /** Extend… on an end date's reminder: a new end date, through the approval policy (extend). */
  extendEndDateModal: 'extend_end_date_modal',
  /** Enrol, unenrol, cohort add or remove for an existing account. */
  membershipModal: 'membership_modal',
  /** The CSV import: the form with the file, then the preview submitted for approval. */
  importModal: 'import_modal',
  importPreviewModal: 'import_preview_modal',
} as const;

/** action_ids of interactive elements outside input blocks (buttons on messages). */
export const ACTION_IDS = {
  approveRequestButton: 'approve_request_button',
  rejectRequestButton: 'reject_request_button',
  retryRequestButton: 'retry_request_button',
  /** On the new-user form: shows the Moodle calls the form would make (a dry run). */
  newUserPreviewButton: 'new_user_preview_button',
  /** On the edit form: the same, for the changes typed so far. */
  editUserPreviewButton: 'edit_user_preview_button',
  /** On the approve summary: opens the corrections form. */
  approveEditDetailsButton: 'approve_edit_details_button',
  /** On a requester's own pending request in /moodle-user requests. */
  cancelRequestButton: 'cancel_request_button',
  /** The Home tab's quick actions. */
  homeNewAccountButton: 'home_new_account_button',
  homeFindUserButton: 'home_find_user_button',
  /** On an end date's reminder (a DM to its requester). */
  extendEndDateButton: 'extend_end_date_button',
  letItExpireButton: 'let_it_expire_button',
  /** "Courses and cohorts…" on the /moodle-user show card; its value is the Moodle id. */
  membershipFormButton: 'membership_form_button',
  /** The help replies' buttons: the "New Moodle user" form, and "Find a user". */
  helpNewUserFormButton: 'help_new_user_form_button',
  helpFindUserButton: 'help_find_user_button',
  homeImportButton: 'home_import_button',
  /** In the import preview: send the full check as a CSV file in a direct message. */
  importCheckButton: 'import_check_button',
} as const;

/** block_ids of non-input blocks that listeners look up. */
export const BLOCK_IDS = {
  requestActionsBlock: 'request_actions_block',
  approveCommentBlock: 'approve_comment_block',
  approveEditBlock: 'approve_edit_block',
  newUserPreviewBlock: 'new_user_preview_block',
  editUserPreviewBlock: 'edit_user_preview_block',
  rejectReasonBlock: 'reject_reason_block',
  reasonBlock: 'reason_block',
  /** The delete confirmation modal's "type the username" input. */
  deleteConfirmBlock: 'delete_confirm_block',
  findUserBlock: 'find_user_block',
  /** The new-user form's courses, their role, and cohorts. */
  coursesBlock: 'courses_block',
  roleBlock: 'role_block',
  cohortsBlock: 'cohorts_block',
  /** An account's end date: the new-user form's and the Extend… modal's date picker. */
  endDateBlock: 'end_date_block',
  /** The courses-and-cohorts form's choice of enrol, unenrol, cohort add or remove, and its dates. */
  membershipActionBlock: 'membership_action_block',
  fromBlock: 'from_block',
  untilBlock: 'until_block',
  /** The import form's file and its "add new only / add new and update existing" choice. */
  importFileBlock: 'import_file_block',
  importModeBlock: 'import_mode_block',
  importCheckBlock: 'import_check_block',
} as const;

/** action_ids inside the approval/rejection modals' input blocks. */
export const INPUT_ACTION_IDS = {
  approveCommentInput: 'approve_comment_input',
  rejectReasonInput: 'reject_reason_input',
  reasonInput: 'reason_input',
  deleteConfirmInput: 'delete_confirm_input',
  findUserInput: 'find_user_input',
  coursesInput: 'courses_input',
  roleInput: 'role_input',
  cohortsInput: 'cohorts_input',
  endDateInput: 'end_date_input',
  membershipActionInput: 'membership_action_input',
  fromInput: 'from_input',
  untilInput: 'until_input',
  importFileInput: 'import_file_input',
  importModeInput: 'import_mode_input',
} as const;

/** User profile fields that appear as inputs in the user modals (the README's keys, without reason). */
export const USER_FIELD_KEYS = PROFILE_FIELDS;
export type UserFieldKey = (typeof USER_FIELD_KEYS)[number];

/**
 * block_id and action_id of a user field's input block. The same ids are used by the modal builder, by the
 * submission parser and as keys of `response_action: errors`, and they stay stable across views.update so that
 * Slack keeps what the person typed.
 */
export function userFieldIds(key: UserFieldKey): {
  blockId: `${UserFieldKey}_block`;
  actionId: `${UserFieldKey}_input`;
} {
  return { blockId: `${key}_block`, actionId: `${key}_input` };
}
