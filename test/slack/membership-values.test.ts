// The "Courses and cohorts" form's submission parser: Slack's view.state.values is untrusted. A well-formed state
// becomes the core's ask; a missing choice or a field that does not go with it is an error under its block; any
// other shape is read as empty, never a throw (checked over random shapes with fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suggestWord } from '../../src/slack/blocks/help.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import { membershipErrors, readMembershipValues } from '../../src/slack/views/membership-values.js';

const radio = (value: string) => ({
  [BLOCK_IDS.membershipActionBlock]: {
    [INPUT_ACTION_IDS.membershipActionInput]: { type: 'radio_buttons', selected_option: { value } },
  },
});
const text = (blockId: string, actionId: string, value: string | null) => ({
  [blockId]: { [actionId]: { type: 'plain_text_input', value } },
});
const date = (blockId: string, actionId: string, value: string | null) => ({
  [blockId]: { [actionId]: { type: 'datepicker', selected_date: value } },
});
const courses = (value: string) => text(BLOCK_IDS.coursesBlock, INPUT_ACTION_IDS.coursesInput, value);
const cohort = (value: string) => ({
  [BLOCK_IDS.cohortsBlock]: { [INPUT_ACTION_IDS.cohortsInput]: { type: 'static_select', selected_option: { value } } },
});

describe('readMembershipValues', () => {
  it('an enrolment: the courses as a list, the role, the picked dates and the reason', () => {
    const read = readMembershipValues({
      ...radio('enrol'),
      ...courses(' TEST101, ,TEST102 '),
      [BLOCK_IDS.roleBlock]: {
        [INPUT_ACTION_IDS.roleInput]: { type: 'static_select', selected_option: { value: 'teacher' } },
      },
      ...date(BLOCK_IDS.fromBlock, INPUT_ACTION_IDS.fromInput, '2030-01-01'),
      ...date(BLOCK_IDS.untilBlock, INPUT_ACTION_IDS.untilInput, null),
      ...text(BLOCK_IDS.reasonBlock, INPUT_ACTION_IDS.reasonInput, 'new class'),
    });
    expect(read).toEqual({
      ok: true,
      ask: {
        operation: 'enrol',
        courses: ['TEST101', 'TEST102'],
        role: 'teacher',
        from: '2030-01-01',
        until: undefined,
      },
      reason: 'new class',
    });
  });

  it('an unenrolment carries no role or dates; a cohort change carries the chosen cohort', () => {
    expect(readMembershipValues({ ...radio('unenrol'), ...courses('TEST101') })).toEqual({
      ok: true,
      ask: { operation: 'unenrol', courses: ['TEST101'] },
      reason: '',
    });
    expect(readMembershipValues({ ...radio('cohort_remove'), ...cohort('id:1') })).toEqual({
      ok: true,
      ask: { operation: 'cohort_remove', cohorts: ['id:1'] },
      reason: '',
    });
  });

  it('names what is missing or does not fit, under its block', () => {
    expect(readMembershipValues({})).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.membershipActionBlock]: 'Choose what to do.' },
    });
    expect(readMembershipValues({ ...radio('enrol'), ...cohort('id:1') })).toEqual({
      ok: false,
      errors: {
        [BLOCK_IDS.coursesBlock]: 'Name at least one course.',
        [BLOCK_IDS.cohortsBlock]: 'A cohort is not used for courses; clear it, or choose a cohort.',
      },
    });
    expect(readMembershipValues({ ...radio('__proto__') })).toMatchObject({ ok: false });
  });

  it('never throws on any shape', () => {
    fc.assert(
      fc.property(fc.anything(), (values) => {
        expect(['boolean']).toContain(typeof readMembershipValues(values).ok);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('membershipErrors', () => {
  it("puts each of the core's problems under its field, the rest under the courses or the cohort", () => {
    const problems = [
      { field: 'until', message: 'The end date is in the past.' },
      { field: 'courses', message: 'No TEST9.' },
      { field: '*', message: 'Already asked.' },
    ];
    expect(membershipErrors(problems, 'enrol')).toEqual({
      [BLOCK_IDS.untilBlock]: 'The end date is in the past.',
      [BLOCK_IDS.coursesBlock]: 'No TEST9. Already asked.',
    });
    expect(membershipErrors([{ field: '*', message: 'Already asked.' }], 'cohort_add')).toEqual({
      [BLOCK_IDS.cohortsBlock]: 'Already asked.',
    });
  });
});

describe('suggestWord', () => {
  const known = ['show', 'update', 'suspend', 'unsuspend', 'delete', 'enrol', 'unenrol', 'cohort', 'requests'];
  it('suggests the closest subcommand within two edits, and nothing for a word far from all', () => {
    expect(suggestWord('shwo', known)).toBe('show');
    expect(suggestWord('SHOW', known)).toBe('show');
    expect(suggestWord('enroll', known)).toBe('enrol');
    expect(suggestWord('delet', known)).toBe('delete');
    expect(suggestWord('xy', known)).toBeUndefined();
    expect(suggestWord('frobnicate', known)).toBeUndefined();
    expect(suggestWord('s'.repeat(100), known)).toBeUndefined();
  });
});
