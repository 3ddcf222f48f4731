// The pure parts of the request lifecycle: the transition table, policy mapping, ids, corrections, sentences.
import { describe, expect, it } from 'vitest';
import { policyOperation, requestPayloadSchema } from '../../src/core/operations/registry.js';
import { applyCorrections } from '../../src/core/request-corrections.js';
import {
  describeAlreadyApproved,
  describeNotRetryable,
  describeProtected,
  describeSelfDecision,
  describeStatus,
} from '../../src/core/request-words.js';
import {
  canTransition,
  generateRequestId,
  isFinalStatus,
  parseRequestId,
  REQUEST_STATUSES,
  type RequestRecord,
  type RequestStatus,
} from '../../src/core/requests.js';

const ALLOWED: ReadonlyArray<[RequestStatus, RequestStatus]> = [
  // One approval of several (APPROVALS_REQUIRED): recorded, the request still waits.
  ['pending', 'pending'],
  ['pending', 'approved'],
  ['pending', 'rejected'],
  ['pending', 'cancelled'],
  ['pending', 'expired'],
  ['approved', 'executing'],
  ['executing', 'succeeded'],
  ['executing', 'failed'],
  ['failed', 'executing'],
];

describe('canTransition', () => {
  const allowed = new Set(ALLOWED.map(([from, to]) => `${from}>${to}`));
  const pairs = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`));
  });

  it('has exactly the designed transitions, and four final statuses', () => {
    expect(pairs.filter(([from, to]) => canTransition(from, to))).toHaveLength(ALLOWED.length);
    expect(REQUEST_STATUSES.filter(isFinalStatus)).toEqual(['succeeded', 'rejected', 'cancelled', 'expired']);
  });
});

describe('policyOperation', () => {
  it('maps unsuspend to suspend and every other operation to itself', () => {
    expect(policyOperation('unsuspend')).toBe('suspend');
    for (const op of ['create', 'update', 'suspend', 'delete'] as const) expect(policyOperation(op)).toBe(op);
  });
});

describe('request ids', () => {
  it('look like R-7K3QX9, avoid look-alike characters and do not repeat', () => {
    // 2,000 draws from 30^6 ids collide once in about 370 runs (the store draws again then), so a clash or two is
    // allowed; a generator that repeats itself is not.
    const ids = new Set(Array.from({ length: 2000 }, () => generateRequestId()));
    expect(ids.size).toBeGreaterThan(1990);
    for (const id of ids) expect(id).toMatch(/^R-[2-9A-HJKMNP-TV-Z]{6}$/);
  });

  it('parses what people type and refuses what cannot be an id', () => {
    expect(parseRequestId(' r-7k3qx9 ')).toBe('R-7K3QX9');
    expect(parseRequestId('R-7K3QX')).toBeUndefined();
    expect(parseRequestId('R-7K3QXO')).toBeUndefined(); // O is not in the alphabet
    expect(parseRequestId("R-7K3QX9'; DROP TABLE requests")).toBeUndefined();
  });
});

describe('requestPayloadSchema', () => {
  it('drops keys it does not know, such as a password', () => {
    const parsed = requestPayloadSchema.parse({
      operation: 'create',
      user: {
        username: 'jdoe',
        email: 'j@x.org',
        firstname: 'Jane',
        lastname: 'Doe',
        auth: 'manual',
        password: 'S3cret!pass',
        createpassword: true,
      },
      token: 'abc',
    });
    expect(JSON.stringify(parsed)).not.toMatch(/password|S3cret|token/);
  });
});

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return {
    id: 'R-AAAAAA',
    operation: 'create',
    status: 'pending',
    version: 1,
    requester: { userId: 'UREQ' },
    target: { username: 'jdoe', email: 'j@x.org' },
    payload: {
      operation: 'create',
      user: { username: 'jdoe', email: 'j@x.org', firstname: 'Jane', lastname: 'Doe', auth: 'manual', city: 'Bern' },
    },
    preflight: undefined,
    reason: undefined,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    decidedAt: undefined,
    decidedBy: undefined,
    decisionComment: undefined,
    corrections: undefined,
    approvals: [],
    approvalsNeeded: 1,
    remindedAt: undefined,
    executedAt: undefined,
    result: undefined,
    approvalMessage: undefined,
    notificationTs: undefined,
    attempts: 0,
    ...overrides,
  };
}

describe('applyCorrections', () => {
  it('records only real changes for a create, updates the target, and clears optional fields on empty', () => {
    const out = applyCorrections(record({}), { firstname: 'Janet', lastname: 'Doe', email: 'janet@x.org', city: '' });
    expect(out).toEqual({
      ok: true,
      diff: [
        { field: 'email', before: 'j@x.org', after: 'janet@x.org' },
        { field: 'firstname', before: 'Jane', after: 'Janet' },
        { field: 'city', before: 'Bern', after: '' },
      ],
      payload: {
        operation: 'create',
        user: { username: 'jdoe', email: 'janet@x.org', firstname: 'Janet', lastname: 'Doe', auth: 'manual' },
      },
      target: { username: 'jdoe', email: 'janet@x.org' },
    });
  });

  it('refuses to empty a required field of a new account', () => {
    expect(applyCorrections(record({}), { lastname: ' ' })).toEqual({
      ok: false,
      message: 'lastname cannot be empty for a new account.',
    });
  });

  it('corrects the new value of an update, and refuses fields the requester did not change', () => {
    const update = record({
      operation: 'update',
      target: { moodleId: 7, username: 'jdoe' },
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Bern', after: 'Zurich' }] },
    });
    expect(applyCorrections(update, { city: 'Zürich' })).toMatchObject({
      ok: true,
      diff: [{ field: 'city', before: 'Zurich', after: 'Zürich' }],
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Bern', after: 'Zürich' }] },
    });
    expect(applyCorrections(update, { lastname: 'Smith' })).toMatchObject({ ok: false });
  });

  it('ignores fields the approver’s form left out (undefined), whatever the operation', () => {
    const update = record({
      operation: 'update',
      target: { moodleId: 7, username: 'jdoe' },
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Bern', after: 'Zurich' }] },
    });
    expect(applyCorrections(update, { city: undefined, lastname: undefined })).toMatchObject({ ok: true, diff: [] });
    expect(applyCorrections(update, { city: 'Basel', lastname: undefined })).toMatchObject({
      ok: true,
      diff: [{ field: 'city', before: 'Zurich', after: 'Basel' }],
    });
  });

  it('has nothing to correct on a delete', () => {
    const del = record({ operation: 'delete', payload: { operation: 'delete' } });
    expect(applyCorrections(del, {})).toMatchObject({ ok: true, diff: [] });
    expect(applyCorrections(del, { city: 'x' })).toEqual({
      ok: false,
      message: 'A delete request has no fields to correct.',
    });
  });
});

describe('describeStatus', () => {
  const what = 'R-AAAAAA (New Moodle account for Jane Doe)';
  it.each([
    ['pending', `${what} is still waiting for a decision; approve or reject it on its card.`],
    ['approved', `${what} was already approved by U1; nothing is left for you to do.`],
    [
      'executing',
      `${what} was already approved by U1 and is being carried out now; its card shows the result shortly.`,
    ],
    ['succeeded', `${what} was already approved by U1 and is done; nothing is left for you to do.`],
    [
      'failed',
      `${what} was approved by U1 but failed in Moodle; once the cause is fixed, an approver can use Retry on its card.`,
    ],
    ['rejected', `${what} was already rejected by U1; nothing is left for you to do.`],
    ['cancelled', `${what} was withdrawn by its requester; nothing is left for you to do.`],
  ] as const)('says what a %s request is and what is left to do', (status, sentence) => {
    const decidedBy = status === 'pending' || status === 'cancelled' ? undefined : 'U1';
    expect(describeStatus(record({ status, decidedBy }))).toBe(sentence);
  });

  it('tells the requester to cancel rather than decide, an approver not to approve twice, and why not retry', () => {
    expect(describeSelfDecision(record({}), 'approve')).toBe(
      'You asked for R-AAAAAA (New Moodle account for Jane Doe) yourself, so another approver has to approve it. To withdraw it, cancel it instead.',
    );
    const twoOfThree = record({ approvalsNeeded: 3, approvals: [{ by: 'U1', at: new Date(0) }] });
    expect(describeAlreadyApproved(twoOfThree)).toBe(
      'You have already approved R-AAAAAA (New Moodle account for Jane Doe); it runs once 2 more approvers approve it, so nothing is left for you to do.',
    );
    expect(describeNotRetryable(record({ status: 'succeeded', decidedBy: 'U1' }))).toBe(
      `Only a failed request can be retried. ${what} was already approved by U1 and is done; nothing is left for you to do.`,
    );
    expect(describeProtected('jdoe is protected.', 'approve')).toBe(
      'jdoe is protected. Nothing was changed; reject the request to close it.',
    );
    expect(describeProtected('jdoe is protected.', 'retry')).toBe('jdoe is protected. Nothing was changed.');
  });

  it('names who decided, through the caller’s formatter', () => {
    const mention = (id: string) => `<@${id}>`;
    expect(describeStatus(record({ status: 'approved', decidedBy: 'U123' }), mention)).toBe(
      'R-AAAAAA (New Moodle account for Jane Doe) was already approved by <@U123>; nothing is left for you to do.',
    );
    expect(describeStatus(record({ status: 'rejected', decidedBy: 'U9' }))).toBe(
      'R-AAAAAA (New Moodle account for Jane Doe) was already rejected by U9; nothing is left for you to do.',
    );
    expect(describeStatus(record({ status: 'expired' }))).toBe(
      'R-AAAAAA (New Moodle account for Jane Doe) expired without a decision; the requester can ask again if it is still needed.',
    );
  });
});
