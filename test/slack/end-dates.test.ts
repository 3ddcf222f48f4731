// The end-date builders: the reminder DM (its two buttons carry the action's id), the Extend… modal (its date picker
// starts a month after the current end date), the lists of accounts that end, and untrusted usernames kept inert.
import { describe, expect, it } from 'vitest';
import type { ScheduledAction } from '../../src/core/scheduled-actions.js';
import {
  buildEndDateReminder,
  buildExpiringList,
  buildExtendModal,
  EXPIRING_LIST_LIMIT,
  expiringLine,
} from '../../src/slack/blocks/end-dates.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';

const action = (overrides: Partial<ScheduledAction> = {}): ScheduledAction => ({
  id: '0b7c6f1e-4a55-4c1e-9a5d-2f1f0d6b9c11',
  kind: 'remind',
  moodleId: 42,
  username: 'guest.lecturer',
  endAt: new Date('2027-03-31T22:00:00.000Z'),
  dueAt: new Date('2027-03-24T22:00:00.000Z'),
  requestId: 'R-7K3QX9',
  requesterId: 'U0REQ',
  state: 'scheduled',
  attempts: 0,
  nextTryAt: new Date('2027-03-24T22:00:00.000Z'),
  leaseHolder: undefined,
  leaseUntil: undefined,
  lastError: undefined,
  resultRequestId: undefined,
  createdAt: new Date('2027-03-01T00:00:00.000Z'),
  updatedAt: new Date('2027-03-01T00:00:00.000Z'),
  ...overrides,
});

describe('the end date reminder', () => {
  it('says when and what happens, with Extend… and Let it expire carrying the action id', () => {
    const reminder = buildEndDateReminder(action(), 'suspend');
    expect(reminder.text).toContain('guest.lecturer (id 42)');
    expect(reminder.text).toContain('will be suspended');
    expect(reminder.text).toContain('R-7K3QX9');
    expect(reminder.text).toContain('<!date^1806530400^');
    type Button = { action_id: string; value: string };
    const buttons = reminder.blocks.flatMap((b) => ('elements' in b ? (b.elements as unknown as Button[]) : []));
    expect(buttons.map((b) => [b.action_id, b.value])).toEqual([
      [ACTION_IDS.extendEndDateButton, action().id],
      [ACTION_IDS.letItExpireButton, action().id],
    ]);
    expect(buildEndDateReminder(action(), 'delete').text).toContain('will be deleted');
  });

  it('keeps a username that looks like markup inert', () => {
    const text = buildEndDateReminder(action({ username: '<!channel>*bold*' }), 'suspend').text;
    expect(text).not.toContain('<!channel>');
  });
});

describe('the Extend… modal', () => {
  it('has one required date picker, a month after the current end date, and the action id as metadata', () => {
    const modal = buildExtendModal(action());
    expect(modal.callback_id).toBe(CALLBACK_IDS.extendEndDateModal);
    expect(modal.private_metadata).toBe(action().id);
    const inputs = modal.blocks.filter((b) => b.type === 'input');
    expect(inputs).toEqual([
      expect.objectContaining({
        block_id: BLOCK_IDS.endDateBlock,
        optional: false,
        element: { type: 'datepicker', action_id: INPUT_ACTION_IDS.endDateInput, initial_date: '2027-04-30' },
      }),
    ]);
  });
});

describe('the lists of accounts that end', () => {
  it('says None, or one line each with the date, who set it and a failed expiry', () => {
    expect(JSON.stringify(buildExpiringList([], { title: 'T' }).blocks)).toContain('None.');
    expect(expiringLine(action({ kind: 'expire' }))).toContain('set by <@U0REQ> in `R-7K3QX9`');
    expect(expiringLine(action({ kind: 'expire', state: 'failed' }))).toContain('expiry failed');
  });

  it('shows at most EXPIRING_LIST_LIMIT rows and says how many more there are', () => {
    const many = Array.from({ length: EXPIRING_LIST_LIMIT + 3 }, (_, i) => action({ moodleId: i }));
    const list = buildExpiringList(many, { title: 'Accounts that end' });
    expect(list.blocks).toHaveLength(EXPIRING_LIST_LIMIT + 2);
    expect(JSON.stringify(list.blocks.at(-1))).toContain('3 more');
  });
});
