import { describe, expect, it } from 'vitest';
import {
  approvalRecordedReply,
  decisionFailedReply,
  failedReply,
  formNotOpenedReply,
  NO_REQUEST_REPLY,
  passwordNotShownReply,
  passwordReply,
  passwordUnknownNote,
  refusedReply,
} from '../../src/slack/blocks/decision-replies.js';
import { makeRequest } from './approval-fixtures.js';

const what = '`R-7K3QX9` (New Moodle account for Jane Doe)';

describe("the approver's private replies", () => {
  it('a refusal keeps mentions and neutralises anything else', () => {
    expect(refusedReply('R-7K3QX9 (New Moodle account for *Jo*) was already rejected by <@U0APP>; <!here>')).toBe(
      ':no_entry_sign: R-7K3QX9 (New Moodle account for ∗Jo∗) was already rejected by <@U0APP>; &lt;!here&gt;',
    );
  });

  it('a button without a request sends the person to the newest card', () => {
    expect(NO_REQUEST_REPLY).toBe(
      'This button does not belong to a request the app knows; use the request’s newest card.',
    );
  });

  it('one approval of several: how many so far, how many more, nothing else to do', () => {
    const request = makeRequest({ approvalsNeeded: 3, approvals: [{ by: 'U0A', at: new Date(0) }] });
    expect(approvalRecordedReply(request)).toBe(
      `:ballot_box_with_check: Your approval of ${what} is recorded: 1 of 3. ` +
        'It runs once 2 more approvers approve it; nothing else is needed from you.',
    );
    const lastButOne = makeRequest({ approvalsNeeded: 2, approvals: [{ by: 'U0A', at: new Date(0) }] });
    expect(approvalRecordedReply(lastButOne)).toContain('1 of 2. It runs once 1 more approver approves it;');
  });

  it("a failure in Moodle gives Moodle's hint, then Retry", () => {
    expect(failedReply(makeRequest({ status: 'failed' }), 'Enable web services (Site administration).')).toBe(
      `:x: ${what} is not done: Moodle refused it. Enable web services (Site administration). ` +
        'Once the cause is fixed, use *Retry* on its card; nothing is done twice.',
    );
  });

  it('the password once, or where to set one when it cannot be shown', () => {
    const request = makeRequest({ status: 'succeeded' });
    expect(passwordReply(request, 'jdoe', 'S3cret!x')).toBe(
      `:key: The password for *jdoe* (${what}) is \`S3cret!x\`\n` +
        'Shown only to you, only this once, and stored nowhere. Pass it on privately; Moodle asks for a new one at first login.',
    );
    expect(passwordNotShownReply(request, 'jdoe')).toBe(
      `:warning: The account *jdoe* (${what}) was created, but Slack refused the private message with its password, ` +
        'so nobody has it. Set a new one in Moodle (Site administration > Users > Browse list of users > the account > Edit profile).',
    );
    expect(passwordUnknownNote(request, 'jdoe')).toBe(
      `:warning: The account *jdoe* (${what}) had already been made by an earlier attempt whose answer was lost, ` +
        'so its password was never shown and is stored nowhere. Set a new one in Moodle ' +
        '(Site administration > Users > Browse list of users > the account > Edit profile).',
    );
  });

  it('a form Slack did not open in time, and an unexpected error, say what to do', () => {
    expect(formNotOpenedReply('R-7K3QX9', 'approve')).toBe(
      'Slack did not open the Approve… form for `R-7K3QX9` in time; nothing was decided. Click *Approve…* again.',
    );
    expect(formNotOpenedReply('R-7K3QX9', 'reject')).toContain('the Reject… form');
    expect(decisionFailedReply('R-7K3QX9', 'retry')).toBe(
      ':warning: Something went wrong while retrying `R-7K3QX9`. Look at its card before trying again: it shows ' +
        'whether anything was done. If it keeps happening, an admin can check the app’s log.',
    );
    expect(decisionFailedReply('R-7K3QX9', 'approve')).toContain('while approving');
    expect(decisionFailedReply('R-7K3QX9', 'reject')).toContain('while rejecting');
  });

  it('an untrusted name in the headline cannot format the message', () => {
    const request = makeRequest({
      payload: {
        operation: 'create',
        user: { username: 'jdoe', email: 'j@x.org', firstname: '<!channel>', lastname: '*Doe*', auth: 'manual' },
      },
    });
    const text = approvalRecordedReply({ ...request, approvalsNeeded: 2 });
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('*Doe*');
  });
});
