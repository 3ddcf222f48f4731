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
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import { makeRequest } from './approval-fixtures.js';

const MOODLE = 'https://lms.example.org';
const RULES = { allowedAuth: ['manual'], defaultAuth: 'manual' };
const metadata = { requestId: 'R-7K3QX9', card: { channel: 'C0APPROVALS', ts: '1.000001' } };

type Block = {
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

describe('buildApproveModal', () => {
  it('shows the record as inputs (required ones required), an optional comment, and fits Slack’s limits', () => {
    const view = buildApproveModal(makeRequest(), { moodleUrl: MOODLE, metadata });
    expect(view.callback_id).toBe(CALLBACK_IDS.approveRequestModal);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text).toBe('Approve');
    const inputs = view.blocks.filter((b) => b.type === 'input') as Block[];
    const email = inputs.find((b) => b.block_id === userFieldIds('email').blockId);
    expect(email?.element?.initial_value).toBe('jane@example.org');
    expect(email?.optional).toBe(false);
    expect(inputs.find((b) => b.block_id === userFieldIds('city').blockId)?.optional).toBe(true);
    expect(inputs.find((b) => b.block_id === BLOCK_IDS.approveCommentBlock)?.optional).toBe(true);
    expect(parseDecisionMetadata(view.private_metadata ?? '')).toEqual(metadata);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });

  it('for an update offers only the changed fields, with what Moodle has now as a hint', () => {
    const request = makeRequest({
      operation: 'update',
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lyon' }] },
    });
    const view = buildApproveModal(request, { moodleUrl: MOODLE, metadata });
    const inputs = view.blocks.filter((b) => b.type === 'input');
    expect(inputs.map((b) => b.block_id)).toEqual([userFieldIds('city').blockId, BLOCK_IDS.approveCommentBlock]);
    expect(JSON.stringify(inputs[0])).toContain('Now in Moodle: Paris');
  });

  it('for a delete has no fields, a warning and the comment', () => {
    const view = buildApproveModal(makeRequest({ operation: 'delete', payload: { operation: 'delete' } }), {
      moodleUrl: MOODLE,
      metadata,
    });
    expect(view.blocks.filter((b) => b.type === 'input').map((b) => b.block_id)).toEqual([
      BLOCK_IDS.approveCommentBlock,
    ]);
    expect(JSON.stringify(view.blocks)).toContain('cannot be undone');
  });
});

describe('readApproveSubmission', () => {
  const request = makeRequest();
  const view = buildApproveModal(request, { moodleUrl: MOODLE, metadata });

  it('unchanged fields give the request’s own values (no diff later) and no comment', () => {
    const read = readApproveSubmission(request, submit(view), RULES);
    expect(read).toMatchObject({ ok: true, comment: undefined });
    if (read.ok) expect(read.corrections).toMatchObject({ username: 'jdoe', email: 'jane@example.org', city: '' });
  });

  it('returns the corrected values and the trimmed comment', () => {
    const read = readApproveSubmission(
      request,
      submit(view, { [userFieldIds('city').blockId]: ' Lyon ', [BLOCK_IDS.approveCommentBlock]: '  ok  ' }),
      RULES,
    );
    expect(read).toMatchObject({ ok: true, comment: 'ok', corrections: { city: 'Lyon' } });
  });

  it('checks corrections with Moodle’s rules and keys every error by the field’s block', () => {
    const read = readApproveSubmission(
      request,
      submit(view, {
        [userFieldIds('email').blockId]: 'not-an-email',
        [userFieldIds('username').blockId]: 'Bad Name!',
        [userFieldIds('auth').blockId]: 'ldap',
      }),
      RULES,
    );
    expect(read.ok).toBe(false);
    if (!read.ok) {
      expect(Object.keys(read.errors).sort()).toEqual(
        [userFieldIds('auth').blockId, userFieldIds('email').blockId, userFieldIds('username').blockId].sort(),
      );
    }
  });

  it('refuses to clear a required field', () => {
    const read = readApproveSubmission(request, submit(view, { [userFieldIds('lastname').blockId]: null }), RULES);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.errors[userFieldIds('lastname').blockId]).toBeDefined();
  });

  it('ignores malformed state instead of throwing', () => {
    expect(readApproveSubmission(request, 'garbage', RULES)).toMatchObject({ ok: true });
    expect(readApproveSubmission(request, { x: { y: { value: 3 } } }, RULES)).toMatchObject({ ok: true });
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
