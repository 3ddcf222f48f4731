// The words for a request the scheduler made at an account's end date: the DM, the notification line and the card
// name the end date and the request that set it, never an approval; a deleted account gets no profile link.
import { describe, expect, it } from 'vitest';
import {
  buildApprovalCard,
  buildNotificationLine,
  buildRequesterMessage,
} from '../../src/slack/blocks/approval-card.js';
import { makeRequest } from './approval-fixtures.js';

const endReached = { endAt: '2027-03-31T22:00:00.000Z', setIn: 'R-SET001' };
const options = { moodleUrl: 'https://moodle.example.org' };

function expiry(operation: 'suspend' | 'delete', status: 'succeeded' | 'failed') {
  return makeRequest({
    id: 'R-EXP001',
    operation,
    status,
    payload: { operation, endReached },
    target: { moodleId: 42, username: 'guest.lecturer' },
    decidedBy: 'system',
    decidedAt: new Date('2027-03-31T22:01:00.000Z'),
    result:
      status === 'succeeded'
        ? { ok: true, moodleId: 42 }
        : { ok: false, code: 'protected', message: 'guest.lecturer is protected.', hint: 'Ask an admin.' },
  } as Parameters<typeof makeRequest>[0]);
}

describe('an expiry request', () => {
  it('tells the requester the end date came, with the request that set it, and links a suspended account', () => {
    const { text } = buildRequesterMessage(expiry('suspend', 'succeeded'), 'executed', options);
    expect(text).toContain("guest.lecturer's Moodle account reached its end date (<!date^1806530400^");
    expect(text).toContain('and was suspended. The end date was set in `R-SET001`');
    expect(text).toContain('profile.php?id=42');
    expect(text).not.toMatch(/approved/i);
  });

  it('says deleted, without a profile link, on the DM, the line and the card', () => {
    const request = expiry('delete', 'succeeded');
    const dm = buildRequesterMessage(request, 'executed', options).text;
    const line = buildNotificationLine(request, 'executed', options);
    const card = JSON.stringify(buildApprovalCard(request, options).blocks);
    expect(dm).toContain('and was deleted.');
    expect(line).toContain('deleted, end date reached (<!date^');
    expect(line).toContain('set in `R-SET001` by <@U0REQ>');
    expect(card).toContain('Deleted: the account reached its end date');
    for (const said of [dm, line, card]) {
      expect(said).not.toContain('profile.php');
      expect(said).not.toMatch(/Approved|the app \(scheduled\)/);
    }
  });

  it('shows a failed expiry on the card with the end date and Moodle’s words', () => {
    const card = JSON.stringify(buildApprovalCard(expiry('suspend', 'failed'), options).blocks);
    expect(card).toContain('set in `R-SET001`, but it could not be suspended');
    expect(card).toContain('guest.lecturer is protected.');
  });

  it('leaves every other request to the usual words', () => {
    const plain = makeRequest({ operation: 'suspend', status: 'succeeded', payload: { operation: 'suspend' } });
    const text = buildRequesterMessage(plain, 'executed', options).text;
    expect(text).toContain(`Your request \`${plain.id}\``);
    expect(text).toContain('is done: account suspended.');
    expect(text).not.toContain('end date');
  });
});
