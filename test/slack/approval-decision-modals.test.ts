// The Approve and Reject modals and what their submissions mean; and the private requests list.
import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/core/requests.js';
import {
  buildApproveModal,
  buildDecisionRefusedView,
  buildRejectModal,
  encodeDecisionMetadata,
  parseDecisionMetadata,
  readApproveSubmission,
  readRejectSubmission,
} from '../../src/slack/blocks/decision-modals.js';
import { buildRequestsList, formatAge } from '../../src/slack/blocks/requests-list.js';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import { makeRequest } from './approval-fixtures.js';

const MOODLE = 'https://lms.example.org';
const RULES = { allowedAuth: ['manual'], defaultAuth: 'manual' };
const metadata = { requestId: 'R-7K3QX9', card: { channel: 'C0APPROVALS', ts: '1.000001' } };

type Block = {
  fields?: Array<{ text: string }>;
  type: string;
  block_id?: string;
  optional?: boolean;
  element?: { action_id: string; initial_value?: string };
};

/** The state Slack would submit: the inputs' initial values with `overrides` (field or block id → value). */
function submit(view: { blocks: unknown[] }, overrides: Record<string, string | null> = {}) {
  const values: Record<string, Record<string, { type: string; value: string | null }>> = {};
  for (const block of view.blocks as Block[]) {
    if (block.type !== 'input' || !block.block_id || !block.element) continue;
    const value =
      block.block_id in overrides ? (overrides[block.block_id] ?? null) : (block.element.initial_value ?? null);
    values[block.block_id] = { [block.element.action_id]: { type: 'plain_text_input', value } };
  }
  return values;
}

describe('metadata', () => {
  it('round-trips the request id and the card, and rejects anything else', () => {
    expect(parseDecisionMetadata(encodeDecisionMetadata(metadata))).toEqual(metadata);
    expect(parseDecisionMetadata(encodeDecisionMetadata({ requestId: 'R-7K3QX9' }))).toEqual({ requestId: 'R-7K3QX9' });
    expect(parseDecisionMetadata('')).toBeUndefined();
    expect(parseDecisionMetadata('{"x":1}')).toBeUndefined();
    expect(parseDecisionMetadata('[1]')).toBeUndefined();
  });
});

const fieldsOf = (view: { blocks: unknown[] }) =>
  (view.blocks as Array<{ fields?: Array<{ text: string }> }>).flatMap((b) => b.fields ?? []);

