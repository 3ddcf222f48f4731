// What the enrolment and cohort end-to-end tests share: the app against the fake Moodle with enrol and cohort_add
// under approval, people in London's time zone, and approving a request from its card.
import { expect } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import {
  ADMIN,
  APPROVER,
  cardTs,
  clickCard,
  openedView,
  REQUESTER,
  SLACK_USERS,
  startAppWithMoodle,
  submitModal,
  waitForCard,
} from './approval-helpers.js';
import type { TestApp } from './harness.js';

export function startMembershipApp(): Promise<{ fake: FakeMoodle; t: TestApp }> {
  return startAppWithMoodle(
    {
      SLACK_REQUESTERS: `${REQUESTER},${APPROVER},${ADMIN}`,
      SLACK_APPROVERS: `${APPROVER},${ADMIN}`,
      SLACK_ADMINS: ADMIN,
      APPROVAL_REQUIRED: 'create,delete,enrol,cohort_add',
    },
    SLACK_USERS.map((u) => ({ ...u, tz: 'Europe/London' })),
  );
}

/** Approves the request from its card (Approve…, then the modal) and waits until the card says it succeeded. */
export async function approveFromCard(t: TestApp, request: RequestRecord): Promise<void> {
  const card = await t.slack.waitForCall(
    'chat.postMessage',
    (c) => c.args.channel === 'C0APPROVALS' && String(c.args.text).includes(request.id),
  );
  const { triggerId } = await clickCard(t, APPROVER, ACTION_IDS.approveRequestButton, request, cardTs(card));
  expect(await submitModal(t, APPROVER, await openedView(t, triggerId))).toMatchObject({ status: 200 });
  await waitForCard(t, cardTs(card), 'succeeded');
}
