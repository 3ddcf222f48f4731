// The "New Moodle user" modal and the "Checking Moodle…" view that replaces it while the app asks Moodle. Input
// block_ids and action_ids come from ids.ts (userFieldIds) so that the submission parser and the inline errors of
// `response_action: errors` use the same ids as the view.
import type { types } from '@slack/bolt';
import { listCountries } from '../../core/countries.js';
import { authName } from '../../core/record-words.js';
import { FIELD_LABELS, FIELD_MAX_LENGTHS } from '../../core/user-record.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../ids.js';
import { encodeNewUserMetadata, NEW_USER_MODAL_FIELDS, type NewUserMetadata } from '../views/new-user-values.js';
import { previewButton } from './dry-run.js';
import { endDateInput } from './end-dates.js';
import { buildReasonInput } from './reason-input.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';

export const NEW_USER_MODAL_TITLE = 'New Moodle user';
/** Slack allows at most 100 options per static_select (or per option group). */
export const MAX_SELECT_OPTIONS = 100;

export interface NewUserModalOptions {
  allowedAuth: readonly string[];
  defaultAuth: string;
  /** Role short names an enrolment may use (ROLE_IDS); the courses inputs are shown when there are any. */
  roles?: readonly string[];
  /** Carried in private_metadata to the submission. */
  metadata?: NewUserMetadata;
  /** REASON_REQUIRED names create. */
  reasonRequired?: boolean;
}

const HINTS: Partial<Record<(typeof NEW_USER_MODAL_FIELDS)[number], string>> = {
  email: 'Moodle sends the login details here. Each Moodle account needs its own address.',
  username:
    'Lowercase letters, digits and - . _ @ only. Leave it empty to make it from the email address ' +
    '(jane.doe@example.org → jane.doe); a number is added if that one is taken (jane.doe2).',
  idnumber: 'An identifier from another system (staff or student number), if you use one.',
};

const PLACEHOLDERS: Partial<Record<(typeof NEW_USER_MODAL_FIELDS)[number], string>> = {
  email: 'jane.doe@example.org',
  username: 'Empty: made from the email address',
  country: 'Choose a country',
};

export function option(text: string, value: string): types.PlainTextOption {
  return { text: plainText(text, LIMITS.optionText), value: truncateText(value, LIMITS.optionValue) };
}

/** The first letter of a name without its accent, so that Åland Islands sorts under A. */
function initialOf(name: string): string {
  const letter = name.normalize('NFD').replace(/\p{M}/gu, '').charAt(0).toUpperCase();
  return /[A-Z]/.test(letter) ? letter : '#';
}

export type CountryOptionGroup = { label: types.PlainTextElement; options: types.PlainTextOption[] };

/**
 * Every country Moodle knows, grouped by initial: a single static_select may list at most 100 options, Moodle
 * knows about 250 countries, and option groups keep one searchable menu (an external_select would need an
 * options endpoint and a round trip per keystroke).
 */
export function buildCountryOptionGroups(): CountryOptionGroup[] {
  const groups = new Map<string, types.PlainTextOption[]>();
  for (const country of listCountries()) {
    const initial = initialOf(country.name);
    const list = groups.get(initial) ?? [];
    list.push(option(country.name, country.code));
    groups.set(initial, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([initial, options]) => ({ label: plainText(initial, LIMITS.optionText), options }));
}

function textInput(
  key: 'firstname' | 'lastname' | 'username' | 'department' | 'institution' | 'city' | 'idnumber',
): types.InputBlock {
  const { blockId, actionId } = userFieldIds(key);
  const placeholder = PLACEHOLDERS[key];
  const hint = HINTS[key];
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(FIELD_LABELS[key], LIMITS.inputLabel),
    optional: key !== 'firstname' && key !== 'lastname',
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: FIELD_MAX_LENGTHS[key],
      ...(placeholder ? { placeholder: plainText(placeholder, LIMITS.placeholder) } : {}),
    },
    ...(hint ? { hint: plainText(hint, LIMITS.inputHint) } : {}),
  };
}

function emailInput(): types.InputBlock {
  const { blockId, actionId } = userFieldIds('email');
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(FIELD_LABELS.email, LIMITS.inputLabel),
    element: {
      type: 'email_text_input',
      action_id: actionId,
      placeholder: plainText(PLACEHOLDERS.email ?? '', LIMITS.placeholder),
    },
    hint: plainText(HINTS.email ?? '', LIMITS.inputHint),
  };
}

/** The auth select, starting on `selected` (the default auth on the request form, the request's on a correction). */
export function authSelect(allowed: readonly string[], selected: string): types.InputBlock {
  const { blockId, actionId } = userFieldIds('auth');
  const options = allowed.slice(0, MAX_SELECT_OPTIONS).map((auth) => option(authName(auth), auth));
  const initial = options.find((o) => o.value === selected);
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(FIELD_LABELS.auth, LIMITS.inputLabel),
    element: {
      type: 'static_select',
      action_id: actionId,
      options,
      ...(initial ? { initial_option: initial } : {}),
    },
    hint: plainText('How the person logs in to Moodle.', LIMITS.inputHint),
  };
}

