// Reads the "New Moodle user" modal's submission: Slack's `view.state.values` and `private_metadata`, both
// untrusted. Values are only picked out here (text as typed, the chosen option's value); Moodle's rules are checked
// by the core (provisioning.validateCreate). Anything malformed becomes a problem for a person, never a throw.
import { z } from 'zod';
import type { FieldProblem } from '../../core/user-record.js';
import { LIMITS } from '../blocks/text.js';
import { BLOCK_IDS, INPUT_ACTION_IDS, type UserFieldKey, userFieldIds } from '../ids.js';

/** The fields the modal offers, in the order it shows them (README "/moodle-adduser"). */
export const NEW_USER_MODAL_FIELDS = [
  'firstname',
  'lastname',
  'email',
  'username',
  'auth',
  'department',
  'institution',
  'city',
  'country',
  'idnumber',
] as const satisfies readonly UserFieldKey[];
export type NewUserModalField = (typeof NEW_USER_MODAL_FIELDS)[number];

/** Fields shown as a static_select; the rest are text inputs. */
export const SELECT_FIELDS: ReadonlySet<NewUserFieldKey> = new Set(['auth', 'country', 'role']);

/** What the form asks besides the profile: the new account's courses, their role, its cohorts. */
export const MEMBERSHIP_FORM_FIELDS = ['courses', 'role', 'cohorts'] as const;

export type NewUserFieldKey = NewUserModalField | 'reason' | (typeof MEMBERSHIP_FORM_FIELDS)[number];

export interface NewUserValues {
  /** Non-empty values by README key (plus `reason`); empty inputs are left out. */
  fields: Partial<Record<NewUserFieldKey, string>>;
  /** Values the form sent in a shape it should not have; `field` is the key whose input was malformed. */
  problems: FieldProblem[];
}

const textValueSchema = z.object({
  type: z.enum(['plain_text_input', 'email_text_input']),
  value: z.string().nullish(),
});
const selectValueSchema = z.object({
  type: z.literal('static_select'),
  selected_option: z.object({ value: z.string() }).nullish(),
});
const stateSchema = z.record(z.string(), z.unknown());
const blockSchema = z.record(z.string(), z.unknown());

const FORM_WORDS: Record<NewUserFieldKey, string> = {
  firstname: 'first name',
  lastname: 'last name',
  email: 'email address',
  username: 'username',
  auth: 'authentication method',
  department: 'department',
  institution: 'institution',
  city: 'city/town',
  country: 'country',
  idnumber: 'ID number',
  reason: 'reason',
  courses: 'courses',
  role: 'role in these courses',
  cohorts: 'cohorts',
};

/** The typed text or chosen option's value; Slack sends null for an empty input or a select left unchosen. */
function readValue(isSelect: boolean, raw: unknown): { ok: true; value: string | undefined } | { ok: false } {
  if (isSelect) {
    const parsed = selectValueSchema.safeParse(raw);
    return parsed.success ? { ok: true, value: parsed.data.selected_option?.value } : { ok: false };
  }
  const parsed = textValueSchema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data.value ?? undefined } : { ok: false };
}

const EXTRA_IDS = {
  reason: { blockId: BLOCK_IDS.reasonBlock, actionId: INPUT_ACTION_IDS.reasonInput },
  courses: { blockId: BLOCK_IDS.coursesBlock, actionId: INPUT_ACTION_IDS.coursesInput },
  role: { blockId: BLOCK_IDS.roleBlock, actionId: INPUT_ACTION_IDS.roleInput },
  cohorts: { blockId: BLOCK_IDS.cohortsBlock, actionId: INPUT_ACTION_IDS.cohortsInput },
} as const;

export function idsOf(key: NewUserFieldKey): { blockId: string; actionId: string } {
  return Object.hasOwn(EXTRA_IDS, key)
    ? EXTRA_IDS[key as keyof typeof EXTRA_IDS]
    : userFieldIds(key as NewUserModalField);
}

/**
 * Picks the modal's values out of `view.state.values`. A block the view did not have (auth with one allowed
 * method) or an empty input is simply absent; a value in the wrong shape is a problem on its field.
 */
export function parseNewUserValues(stateValues: unknown): NewUserValues {
  const fields: NewUserValues['fields'] = {};
  const problems: FieldProblem[] = [];
  const state = stateSchema.safeParse(stateValues);
  if (!state.success) {
    return {
      fields,
      problems: [{ field: '*', message: 'The form arrived without its values. Close it and open it again.' }],
    };
  }
  for (const key of [...NEW_USER_MODAL_FIELDS, 'reason', ...MEMBERSHIP_FORM_FIELDS] as const) {
    const { blockId, actionId } = idsOf(key);
    if (!Object.hasOwn(state.data, blockId)) continue;
    const block = blockSchema.safeParse(state.data[blockId]);
    if (block.success && !Object.hasOwn(block.data, actionId)) continue;
    const raw = block.success ? block.data[actionId] : undefined;
    const isSelect = SELECT_FIELDS.has(key);
    const read = block.success ? readValue(isSelect, raw) : { ok: false as const };
    if (!read.ok) {
      problems.push({
        field: key,
        message: `The form sent the ${FORM_WORDS[key]} in a shape this app does not know. Close the form and open it again.`,
      });
      continue;
    }
    const { value } = read;
    if (value !== undefined && value.trim() !== '') fields[key] = value;
  }
  // The role select always has a choice; it means something only with courses.
  if (fields.courses === undefined) delete fields.role;
  return { fields, problems };
}

/** What the modal carries from the command to the submission. Never trusted for authorization. */
export interface NewUserMetadata {
  /** Where the command was typed: a fallback place for a private reply. */
  channelId?: string;
}

const metadataSchema = z.object({ channelId: z.string().regex(/^[CGD][A-Z0-9]{2,}$/) }).partial();

export function encodeNewUserMetadata(metadata: NewUserMetadata): string {
  return JSON.stringify(metadata);
}

/** Reads `private_metadata`; anything unexpected is ignored (it only ever picks where a fallback reply goes). */
export function parseNewUserMetadata(text: unknown): NewUserMetadata {
  // Slack never sends more than 3,000 characters; longer is not ours, and is not parsed.
  if (typeof text !== 'string' || text === '' || text.length > LIMITS.privateMetadata) return {};
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {};
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success || parsed.data.channelId === undefined) return {};
  return { channelId: parsed.data.channelId };
}
