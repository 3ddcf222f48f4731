// "Edit details", pushed over the approve summary: only the fields that matter for the request (a create's form
// fields and whatever else it sets; an update's changed fields), with the request form's selects. What the approver
// submits is checked with the request's own Moodle rules and carried back to the summary as the real changes only.
import type { types } from '@slack/bolt';
import { z } from 'zod';
import { PROFILE_FIELDS, type ProfileField } from '../../core/profile.js';
import type { RequestRecord } from '../../core/requests.js';
import {
  FIELD_LABELS,
  FIELD_MAX_LENGTHS,
  type FieldProblem,
  type UserRecordOptions,
  validateNewUser,
  validateUserUpdate,
} from '../../core/user-record.js';
import { CALLBACK_IDS, userFieldIds } from '../ids.js';
import { NEW_USER_MODAL_FIELDS } from '../views/new-user-values.js';
import { type DecisionMetadata, encodeDecisionMetadata } from './decision-metadata.js';
import { authSelect, countrySelect, MAX_SELECT_OPTIONS, option, showsAuthChoice } from './new-user-modal.js';
import { LIMITS, mrkdwn, plainText, truncateText } from './text.js';
import { plainData } from './untrusted.js';

export type Corrected = Readonly<Record<string, string>>;

interface FieldEntry {
  field: ProfileField;
  value: string;
  /** For an update: what Moodle has now. */
  was?: string;
}

/** The fields Edit details offers, with the value each starts from (the request's, or a correction already made). */
export function correctionFields(request: RequestRecord, carried: Corrected = {}): FieldEntry[] {
  const payload = request.payload;
  if (payload.operation === 'create') {
    // In the request form's order, then whatever else the request sets (a text command may set any field).
    const extra = PROFILE_FIELDS.filter(
      (f) => !(NEW_USER_MODAL_FIELDS as readonly string[]).includes(f) && (payload.user[f] ?? '') !== '',
    );
    const shown: ProfileField[] = [...NEW_USER_MODAL_FIELDS, ...extra];
    return shown.map((field) => ({ field, value: carried[field] ?? payload.user[field] ?? '' }));
  }
  if (payload.operation === 'update') {
    return payload.changes.map((c) => ({ field: c.field, value: carried[c.field] ?? c.after, was: c.before }));
  }
  return [];
}

/** What the form shows: on a create, auth only when there is a choice (as on the request form). */
function shownFields(request: RequestRecord, rules: UserRecordOptions, carried: Corrected = {}): FieldEntry[] {
  return correctionFields(request, carried).filter(
    (e) => e.field !== 'auth' || request.operation !== 'create' || showsAuthChoice(rules.allowedAuth),
  );
}

const REQUIRED_ON_CREATE: ReadonlySet<ProfileField> = new Set(['username', 'email', 'firstname', 'lastname', 'auth']);
const SERVER_DEFAULT_ZONE = '99';

/** Every IANA zone, grouped by region (Slack: at most 100 options per group), after the site's default. */
function timeZoneGroups(): Array<{ label: types.PlainTextElement; options: types.PlainTextOption[] }> {
  const byRegion = new Map<string, string[]>();
  for (const zone of Intl.supportedValuesOf('timeZone')) {
    const region = zone.includes('/') ? (zone.split('/')[0] ?? 'Other') : 'Other';
    byRegion.set(region, [...(byRegion.get(region) ?? []), zone]);
  }
  const groups = [{ label: plainText('Default'), options: [option('Server default', SERVER_DEFAULT_ZONE)] }];
  for (const [region, zones] of byRegion) {
    for (let i = 0; i < zones.length; i += MAX_SELECT_OPTIONS) {
      const part = zones.length > MAX_SELECT_OPTIONS ? ` (${i / MAX_SELECT_OPTIONS + 1})` : '';
      const options = zones.slice(i, i + MAX_SELECT_OPTIONS).map((z) => option(z.replace(/_/g, ' '), z));
      groups.push({ label: plainText(`${region}${part}`, LIMITS.optionText), options });
    }
  }
  return groups;
}