/** The country select; `selected` is a country code the menu starts on. */
export function countrySelect(selected?: string): types.InputBlock {
  const { blockId, actionId } = userFieldIds('country');
  const groups = buildCountryOptionGroups();
  const initial = groups.flatMap((g) => g.options).find((o) => o.value === selected);
  return {
    type: 'input',
    block_id: blockId,
    label: plainText(FIELD_LABELS.country, LIMITS.inputLabel),
    optional: true,
    element: {
      type: 'static_select',
      action_id: actionId,
      placeholder: plainText(PLACEHOLDERS.country ?? '', LIMITS.placeholder),
      option_groups: groups,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** The courses (typed as Moodle's short names or ID numbers), their role, and cohorts of the new account. */
function membershipInputs(roles: readonly string[]): types.InputBlock[] {
  const listInput = (blockId: string, actionId: string, label: string, placeholder: string): types.InputBlock => ({
    type: 'input',
    block_id: blockId,
    label: plainText(label, LIMITS.inputLabel),
    optional: true,
    element: {
      type: 'plain_text_input',
      action_id: actionId,
      max_length: 1000,
      placeholder: plainText(placeholder, LIMITS.placeholder),
    },
    hint: plainText('Comma-separated; checked against Moodle before anyone approves.', LIMITS.inputHint),
  });
  const roleOptions = roles.slice(0, MAX_SELECT_OPTIONS).map((role) => option(role, role));
  const initial = roleOptions.find((o) => o.value === 'student') ?? roleOptions[0];
  return [
    listInput(
      BLOCK_IDS.coursesBlock,
      INPUT_ACTION_IDS.coursesInput,
      'Courses',
      'Short names or ID numbers, e.g. TEST101, TEST102',
    ),
    {
      type: 'input',
      block_id: BLOCK_IDS.roleBlock,
      label: plainText('Role in these courses', LIMITS.inputLabel),
      optional: true,
      element: {
        type: 'static_select',
        action_id: INPUT_ACTION_IDS.roleInput,
        options: roleOptions,
        ...(initial ? { initial_option: initial } : {}),
      },
    },
    listInput(BLOCK_IDS.cohortsBlock, INPUT_ACTION_IDS.cohortsInput, 'Cohorts', 'ID numbers or names, e.g. COHORT1'),
  ];
}

/** Whether the auth block is shown: a choice of one is no choice. */
export function showsAuthChoice(allowedAuth: readonly string[]): boolean {
  return allowedAuth.length > 1;
}

const END_DATE_HINT =
  'For a guest, an intern or an examiner: the account is suspended when this day ends (your time zone). Leave empty for none.';

export function buildNewUserModal(options: NewUserModalOptions): types.ModalView {
  const blocks: types.KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        'Ask for a new Moodle account. Passwords are never typed into Slack: Moodle emails one, or the app shows ' +
          'a temporary one to you once.',
      ),
    },
  ];
  for (const key of NEW_USER_MODAL_FIELDS) {
    if (key === 'email') blocks.push(emailInput());
    else if (key === 'auth') {
      if (showsAuthChoice(options.allowedAuth)) blocks.push(authSelect(options.allowedAuth, options.defaultAuth));
    } else if (key === 'country') blocks.push(countrySelect());
    else blocks.push(textInput(key));
  }
  if (options.roles && options.roles.length > 0) blocks.push(...membershipInputs(options.roles));
  blocks.push(endDateInput({ optional: true, hint: END_DATE_HINT }));
  blocks.push(
    buildReasonInput('Reason', {
      placeholder: 'Why the account is needed (shown to the approvers)',
      required: options.reasonRequired === true,
    }),
    previewButton(BLOCK_IDS.newUserPreviewBlock, ACTION_IDS.newUserPreviewButton),
  );
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.newUserModal,
    title: plainText(NEW_USER_MODAL_TITLE, LIMITS.modalTitle),
    submit: plainText('Submit', LIMITS.modalButton),
    close: plainText('Cancel', LIMITS.modalButton),
    private_metadata: truncateMetadata(encodeNewUserMetadata(options.metadata ?? {})),
    blocks,
  };
}

function truncateMetadata(text: string): string {
  // The metadata is a channel id, far below the limit; an oversized one is dropped rather than cut into bad JSON.
  return text.length <= LIMITS.privateMetadata ? text : '{}';
}

/** Shown between the submission and the result, while Moodle is asked (it may take seconds). */
export function buildCheckingView(): types.ModalView {
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.newUserModal,
    title: plainText(NEW_USER_MODAL_TITLE, LIMITS.modalTitle),
    close: plainText('Close', LIMITS.modalButton),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(':hourglass_flowing_sand: Checking Moodle for existing accounts… This takes a few seconds.'),
      },
    ],
  };
}
