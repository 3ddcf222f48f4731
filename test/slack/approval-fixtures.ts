// A request record for the approval builders' unit tests.
import type { RequestRecord } from '../../src/core/requests.js';

/** A pending create request by U0REQ, with a card; override any field. */
export function makeRequest(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    id: 'R-7K3QX9',
    operation: 'create',
    status: 'pending',
    version: 1,
    requester: { userId: 'U0REQ' },
    target: { username: 'jdoe', email: 'jane@example.org' },
    payload: {
      operation: 'create',
      user: { username: 'jdoe', email: 'jane@example.org', firstname: 'Jane', lastname: 'Doe', auth: 'manual' },
    },
    preflight: { checked: true, notes: ['No Moodle account uses the username jdoe or this email.'], conflicts: [] },
    reason: 'new teacher',
    createdAt: new Date('2026-03-02T08:00:00Z'),
    updatedAt: new Date('2026-03-02T08:00:00Z'),
    decidedAt: undefined,
    decidedBy: undefined,
    decisionComment: undefined,
    corrections: undefined,
    approvals: [],
    approvalsNeeded: 1,
    remindedAt: undefined,
    executedAt: undefined,
    result: undefined,
    approvalMessage: { channel: 'C0APPROVALS', ts: '1.000001' },
    notificationTs: undefined,
    attempts: 0,
    ...overrides,
  };
}

/** The fields of a delete request for an account Moodle has (the preflight shows it, not suspended). */
export function deleteOf(account: {
  moodleId: number;
  username: string;
  email: string;
  fullname: string;
  lastaccess: number;
}): Partial<RequestRecord> {
  const { moodleId, username, email, fullname, lastaccess } = account;
  return {
    operation: 'delete',
    payload: { operation: 'delete' },
    target: { moodleId, username, email },
    preflight: {
      checked: true,
      notes: [],
      conflicts: [],
      account: { fullname, username, email, suspended: false, lastaccess },
    },
  };
}