function selectInput(field: ProfileField, element: types.StaticSelect, optional: boolean): types.InputBlock {
  const { blockId } = userFieldIds(field);
  return { type: 'input', block_id: blockId, label: plainText(FIELD_LABELS[field]), optional, element };
}

function timeZoneSelect(value: string): types.InputBlock | undefined {
  const groups = timeZoneGroups();
  const initial = groups.flatMap((g) => g.options).find((o) => o.value === value);
  if (value !== '' && !initial) return undefined;
  const { actionId } = userFieldIds('timezone');
  return selectInput(
    'timezone',
    {
      type: 'static_select',
      action_id: actionId,
      option_groups: groups,
      ...(initial ? { initial_option: initial } : {}),
    },
    false,
  );
}

function textInput(entry: FieldEntry, optional: boolean): types.InputBlock {
  const { blockId, actionId } = userFieldIds(entry.field);
  const max = FIELD_MAX_LENGTHS[entry.field];
  const initial = entry.value !== '' ? { initial_value: truncateText(entry.value, max) } : {};
  const element: types.PlainTextInput | types.EmailInput =
    entry.field === 'email'
      ? { type: 'email_text_input', action_id: actionId, ...initial }
      : { type: 'plain_text_input', action_id: actionId, max_length: max, ...initial };
  if (entry.field === 'address' && element.type === 'plain_text_input') element.multiline = true;
  return { type: 'input', block_id: blockId, label: plainText(FIELD_LABELS[entry.field]), optional, element };
}

function fieldInput(request: RequestRecord, entry: FieldEntry, rules: UserRecordOptions): types.InputBlock {
  const optional = !(request.operation === 'create' && REQUIRED_ON_CREATE.has(entry.field));
  let block: types.InputBlock | undefined;
  if (entry.field === 'auth' && rules.allowedAuth.includes(entry.value))
    block = authSelect(rules.allowedAuth, entry.value);
  else if (entry.field === 'country') block = { ...countrySelect(entry.value), optional };
  else if (entry.field === 'timezone') block = timeZoneSelect(entry.value);
  block ??= textInput(entry, optional);
  if (entry.was !== undefined) {
    block.hint = plainData(`Now in Moodle: ${entry.was === '' ? '(empty)' : entry.was}`, LIMITS.inputHint);
  }
  return block;
}

/** The pushed Edit details form; its metadata names the request, the card and the summary to update. */
export function buildCorrectionsModal(
  request: RequestRecord,
  options: { metadata: DecisionMetadata; rules: UserRecordOptions },
): types.ModalView {
  const entries = shownFields(request, options.rules, options.metadata.corrections);
  return {
    type: 'modal',
    callback_id: CALLBACK_IDS.approveCorrectionsModal,
    private_metadata: encodeDecisionMetadata({ ...options.metadata, corrections: {} }),
    title: plainText('Edit details', LIMITS.modalTitle),
    submit: plainText('Save', LIMITS.modalButton),
    close: plainText('Back', LIMITS.modalButton),
    blocks: [
      {
        type: 'context',
        elements: [
          mrkdwn('Each change is recorded (before → after) on the card and in the audit log when you approve.'),
        ],
      },
      ...entries.map((entry) => fieldInput(request, entry, options.rules)),
    ],
  };
}

export type CorrectionCheck = { ok: true; corrections: Corrected } | { ok: false; problems: FieldProblem[] };

/**
 * Checks typed values with the request's own Moodle rules and returns the real changes only (as the validator
 * normalised them; '' clears an optional field), so that the summary's metadata stays small.
 */
