// Reads the "Courses and cohorts" modal's submission (untrusted `view.state.values`) into what the core is asked,
// or the problems to show under the fields. Moodle's side (the course exists, the role, the dates) is the core's.
import { z } from 'zod';
import type { MembershipAsk } from '../../core/memberships.js';
import type { FieldProblem } from '../../core/user-record.js';
import { MEMBERSHIP_ACTIONS, type MembershipAction } from '../blocks/membership-modal.js';
import { LIMITS, truncateText } from '../blocks/text.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../ids.js';

/** The ask without the time zone (the listener adds it), the reason, or the problems by block_id. */
export type MembershipValues =
  | { ok: true; ask: DistributiveOmit<MembershipAsk, 'timeZone'>; reason: string }
  | { ok: false; errors: Record<string, string> };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const elementSchema = z.looseObject({
  value: z.string().max(4000).nullish(),
  selected_option: z.looseObject({ value: z.string().max(100) }).nullish(),
  selected_date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullish(),
});
const stateSchema = z.record(z.string(), z.record(z.string(), z.unknown()));

/** The typed text, chosen option or picked date of one input; '' when empty, missing or malformed. */
function read(state: z.infer<typeof stateSchema> | undefined, blockId: string, actionId: string): string {
  const parsed = elementSchema.safeParse(state?.[blockId]?.[actionId]);
  if (!parsed.success) return '';
  const { value, selected_option, selected_date } = parsed.data;
  return (value ?? selected_option?.value ?? selected_date ?? '').trim();
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readMembershipValues(values: unknown): MembershipValues {
  const parsed = stateSchema.safeParse(values);
  const state = parsed.success ? parsed.data : undefined;
  const action = read(state, BLOCK_IDS.membershipActionBlock, INPUT_ACTION_IDS.membershipActionInput);
  const courses = list(read(state, BLOCK_IDS.coursesBlock, INPUT_ACTION_IDS.coursesInput));
  const cohort = read(state, BLOCK_IDS.cohortsBlock, INPUT_ACTION_IDS.cohortsInput);
  const reason = read(state, BLOCK_IDS.reasonBlock, INPUT_ACTION_IDS.reasonInput);
  const errors: Record<string, string> = {};
  if (!Object.hasOwn(MEMBERSHIP_ACTIONS, action)) {
    return { ok: false, errors: { [BLOCK_IDS.membershipActionBlock]: 'Choose what to do.' } };
  }
  const operation = action as MembershipAction;
  if (operation === 'cohort_add' || operation === 'cohort_remove') {
    if (cohort === '') errors[BLOCK_IDS.cohortsBlock] = 'Choose the cohort.';
    if (courses.length > 0) {
      errors[BLOCK_IDS.coursesBlock] = 'Courses are not used for a cohort; clear them, or choose an enrolment.';
    }
    return Object.keys(errors).length > 0
      ? { ok: false, errors }
      : { ok: true, ask: { operation, cohorts: [cohort] }, reason };
  }
  if (courses.length === 0) errors[BLOCK_IDS.coursesBlock] = 'Name at least one course.';
  if (cohort !== '') errors[BLOCK_IDS.cohortsBlock] = 'A cohort is not used for courses; clear it, or choose a cohort.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (operation === 'unenrol') return { ok: true, ask: { operation, courses }, reason };
  const role = read(state, BLOCK_IDS.roleBlock, INPUT_ACTION_IDS.roleInput);
  const from = read(state, BLOCK_IDS.fromBlock, INPUT_ACTION_IDS.fromInput);
  const until = read(state, BLOCK_IDS.untilBlock, INPUT_ACTION_IDS.untilInput);
  return {
    ok: true,
    ask: { operation, courses, role: role || undefined, from: from || undefined, until: until || undefined },
    reason,
  };
}

/** Where each of the core's problems goes: its field's block, or the block of what the form asks about. */
const BLOCK_OF_FIELD: Readonly<Record<string, string>> = {
  courses: BLOCK_IDS.coursesBlock,
  role: BLOCK_IDS.roleBlock,
  from: BLOCK_IDS.fromBlock,
  until: BLOCK_IDS.untilBlock,
  cohorts: BLOCK_IDS.cohortsBlock,
  reason: BLOCK_IDS.reasonBlock,
};

export function membershipErrors(
  problems: readonly FieldProblem[],
  operation: MembershipAction,
): Record<string, string> {
  const fallback = operation === 'cohort_add' || operation === 'cohort_remove' ? 'cohorts' : 'courses';
  const errors: Record<string, string> = {};
  for (const p of problems) {
    const blockId = BLOCK_OF_FIELD[Object.hasOwn(BLOCK_OF_FIELD, p.field) ? p.field : fallback] as string;
    errors[blockId] = truncateText(errors[blockId] ? `${errors[blockId]} ${p.message}` : p.message, LIMITS.inputHint);
  }
  return errors;
}
