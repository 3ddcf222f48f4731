// The approval card, the requester's DM and the notification line, as pure functions of a request in every status.
import { describe, expect, it } from 'vitest';
import { REQUEST_STATUSES, type RequestRecord, type RequestStatus } from '../../src/core/requests.js';
import {
  buildApprovalCard,
  buildNotificationLine,
  buildRequesterMessage,
} from '../../src/slack/blocks/approval-card.js';
import { ACTION_IDS } from '../../src/slack/ids.js';
import { deleteOf, makeRequest } from './approval-fixtures.js';

const MOODLE = 'https://lms.example.org';

const decided = { decidedBy: 'U0APP', decidedAt: new Date('2026-03-02T09:00:00Z') };
const byStatus: Record<RequestStatus, Partial<RequestRecord>> = {
  pending: {},
  approved: decided,
  executing: { ...decided, attempts: 1 },
  succeeded: { ...decided, attempts: 1, result: { ok: true, moodleId: 42 }, decisionComment: 'welcome' },
  failed: {
    ...decided,
    attempts: 2,
    result: {
      ok: false,
      code: 'moodle_maintenance',
      message: 'Moodle answered 503',
      hint: 'The site is in maintenance mode.',
      outcomeUnknown: true,
    },
  },
  rejected: { ...decided, decisionComment: 'not staff' },
  cancelled: { decidedBy: 'U0REQ', decidedAt: decided.decidedAt },
  expired: { decidedAt: decided.decidedAt },
};

function text(card: ReturnType<typeof buildApprovalCard>): string {
  return JSON.stringify(card.blocks);
}

function actionIds(card: ReturnType<typeof buildApprovalCard>): string[] {
  return (card.blocks ?? []).flatMap((b) =>
    b.type === 'actions' ? b.elements.map((e) => ('action_id' in e ? String(e.action_id) : '')) : [],
  );
}

/** The mrkdwn and plain texts of a block, in order. */
function blockTexts(block: NonNullable<ReturnType<typeof buildApprovalCard>['blocks']>[number]): string[] {
  const all: string[] = [];
  if ((block.type === 'section' || block.type === 'header') && block.text) all.push(block.text.text);
  if (block.type === 'section') for (const f of block.fields ?? []) all.push(f.text);
  if (block.type === 'context') for (const e of block.elements) if ('text' in e) all.push(String(e.text));
  return all;
}

const LEAVER = deleteOf({
  moodleId: 6,
  username: 'leaver',
  email: 'lee@example.org',
  fullname: 'Lee Ver',
  lastaccess: 1767225600,
});