describe('buildApproveModal', () => {
  const inputsOf = (view: { blocks: unknown[] }) => (view.blocks as Block[]).filter((b) => b.type === 'input');

  it('is a read-only summary: the record as fields, the check in words, Edit details, an optional comment', () => {
    const view = buildApproveModal(makeRequest(), { moodleUrl: MOODLE, metadata });
    expect(view.callback_id).toBe(CALLBACK_IDS.approveRequestModal);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text).toBe('Approve');
    expect(inputsOf(view).map((b) => b.block_id)).toEqual([BLOCK_IDS.approveCommentBlock]);
    expect(inputsOf(view)[0]?.optional).toBe(true);
    const fields = fieldsOf(view).map((f) => f.text);
    expect(fields).toContain('*Email address*\njane@example.org');
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('no Moodle account has this username, email or ID number');
    expect(json).toContain(ACTION_IDS.approveEditDetailsButton);
    expect(json).toContain('new teacher');
    expect(parseDecisionMetadata(view.private_metadata ?? '')).toEqual(metadata);
  });

  it('shows the corrections it carries, applied to the record, and keeps them in its metadata', () => {
    const withCorrections = { ...metadata, corrections: { email: 'jane.doe@example.org' } };
    const view = buildApproveModal(makeRequest(), { moodleUrl: MOODLE, metadata: withCorrections });
    const json = JSON.stringify(view.blocks);
    expect(json).toContain('Your corrections');
    expect(json).toContain('jane@example.org → jane.doe@example.org');
    expect(json).toContain('*Email address*\\njane.doe@example.org');
    expect(parseDecisionMetadata(view.private_metadata ?? '')).toEqual(withCorrections);
  });

  it('shows a quorum in progress as "1 of 2 approvals" and who', () => {
    const request = makeRequest({ approvalsNeeded: 2, approvals: [{ by: 'U0FIRST', at: new Date() }] });
    const json = JSON.stringify(buildApproveModal(request, { moodleUrl: MOODLE, metadata }).blocks);
    expect(json).toContain('1 of 2 approvals: <@U0FIRST>');
  });

  it('names clashes and an unchecked pre-flight in plain words', () => {
    const clash = makeRequest({
      preflight: { checked: true, notes: [], conflicts: [{ moodleId: 7, username: 'jd', matchedOn: 'email' }] },
    });
    expect(JSON.stringify(buildApproveModal(clash, { moodleUrl: MOODLE, metadata }).blocks)).toContain(
      'jd (id 7) has the same email',
    );
  });

  it('a delete shows the account (the stored facts, or Moodle’s when looked up), a warning and no Edit details', () => {
    const request = makeRequest({
      operation: 'delete',
      payload: { operation: 'delete' },
      target: { moodleId: 6, username: 'leaver', email: 'lee@example.org' },
    });
    const plain = buildApproveModal(request, { moodleUrl: MOODLE, metadata });
    expect(inputsOf(plain).map((b) => b.block_id)).toEqual([BLOCK_IDS.approveCommentBlock]);
    expect(JSON.stringify(plain.blocks)).toContain('leaver');
    expect(JSON.stringify(plain.blocks)).toContain('lee@example.org');
    expect(JSON.stringify(plain.blocks)).toContain('cannot be undone');
    expect(JSON.stringify(plain.blocks)).not.toContain(ACTION_IDS.approveEditDetailsButton);
    const account = {
      id: 6,
      username: 'leaver',
      firstname: 'Lee',
      lastname: 'Ver',
      fullname: 'Lee Ver',
      email: 'lee@example.org',
      auth: 'manual',
      suspended: true,
      confirmed: true,
      lastaccess: 0,
    };
    const looked = JSON.stringify(buildApproveModal(request, { moodleUrl: MOODLE, metadata, account }).blocks);
    expect(looked).toContain('Lee Ver');
    expect(looked).toContain('Suspended');
    expect(looked).toContain('Never');
  });

  it('cuts each field value, never the record', () => {
    const long = makeRequest({
      payload: {
        operation: 'create',
        user: {
          username: 'jdoe',
          email: 'j@x.org',
          firstname: 'J',
          lastname: 'D',
          auth: 'manual',
          address: 'a'.repeat(5000),
        },
      },
    });
    const view = buildApproveModal(long, { moodleUrl: MOODLE, metadata });
    const fields = fieldsOf(view);
    for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(2000);
    expect(fields.map((f) => f.text.split('\n')[0])).toContain('*Address*');
  });
});

describe('readApproveSubmission', () => {
  const request = makeRequest();
  const view = buildApproveModal(request, { moodleUrl: MOODLE, metadata });

  it('without corrections gives none, and no comment when it is left empty', () => {
    expect(readApproveSubmission(request, submit(view), undefined, RULES)).toEqual({
      ok: true,
      corrections: {},
      comment: undefined,
    });
  });

  it('returns the carried corrections, normalised, and the trimmed comment', () => {
    const read = readApproveSubmission(
      request,
      submit(view, { [BLOCK_IDS.approveCommentBlock]: '  ok  ' }),
      { city: ' Lyon ', country: 'France' },
      RULES,
    );
    expect(read).toEqual({ ok: true, comment: 'ok', corrections: { city: 'Lyon', country: 'FR' } });
  });

  it('checks carried corrections again: a forged or outdated one is an error, nothing is approved', () => {
    const read = readApproveSubmission(request, submit(view), { email: 'not-an-email', auth: 'ldap' }, RULES);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.errors[BLOCK_IDS.approveCommentBlock]).toContain('Edit details');
  });

  it('ignores malformed state instead of throwing', () => {
    expect(readApproveSubmission(request, 'garbage', undefined, RULES)).toMatchObject({ ok: true });
    expect(readApproveSubmission(request, { x: { y: { value: 3 } } }, undefined, RULES)).toMatchObject({ ok: true });
  });
});