export function checkCorrections(
  request: RequestRecord,
  typed: Readonly<Record<string, string>>,
  rules: UserRecordOptions,
): CorrectionCheck {
  const payload = request.payload;
  const corrections: Record<string, string> = {};
  if (payload.operation === 'create') {
    const candidate: Record<string, string | undefined> = { ...payload.user };
    for (const [field, value] of Object.entries(typed)) candidate[field] = value.trim() === '' ? undefined : value;
    const checked = validateNewUser(candidate, rules);
    if (!checked.ok) return { ok: false, problems: checked.problems };
    for (const field of PROFILE_FIELDS) {
      const after = checked.record[field] ?? '';
      if (after !== (payload.user[field] ?? '')) corrections[field] = after;
    }
    return { ok: true, corrections };
  }
  if (payload.operation === 'update') {
    const unknown = Object.keys(typed).filter((f) => !payload.changes.some((c) => c.field === f));
    if (unknown.length > 0) {
      return { ok: false, problems: unknown.map((field) => ({ field, message: 'The request does not change this.' })) };
    }
    // No corrections: the request is approved as asked (the validator would call an empty update "nothing to change").
    if (Object.keys(typed).length === 0) return { ok: true, corrections };
    const checked = validateUserUpdate(typed, rules);
    if (!checked.ok) return { ok: false, problems: checked.problems };
    for (const change of payload.changes) {
      const after = checked.record[change.field];
      if (after !== undefined && after !== change.after) corrections[change.field] = after;
    }
    return { ok: true, corrections };
  }
  if (Object.keys(typed).length === 0) return { ok: true, corrections };
  return { ok: false, problems: [{ field: '*', message: `A ${request.operation} request has no fields to correct.` }] };
}

const selectSchema = z.looseObject({
  type: z.literal('static_select'),
  selected_option: z.object({ value: z.string() }).nullish(),
});
const textSchema = z.looseObject({
  type: z.enum(['plain_text_input', 'email_text_input']),
  value: z.string().nullish(),
});
const stateSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** The values typed or chosen in the form, by field; a field in a shape the form never sends is a problem. */
function readFormValues(fields: readonly ProfileField[], values: unknown) {
  const typed: Record<string, string> = {};
  const problems: FieldProblem[] = [];
  const state = stateSchema.safeParse(values);
  for (const field of fields) {
    const { blockId, actionId } = userFieldIds(field);
    const raw = state.success ? state.data[blockId]?.[actionId] : undefined;
    if (raw === undefined) continue;
    const select = selectSchema.safeParse(raw);
    const text = textSchema.safeParse(raw);
    if (select.success) typed[field] = select.data.selected_option?.value ?? '';
    else if (text.success) typed[field] = text.data.value ?? '';
    else problems.push({ field, message: 'This field arrived in a shape the form never sends. Open the form again.' });
  }
  return { typed, problems };
}

export type CorrectionsReading = { ok: true; corrections: Corrected } | { ok: false; errors: Record<string, string> };

/** Problems keyed by the field's block_id (for `response_action: errors`); others go under the first field. */
export function errorsByBlock(
  problems: readonly FieldProblem[],
  fields: readonly ProfileField[],
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const field = (fields as readonly string[]).includes(problem.field) ? (problem.field as ProfileField) : fields[0];
    if (!field) continue;
    const { blockId } = userFieldIds(field);
    errors[blockId] = truncateText(errors[blockId] ? `${errors[blockId]} ${problem.message}` : problem.message, 2000);
  }
  return errors;
}

export function readCorrectionsSubmission(
  request: RequestRecord,
  values: unknown,
  rules: UserRecordOptions,
): CorrectionsReading {
  const fields = shownFields(request, rules).map((e) => e.field);
  const read = readFormValues(fields, values);
  if (read.problems.length > 0) return { ok: false, errors: errorsByBlock(read.problems, fields) };
  const checked = checkCorrections(request, read.typed, rules);
  if (!checked.ok) return { ok: false, errors: errorsByBlock(checked.problems, fields) };
  return { ok: true, corrections: checked.corrections };
}