describe('buildApprovalCard', () => {
  it.each(REQUEST_STATUSES)(
    'draws a %s request person first: header, the record as fields, who asked, when, id',
    (status) => {
      const card = buildApprovalCard(makeRequest({ status, ...byStatus[status] }), { moodleUrl: MOODLE });
      const blocks = card.blocks ?? [];
      const headerAt = blocks.findIndex((b) => b.type === 'header');
      expect(blocks[headerAt]).toEqual({
        type: 'header',
        text: { type: 'plain_text', text: 'New Moodle account for Jane Doe', emoji: false },
      });
      // Pending: the header leads; once decided, the outcome line comes first and the header follows.
      expect(headerAt).toBe(status === 'pending' ? 0 : 2);
      const fields = blocks.flatMap((b) => (b.type === 'section' ? (b.fields ?? []).map((f) => f.text) : []));
      expect(fields).toEqual([
        '*Username*\njdoe',
        '*Email address*\njane@example.org',
        '*First name*\nJane',
        '*Last name*\nDoe',
        '*Authentication method*\nMoodle login',
      ]);
      const all = text(card);
      expect(all).toContain('Requested by <@U0REQ> · <!date^1772438400^');
      expect(all).toContain('Request `R-7K3QX9`');
      expect(all).toContain(':heavy_check_mark: No Moodle account uses the username jdoe or this email.');
      expect(all).not.toContain('Pre-flight');
      expect(all).toContain('new teacher');
      expect(card.text).toBe(`New Moodle account for Jane Doe · jdoe (R-7K3QX9): ${status}`);
    },
  );

  it('after a decision the outcome comes first, with who and when', () => {
    const first = (status: RequestStatus) =>
      blockTexts(
        (buildApprovalCard(makeRequest({ status, ...byStatus[status] }), { moodleUrl: MOODLE }).blocks ?? [])[0]!,
      )[0];
    const when = '<!date^1772442000^{date_short_pretty} {time}|2026-03-02T09:00:00.000Z>';
    expect(first('succeeded')).toBe(
      `:white_check_mark: *Approved by <@U0APP>* · ${when} · account created · <${MOODLE}/user/profile.php?id=42|Open in Moodle>\n> welcome`,
    );
    expect(first('rejected')).toBe(`:no_entry: *Rejected by <@U0APP>* · ${when}\n> not staff`);
    expect(first('failed')?.startsWith(`:x: *Approved by <@U0APP>* · ${when} · failed in Moodle (attempt 2)`)).toBe(
      true,
    );
    expect(first('cancelled')).toBe(`:leftwards_arrow_with_hook: *Cancelled by the requester* · ${when}`);
    expect(first('expired')).toBe(`:alarm_clock: *Expired without a decision* · ${when}`);
    expect(first('pending')).toBe('New Moodle account for Jane Doe');
  });

  it('a delete card shows the account (name, username, email, status, last access) and approving is dangerous', () => {
    const card = buildApprovalCard(makeRequest(LEAVER), { moodleUrl: MOODLE });
    const blocks = card.blocks ?? [];
    expect(blockTexts(blocks[0]!)).toEqual(['Delete Moodle account: Lee Ver']);
    expect(blockTexts(blocks[1]!)).toEqual([
      '*Name*\nLee Ver',
      '*Username*\nleaver (id 6)',
      '*Email address*\nlee@example.org',
      '*Status*\nActive',
      '*Last access*\n<!date^1767225600^{date_short_pretty}|2026-01-01T00:00:00.000Z>',
    ]);
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        { action_id: ACTION_IDS.approveRequestButton, style: 'danger' },
        { action_id: ACTION_IDS.rejectRequestButton },
      ],
    });
    expect(JSON.stringify(actions)).not.toContain('primary');
    expect(JSON.stringify((actions as { elements: unknown[] }).elements[1])).not.toContain('danger');
    expect(text(card)).toContain('cannot be undone');
    const suspend = buildApprovalCard(
      makeRequest({ ...LEAVER, operation: 'suspend', payload: { operation: 'suspend' } }),
      { moodleUrl: MOODLE },
    );
    expect(blockTexts((suspend.blocks ?? [])[0]!)).toEqual(['Suspend Moodle account: Lee Ver']);
    expect(text(suspend)).toContain('*Last access*');
    expect(JSON.stringify(suspend.blocks)).toContain('"style":"danger"');
    const create = buildApprovalCard(makeRequest(), { moodleUrl: MOODLE });
    expect((create.blocks ?? []).find((b) => b.type === 'actions')).toMatchObject({
      elements: [{ style: 'primary' }, { style: 'danger' }],
    });
  });

  it('names every approver of a quorum, and says when an admin did it directly', () => {
    const first = (request: RequestRecord) =>
      (buildApprovalCard(request, { moodleUrl: MOODLE }).blocks ?? [])[0] as { text: { text: string } };
    const quorum = makeRequest({
      status: 'succeeded',
      ...decided,
      approvalsNeeded: 2,
      approvals: [
        { by: 'U0APP1', at: decided.decidedAt },
        { by: 'U0APP', at: decided.decidedAt },
      ],
      result: { ok: true, moodleId: 42 },
    });
    expect(first(quorum).text.text).toMatch(/^:white_check_mark: \*Approved by <@U0APP1> and <@U0APP>\* · /);
    const direct = makeRequest({
      status: 'succeeded',
      decidedBy: 'U0REQ',
      decidedAt: decided.decidedAt,
      result: { ok: true },
    });
    expect(first(direct).text.text).toMatch(/^:white_check_mark: \*Done directly by <@U0REQ>\* · /);
  });

  it('a deleted account gets no profile link, anywhere', () => {
    const done = makeRequest({ ...LEAVER, status: 'succeeded', ...decided, result: { ok: true, moodleId: 6 } });
    const card = buildApprovalCard(done, { moodleUrl: MOODLE });
    expect(blockTexts((card.blocks ?? [])[0]!)[0]).toContain('account deleted');
    expect(JSON.stringify(card)).not.toContain('profile.php');
    expect(buildRequesterMessage(done, 'executed', { moodleUrl: MOODLE }).text).not.toContain('profile.php');
    expect(buildNotificationLine(done, 'executed', { moodleUrl: MOODLE })).not.toContain('profile.php');
  });

  it('a card made before the account was kept on requests still names the account by its username', () => {
    const card = buildApprovalCard(makeRequest({ ...LEAVER, preflight: undefined }), { moodleUrl: MOODLE });
    expect(blockTexts((card.blocks ?? [])[0]!)).toEqual(['Delete Moodle account: leaver']);
    expect(text(card)).toContain('*Username*\\nleaver (id 6)');
  });

  it('cuts a long value in its own field and never drops a field', () => {
    const long = 'y'.repeat(5000);
    const card = buildApprovalCard(
      makeRequest({
        payload: {
          operation: 'create',
          user: {
            username: 'jdoe',
            email: 'jane@example.org',
            firstname: long,
            lastname: long,
            auth: 'manual',
            institution: long,
            department: long,
            city: long,
            address: long,
            phone1: '1',
            phone2: '2',
            idnumber: long,
            country: 'FR',
            lang: 'fr',
            timezone: '99',
          },
        },
      }),
      { moodleUrl: MOODLE },
    );
    const fields = (card.blocks ?? []).flatMap((b) => (b.type === 'section' ? (b.fields ?? []) : []));
    expect(fields.map((f) => f.text.split('\n')[0])).toEqual([
      '*Username*',
      '*Email address*',
      '*First name*',
      '*Last name*',
      '*Authentication method*',
      '*ID number*',
      '*Institution*',
      '*Department*',
      '*City/town*',
      '*Country*',
      '*Language*',
      '*Time zone*',
      '*Phone*',
      '*Mobile phone*',
      '*Address*',
    ]);
    for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    expect(fields.map((f) => f.text)).toContain('*Time zone*\nServer default');
    expect(fields.map((f) => f.text)).toContain('*Country*\nFrance');
    expect(blockTexts((card.blocks ?? [])[0]!)[0]?.length).toBeLessThanOrEqual(150);
  });

  it('offers Approve… and Reject… only while pending, Retry only when failed, nothing otherwise', () => {
    for (const status of REQUEST_STATUSES) {
      const ids = actionIds(buildApprovalCard(makeRequest({ status, ...byStatus[status] }), { moodleUrl: MOODLE }));
      if (status === 'pending') expect(ids).toEqual([ACTION_IDS.approveRequestButton, ACTION_IDS.rejectRequestButton]);
      else if (status === 'failed') expect(ids).toEqual([ACTION_IDS.retryRequestButton]);
      else expect(ids).toEqual([]);
    }
  });

  it('says who decided and the outcome: Moodle id and link on success, error and hint on failure', () => {
    const ok = text(
      buildApprovalCard(makeRequest({ status: 'succeeded', ...byStatus.succeeded }), { moodleUrl: MOODLE }),
    );
    expect(ok).toContain('<@U0APP>');
    expect(ok).toContain(`${MOODLE}/user/profile.php?id=42`);
    expect(ok).toContain('welcome');
    const failed = text(
      buildApprovalCard(makeRequest({ status: 'failed', ...byStatus.failed }), { moodleUrl: MOODLE }),
    );
    expect(failed).toContain('*What Moodle said:* Moodle answered 503');
    expect(failed).toContain('maintenance mode');
    expect(failed).toContain('attempt 2');
    expect(failed).toContain('looks the account up first');
    const rejected = text(
      buildApprovalCard(makeRequest({ status: 'rejected', ...byStatus.rejected }), { moodleUrl: MOODLE }),
    );
    expect(rejected).toContain('Rejected by <@U0APP>');
    expect(rejected).toContain('not staff');
  });

  it('shows corrections as before → after', () => {
    const card = buildApprovalCard(
      makeRequest({
        status: 'succeeded',
        ...byStatus.succeeded,
        corrections: [
          { field: 'firstname', before: 'Jnae', after: 'Jane' },
          { field: 'city', before: '', after: 'Lyon' },
        ],
      }),
      { moodleUrl: MOODLE },
    );
    expect(text(card)).toContain('Corrected by the approver');
    expect(text(card)).toContain('*First name*: Jnae → Jane');
    expect(text(card)).toContain('*City/town*: ∅ → Lyon');
    expect(
      text(
        buildApprovalCard(makeRequest({ corrections: [{ field: 'country', before: 'FR', after: 'DE' }] }), {
          moodleUrl: MOODLE,
        }),
      ),
    ).toContain('*Country*: France → Germany');
  });

  it('escapes what people typed, so a reason cannot ping the channel or forge a link', () => {
    const card = buildApprovalCard(
      makeRequest({ reason: '<!channel> see <https://evil.example|here>', decisionComment: '<@U999>' }),
      { moodleUrl: MOODLE },
    );
    expect(text(card)).not.toContain('<!channel>');
    expect(text(card)).toContain('&lt;!channel&gt;');
    expect(text(card)).not.toContain('<https://evil.example');
  });

  it('cuts every text to Slack’s limits', () => {
    const long = 'x'.repeat(10_000);
    const card = buildApprovalCard(
      makeRequest({
        status: 'failed',
        ...byStatus.failed,
        reason: long,
        result: { ok: false, code: 'c', message: long, hint: long, outcomeUnknown: false },
      }),
      { moodleUrl: MOODLE },
    );
    for (const block of card.blocks ?? []) {
      if (block.type === 'section' && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
      if (block.type === 'context') for (const e of block.elements) expect(JSON.stringify(e).length).toBeLessThan(2100);
    }
    expect(card.text.length).toBeLessThanOrEqual(4000);
  });

  it('warns on delete and lists an update’s changes', () => {
    const del = buildApprovalCard(
      makeRequest({ operation: 'delete', payload: { operation: 'delete' }, target: { moodleId: 7, username: 'old' } }),
      { moodleUrl: MOODLE },
    );
    expect(text(del)).toContain('cannot be undone');
    const upd = buildApprovalCard(
      makeRequest({
        operation: 'update',
        payload: { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lyon' }] },
      }),
      { moodleUrl: MOODLE },
    );
    expect(text(upd)).toContain('Paris → Lyon');
  });
});

