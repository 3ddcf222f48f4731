import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/core/audit.js';
import type { RequestRecord } from '../../src/core/requests.js';
import { endDateActivity, mayConcernEndDate } from '../../src/slack/blocks/activity-words.js';
import { buildHomeView } from '../../src/slack/blocks/home-tab.js';
import { makeRequest } from './approval-fixtures.js';

const now = new Date('2027-07-01T12:00:00Z');
const endAt = '2027-06-30T22:00:00.000Z';
const endToken = `<!date^${Date.parse(endAt) / 1000}^{date_short_pretty} {time}|${endAt}>`;
const end = { until: '2027-06-30', endAt };
const account = { moodleId: 42, username: 'jdoe' };

function event(overrides: Partial<AuditEvent>): AuditEvent {
  return {
    id: 1,
    at: new Date('2027-07-01T10:00:00Z'),
    actor: 'system',
    kind: 'execution',
    requestId: 'R-END001',
    operation: 'extend',
    target: account,
    outcome: 'succeeded',
    moodleId: 42,
    detail: undefined,
    ...overrides,
  };
}

const extend = makeRequest({
  id: 'R-END001',
  operation: 'extend',
  status: 'succeeded',
  target: account,
  payload: { operation: 'extend', end },
  decidedBy: 'U0APP',
});
const setBySelf = makeRequest({
  id: 'R-END001',
  operation: 'expire',
  status: 'succeeded',
  requester: { userId: 'U0ADMIN' },
  target: account,
  payload: { operation: 'expire', end },
  decidedBy: 'U0ADMIN',
});
const expiry = makeRequest({
  id: 'R-END002',
  operation: 'suspend',
  status: 'succeeded',
  requester: { userId: 'U0REQ' },
  target: account,
  payload: { operation: 'suspend', endReached: { endAt, setIn: 'R-END001' } },
  decidedBy: 'system',
});

describe('end-date events in the recent activity', () => {
  it('a date set or extended: to when, by whom, approved by whom', () => {
    expect(endDateActivity(event({}), extend)).toBe(
      `End date of jdoe extended to ${endToken} by <@U0REQ>, approved by <@U0APP> · \`R-END001\``,
    );
    expect(endDateActivity(event({ operation: 'expire' }), setBySelf)).toBe(
      `End date of jdoe set to ${endToken} by <@U0ADMIN> · \`R-END001\``,
    );
    expect(endDateActivity(event({ outcome: 'failed' }), extend)).toBe(
      `End date of jdoe could not be extended to ${endToken}; an approver can retry · \`R-END001\``,
    );
  });

  it('an end date reached: the account suspended or deleted, or not yet', () => {
    const reached = event({ requestId: 'R-END002', operation: 'suspend' });
    expect(endDateActivity(reached, expiry)).toBe(
      `jdoe's account reached its end date (${endToken}): suspended · \`R-END002\``,
    );
    const deleted = { ...expiry, operation: 'delete', payload: { ...expiry.payload, operation: 'delete' } };
    expect(endDateActivity({ ...reached, outcome: 'failed' }, deleted as RequestRecord)).toBe(
      `jdoe's account reached its end date (${endToken}) but could not be deleted; an approver can retry · \`R-END002\``,
    );
  });

  it('let run by its requester, or a reminder delivered or not', () => {
    const left = event({ kind: 'end_date', actor: 'U0REQ', outcome: 'left_to_expire', operation: undefined });
    expect(endDateActivity(left, extend)).toBe(
      `<@U0REQ> chose to let jdoe's account end on its end date (${endToken}) · \`R-END001\``,
    );
    const reminder = { ...left, actor: 'system', outcome: 'reminder_failed' };
    expect(endDateActivity(reminder, extend)).toBe(
      `The reminder of jdoe's end date (${endToken}) could not be delivered to <@U0REQ>; the account still ends then · \`R-END001\``,
    );
    const delivered = { ...left, actor: 'system', outcome: 'reminder_sent' };
    expect(endDateActivity(delivered, extend)).toBe(
      `<@U0REQ> was reminded that jdoe's account ends on ${endToken} · \`R-END001\``,
    );
    expect(endDateActivity(delivered, undefined)).toBe(
      "The requester was reminded that jdoe's account ends on its end date · `R-END001`",
    );
    // The request that set the date is gone: the sentence stands without its date.
    expect(endDateActivity(reminder, undefined)).toBe(
      "The reminder of jdoe's end date could not be delivered; the account still ends then · `R-END001`",
    );
  });

  it('leaves every other event to the generic line, and looks up only the requests end-date events name', () => {
    const create = makeRequest({ status: 'succeeded' });
    expect(endDateActivity(event({ operation: 'create', requestId: create.id }), create)).toBeUndefined();
    expect(endDateActivity(event({ outcome: 'started' }), extend)).toBeUndefined();
    expect(endDateActivity(event({ kind: 'decision', outcome: 'approved' }), extend)).toBeUndefined();
    expect(endDateActivity(event({}), undefined)).toBeUndefined();
    expect(mayConcernEndDate(event({}))).toBe(true);
    expect(mayConcernEndDate(event({ operation: 'suspend' }))).toBe(true);
    expect(mayConcernEndDate(event({ kind: 'end_date', operation: undefined }))).toBe(true);
    expect(mayConcernEndDate(event({ operation: 'create' }))).toBe(false);
    expect(mayConcernEndDate(event({ kind: 'request' }))).toBe(false);
    expect(mayConcernEndDate(event({ requestId: undefined }))).toBe(false);
  });

  it("cuts and escapes an account's name", () => {
    const hostile = event({ target: { username: `*<!here>*${'x'.repeat(300)}` } });
    const text = endDateActivity(hostile, extend) ?? '';
    expect(text).not.toContain('<!here>');
    expect(text.length).toBeLessThan(400);
  });

  it("the admin's Home tab says them in words, the other events as before", () => {
    const activity = [
      event({}),
      event({ id: 2, kind: 'request', outcome: 'pending', actor: 'U0REQ', requestId: 'R-OTHER1', operation: 'create' }),
    ];
    const home = buildHomeView({
      viewer: 'U0ADMIN',
      now,
      mine: [],
      admin: { activity, doctor: undefined, requests: new Map([['R-END001', extend]]) },
    });
    const text = JSON.stringify(home.blocks);
    expect(text).toContain(`2 h ago · End date of jdoe extended to ${endToken} by <@U0REQ>`);
    expect(text).toContain('2 h ago · <@U0REQ> · request · pending · R-OTHER1 · jdoe');
  });
});