describe('reject modal', () => {
  it('asks for a required reason and says the requester will see it', () => {
    const view = buildRejectModal(makeRequest(), { moodleUrl: MOODLE, metadata });
    expect(view.callback_id).toBe(CALLBACK_IDS.rejectRequestModal);
    const reason = view.blocks.find((b) => b.block_id === BLOCK_IDS.rejectReasonBlock) as Block & {
      optional?: boolean;
    };
    expect(reason.optional).toBeUndefined();
    expect(reason.element?.action_id).toBe(INPUT_ACTION_IDS.rejectReasonInput);
    expect(JSON.stringify(view.blocks)).toContain('requester sees this reason');
  });

  it('a blank reason is an inline error; a reason is trimmed', () => {
    const view = buildRejectModal(makeRequest(), { moodleUrl: MOODLE, metadata });
    expect(readRejectSubmission(submit(view, { [BLOCK_IDS.rejectReasonBlock]: '  \n ' }))).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.rejectReasonBlock]: expect.any(String) },
    });
    expect(readRejectSubmission(submit(view, { [BLOCK_IDS.rejectReasonBlock]: ' no ' }))).toEqual({
      ok: true,
      reason: 'no',
    });
    expect(readRejectSubmission({})).toMatchObject({ ok: false });
  });

  it('the refusal view has nothing to submit and escapes the message', () => {
    const view = buildDecisionRefusedView('R-7K3QX9 was already approved by <@U1> <!here>');
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain('&lt;!here&gt;');
  });
});

describe('buildRequestsList', () => {
  const now = new Date('2026-03-02T11:00:00Z');
  const rows: RequestRecord[] = [
    makeRequest(),
    makeRequest({ id: 'R-AAAAAA', status: 'succeeded', requester: { userId: 'U0REQ' } }),
    makeRequest({ id: 'R-BBBBBB', requester: { userId: 'U0OTHER' }, target: { username: '<!channel>' } }),
  ];

  it('lists id, operation, target, status and age; Cancel only on the viewer’s own pending requests', () => {
    const list = buildRequestsList(rows, { scope: 'mine', viewer: 'U0REQ', now });
    expect(list.response_type).toBe('ephemeral');
    const json = JSON.stringify(list.blocks);
    expect(json).toContain('R-7K3QX9');
    expect(json).toContain('*New Moodle account for Jane Doe*');
    expect(json).toContain('jdoe');
    expect(json).toContain('pending');
    expect(json).toContain('3 h ago');
    const buttons = list.blocks.flatMap((b) => (b.type === 'section' && b.accessory ? [b.accessory] : []));
    expect(buttons).toHaveLength(1);
    expect(buttons[0]).toMatchObject({ action_id: ACTION_IDS.cancelRequestButton, value: 'R-7K3QX9' });
    expect(json).not.toContain('<!channel>');
  });

  it('the pending list names the requester; an empty list says so', () => {
    const pending = buildRequestsList(rows, { scope: 'pending', viewer: 'U0APP', now });
    expect(JSON.stringify(pending.blocks)).toContain('asked by <@U0OTHER>');
    expect(buildRequestsList([], { scope: 'pending', viewer: 'U0APP', now }).text).toContain('No request');
    expect(buildRequestsList([], { scope: 'mine', viewer: 'U0APP', now }).text).toContain('no requests');
  });

  it('stays within the 50-block limit and says when it shows only the newest', () => {
    const many = Array.from({ length: 60 }, (_, i) => makeRequest({ id: `R-${String(i).padStart(6, 'A')}` }));
    const list = buildRequestsList(many, { scope: 'mine', viewer: 'U0REQ', now });
    expect(list.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(list.blocks)).toContain('Showing the newest 20');
  });

  it('formats ages coarsely', () => {
    const at = new Date('2026-03-02T00:00:00Z');
    expect(formatAge(at, new Date(at.getTime() + 20_000))).toBe('just now');
    expect(formatAge(at, new Date(at.getTime() + 12 * 60_000))).toBe('12 min ago');
    expect(formatAge(at, new Date(at.getTime() + 5 * 3_600_000))).toBe('5 h ago');
    expect(formatAge(at, new Date(at.getTime() + 72 * 3_600_000))).toBe('3 d ago');
  });
});