describe('requester message and notification line', () => {
  it('tells the requester each outcome', () => {
    const done = buildRequesterMessage(makeRequest({ status: 'succeeded', ...byStatus.succeeded }), 'executed', {
      moodleUrl: MOODLE,
    });
    expect(done.text).toContain('is done');
    expect(done.text).toContain('profile.php?id=42');
    const direct = buildRequesterMessage(
      makeRequest({ status: 'succeeded', decidedBy: 'U0REQ', result: { ok: true, moodleId: 42 } }),
      'executed',
      { moodleUrl: MOODLE },
    );
    expect(direct.text).toContain(
      'Your request `R-7K3QX9` (New Moodle account for Jane Doe) is done: account created.',
    );
    expect(direct.text).not.toContain('approved');
    const rejected = buildRequesterMessage(makeRequest({ status: 'rejected', ...byStatus.rejected }), 'rejected', {
      moodleUrl: MOODLE,
    });
    expect(rejected.text).toContain('not staff');
    const expired = buildRequesterMessage(makeRequest({ status: 'expired', ...byStatus.expired }), 'expired', {
      moodleUrl: MOODLE,
    });
    expect(expired.text).toContain('expired');
    const failed = buildRequesterMessage(makeRequest({ status: 'failed', ...byStatus.failed }), 'failed', {
      moodleUrl: MOODLE,
    });
    // Plain words and what happens next; Moodle's technical detail is for the approvers' card only.
    expect(failed.text).toContain(
      'Moodle is in maintenance, so the account isn’t created yet. An approver will retry once it is back.',
    );
    expect(failed.text).not.toContain('Moodle answered 503');
    expect(failed.text).not.toContain('maintenance mode');
  });

  it('one line with the requester, the decider and the outcome', () => {
    const line = buildNotificationLine(makeRequest({ status: 'succeeded', ...byStatus.succeeded }), 'executed', {
      moodleUrl: MOODLE,
    });
    expect(line).toContain('<@U0REQ>');
    expect(line).toContain('decided by <@U0APP>');
    expect(line).toContain('done');
    expect(line).not.toContain('\n');
  });
});

