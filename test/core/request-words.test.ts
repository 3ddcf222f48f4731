// Sentences about a request for people: who it is about, the card's headline, a failure in plain words for the
// requester (what is not done, what happens next, never Moodle's detail) and Moodle being unavailable.
import { describe, expect, it } from 'vitest';
import { describeUnavailable, personName, plainFailure, requestHeadline } from '../../src/core/request-words.js';
import type { RequestRecord } from '../../src/core/requests.js';
import { makeRequest } from '../slack/approval-fixtures.js';

const failed = (code: string, extra: Partial<RequestRecord> = {}) =>
  makeRequest({
    status: 'failed',
    result: { ok: false, code, message: 'core_user_create_users: x', hint: 'Check MOODLE_URL', outcomeUnknown: false },
    ...extra,
  });

describe('who and what', () => {
  it('names the new account’s person, else the account looked up, else its username or id', () => {
    expect(personName(makeRequest())).toBe('Jane Doe');
    expect(requestHeadline(makeRequest())).toBe('New Moodle account for Jane Doe');
    const suspend = { operation: 'suspend' as const, payload: { operation: 'suspend' as const } };
    const account = { fullname: 'Lee Ver', username: 'leaver', suspended: false };
    const pre = { checked: true, notes: [], conflicts: [] };
    expect(requestHeadline(makeRequest({ ...suspend, preflight: { ...pre, account } }))).toBe(
      'Suspend Moodle account: Lee Ver',
    );
    expect(personName(makeRequest({ ...suspend, preflight: undefined, target: { username: 'leaver' } }))).toBe(
      'leaver',
    );
    expect(personName(makeRequest({ ...suspend, preflight: undefined, target: { moodleId: 6 } }))).toBe('account 6');
  });
});

describe('plainFailure', () => {
  it.each([
    [
      'moodle_maintenance',
      'Moodle is in maintenance, so the account isn’t created yet. An approver will retry once it is back.',
    ],
    [
      'moodle_timeout',
      'Moodle could not be reached or did not answer properly, so the account isn’t created yet. An approver will retry.',
    ],
    [
      'moodle_invalid_token',
      'The app’s access to Moodle needs an admin’s fix, so the account isn’t created yet. The approvers have the details and will retry once it is fixed.',
    ],
    [
      'already_exists',
      'Moodle already has an account with this username, email or ID number, so no new one was made. The approvers can see which account it is.',
    ],
    ['protected', 'This account is protected, so nothing was changed.'],
    [
      'protection_unknown',
      'The app could not confirm that this account may be changed, so the account isn’t created yet. An approver will retry.',
    ],
    [
      'moodle_invalid_parameter',
      'Moodle refused it, so the account isn’t created yet. The approvers have Moodle’s answer and will retry or tell you what to change.',
    ],
  ])('%s: a plain sentence and what happens next', (code, sentence) => {
    const text = plainFailure(failed(code));
    expect(text).toBe(sentence);
    expect(text).not.toMatch(/MOODLE_|core_user/);
  });

  it('a create whose account exists but not its memberships, and an uncertain outcome, say so', () => {
    expect(plainFailure(failed('moodle_exception', { target: { username: 'jdoe', moodleId: 9 } }))).toBe(
      'The account was created, but not all of its courses and cohorts were added yet. An approver will retry the rest.',
    );
    const unsure = makeRequest({
      status: 'failed',
      result: { ok: false, code: 'moodle_timeout', message: 'm', hint: 'h', outcomeUnknown: true },
    });
    expect(plainFailure(unsure)).toContain('Moodle may have done it anyway; the retry checks first');
    expect(
      plainFailure(makeRequest({ operation: 'delete', payload: { operation: 'delete' }, status: 'failed' })),
    ).toContain('the account isn’t deleted yet');
  });
});

describe('describeUnavailable', () => {
  const error = (code: string, hint = 'Check MOODLE_URL and the proxy') =>
    Object.assign(new Error('x'), { code, hint, outcomeUnknown: false });

  it('says what could not be done and what to do, never the hint, except a look-up too broad', () => {
    expect(describeUnavailable(error('moodle_unreachable'), 'look up jdoe')).toBe(
      'Moodle could not be reached or did not answer properly, so the app could not look up jdoe. Nothing was stored; try again in a few minutes, and tell an admin if it keeps happening.',
    );
    expect(describeUnavailable(error('moodle_no_permissions'), 'check Moodle')).toContain('needs an admin’s fix');
    expect(describeUnavailable(new TypeError('boom'), 'check Moodle')).not.toContain('boom');
    const broad = error('moodle_lookup_too_broad', 'Name the account by its username or Moodle id.');
    expect(describeUnavailable(broad, 'look up x')).toBe('Name the account by its username or Moodle id.');
  });
});