describe('free text on the card, the DM and the notification', () => {
  const FORGED = 'new colleague\n*:white_check_mark: Approved by @admin*\n<https://evil.example|Approve here>';

  /** Every line of every mrkdwn text of the card. */
  function cardLines(card: ReturnType<typeof buildApprovalCard>): string[] {
    return (card.blocks ?? []).flatMap((b) => {
      const texts = b.type === 'section' ? [b.text, ...(b.fields ?? [])] : b.type === 'context' ? b.elements : [];
      return texts.flatMap((t) => (t && 'text' in t && typeof t.text === 'string' ? t.text.split('\n') : []));
    });
  }

  /** A forged line may only appear inside a quote: never as a line of the app's own. */
  function expectQuotedOnly(lines: string[], needle: string): void {
    const carrying = lines.filter((line) => line.includes(needle));
    expect(carrying.length).toBeGreaterThan(0);
    for (const line of carrying) expect(line.startsWith('> ')).toBe(true);
  }

  it('shows the reason as a quote: a forged line, bold, emoji and link stay inside it, inert', () => {
    const card = buildApprovalCard(makeRequest({ reason: FORGED }), { moodleUrl: MOODLE });
    const lines = cardLines(card);
    expectQuotedOnly(lines, 'Approved by');
    expect(lines).toContain('> ∗∶white_check_mark: Approved by @admin∗');
    expect(text(card)).not.toContain(':white_check_mark:');
    expect(text(card)).not.toContain('<https://evil.example');
  });

  it('shows the approver’s comment as a quote on the card and in the requester’s DM', () => {
    const request = makeRequest({ status: 'rejected', ...byStatus.rejected, decisionComment: FORGED });
    expectQuotedOnly(cardLines(buildApprovalCard(request, { moodleUrl: MOODLE })), 'Approved by');
    const dm = buildRequesterMessage(request, 'rejected', { moodleUrl: MOODLE });
    expectQuotedOnly(dm.text.split('\n'), 'Approved by');
    expect(dm.text).not.toContain('*:white_check_mark:');
    expect(dm.text).not.toContain('<https://evil.example');
  });

  it('names and Moodle values cannot format or break a line: record, title, courses, notification', () => {
    const forgedName = '*:white_check_mark: Approved*';
    const create = buildApprovalCard(
      makeRequest({
        payload: {
          operation: 'create',
          user: { username: 'jdoe', email: 'jane@example.org', firstname: forgedName, lastname: 'Doe', auth: 'manual' },
        },
      }),
      { moodleUrl: MOODLE },
    );
    expect(cardLines(create)).toContain('*First name*');
    expect(cardLines(create)).toContain('∗∶white_check_mark: Approved∗');
    // The header is plain text without emoji: nothing in it formats or draws.
    expect((create.blocks ?? [])[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'New Moodle account for *∶white_check_mark: Approved* Doe', emoji: false },
    });
    const course = { id: 3, shortname: 'M1', fullname: 'Maths\n:white_check_mark: *Approved by <!here>*' };
    const enrol = buildApprovalCard(
      makeRequest({
        operation: 'enrol',
        target: { moodleId: 7, username: 'old_\n*Approved*' },
        payload: { operation: 'enrol', enrolment: { course, role: { shortname: 'student', id: 5 } } },
      }),
      { moodleUrl: MOODLE },
    );
    const lines = cardLines(enrol);
    expect(lines.filter((l) => l.includes('Approved'))).toEqual([
      'oldˍ ∗Approved∗ (id 7)',
      'M1 (Maths ∶white_check_mark: ∗Approved by &lt;!here&gt;∗) as student',
    ]);
    expect((enrol.blocks ?? [])[0]).toMatchObject({ text: { text: 'Enrol old_ *Approved* in M1', emoji: false } });
    const line = buildNotificationLine(
      makeRequest({
        operation: 'enrol',
        target: { moodleId: 7, username: 'old_\n*Approved*' },
        payload: { operation: 'enrol', enrolment: { course, role: { shortname: 'student', id: 5 } } },
        status: 'rejected',
      }),
      'rejected',
      { moodleUrl: MOODLE },
    );
    expect(line).not.toMatch(/[\n*]/);
  });

  it('every mrkdwn text is verbatim, so Slack links no bare URL or @here in it', () => {
    const card = buildApprovalCard(makeRequest({ reason: 'see https://evil.example @here' }), { moodleUrl: MOODLE });
    for (const block of card.blocks ?? []) {
      if (block.type === 'section' && block.text?.type === 'mrkdwn') expect(block.text.verbatim).toBe(true);
    }
  });
});
