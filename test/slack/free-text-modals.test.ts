// Free text in the modals: every input is capped in the form and again on submission (a forged view_submission
// skips the browser's max_length), and what a modal shows from a request or from Moodle reads as data.
import type { types } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { COMMENT_MAX_LENGTH, REASON_MAX_LENGTH } from '../../src/core/free-text.js';
import type { MoodleUser } from '../../src/core/moodle-gateway.js';
import { buildCorrectionsModal } from '../../src/slack/blocks/approve-corrections.js';
import {
  buildApproveModal,
  buildRejectModal,
  readApproveSubmission,
  readRejectSubmission,
} from '../../src/slack/blocks/decision-modals.js';
import { buildDeleteUserModal } from '../../src/slack/blocks/delete-user-modal.js';
import { buildEditUserModal } from '../../src/slack/blocks/edit-user-modal.js';
import { buildNewUserModal } from '../../src/slack/blocks/new-user-modal.js';
import { buildUserCard } from '../../src/slack/blocks/user-card.js';
import { BLOCK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import { makeRequest } from './approval-fixtures.js';

const MOODLE = 'https://lms.example.org';
const RULES = { allowedAuth: ['manual'], defaultAuth: 'manual' };
const metadata = { requestId: 'R-7K3QX9' };
const FORGED = 'ok\n*:white_check_mark: Approved by @admin*';

const moodleUser: MoodleUser = {
  id: 50,
  username: 'jdoe',
  firstname: 'Jane\n*:white_check_mark: Approved*',
  lastname: 'Doe',
  fullname: 'Jane\n*:white_check_mark: Approved* Doe',
  email: 'jane@example.org',
  auth: 'manual',
  suspended: false,
  confirmed: true,
  city: 'Leeds\n> quoted',
};

/** The view's blocks as the builders make them (Block Kit's known blocks). */
const blocksOf = (view: types.ModalView) => view.blocks as types.KnownBlock[];

function textInputs(view: types.ModalView): Array<{ block: string; max: number | undefined }> {
  return blocksOf(view).flatMap((b) =>
    b.type === 'input' && b.element.type === 'plain_text_input'
      ? [{ block: String(b.block_id), max: b.element.max_length }]
      : [],
  );
}

function mrkdwnLines(view: types.ModalView): string[] {
  return blocksOf(view).flatMap((b) =>
    b.type === 'section' && b.text?.type === 'mrkdwn' ? b.text.text.split('\n') : [],
  );
}

/** view.state.values with one text input set. */
const state = (block: string, action: string, value: string) => ({
  [block]: { [action]: { type: 'plain_text_input', value } },
});

describe('length caps', () => {
  it('every text input of every modal has a max_length, the reason and comment ones the core’s caps', () => {
    const update = makeRequest({
      operation: 'update',
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Paris', after: 'Lyon' }] },
    });
    const views = [
      buildNewUserModal({ allowedAuth: ['manual'], defaultAuth: 'manual' }),
      buildEditUserModal(moodleUser, { moodleId: 50, username: 'jdoe' }),
      buildDeleteUserModal(moodleUser, {
        profileUrl: `${MOODLE}/user/profile.php?id=50`,
        metadata: { moodleId: 50, username: 'jdoe' },
      }),
      buildApproveModal(makeRequest(), { moodleUrl: MOODLE, metadata }),
      buildApproveModal(update, { moodleUrl: MOODLE, metadata }),
      buildCorrectionsModal(update, { metadata, rules: RULES }),
      buildRejectModal(makeRequest(), { moodleUrl: MOODLE, metadata }),
    ];
    for (const view of views) {
      for (const input of textInputs(view)) {
        expect(input.max, `${view.callback_id} ${input.block}`).toBeGreaterThan(0);
        if (input.block === BLOCK_IDS.reasonBlock) expect(input.max).toBe(REASON_MAX_LENGTH);
        if (input.block === BLOCK_IDS.rejectReasonBlock || input.block === BLOCK_IDS.approveCommentBlock) {
          expect(input.max).toBe(COMMENT_MAX_LENGTH);
        }
      }
    }
  });

  it('a forged Approve submission with a comment over 2000 characters gets an inline error', () => {
    const values = state(BLOCK_IDS.approveCommentBlock, INPUT_ACTION_IDS.approveCommentInput, 'x'.repeat(2001));
    expect(
      readApproveSubmission(
        makeRequest({ operation: 'delete', payload: { operation: 'delete' } }),
        values,
        undefined,
        RULES,
      ),
    ).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.approveCommentBlock]: 'The comment is too long: 2001 characters, at most 2000.' },
    });
  });

  it('a forged Reject submission with a reason over 2000 characters gets an inline error; 2000 pass', () => {
    const at = (n: number) =>
      readRejectSubmission(state(BLOCK_IDS.rejectReasonBlock, INPUT_ACTION_IDS.rejectReasonInput, 'x'.repeat(n)));
    expect(at(2001)).toEqual({
      ok: false,
      errors: { [BLOCK_IDS.rejectReasonBlock]: 'The reason is too long: 2001 characters, at most 2000.' },
    });
    expect(at(2000).ok).toBe(true);
  });
});

describe('what the modals show', () => {
  it('the decision modals quote the requester’s reason', () => {
    for (const view of [
      buildApproveModal(makeRequest({ reason: FORGED }), { moodleUrl: MOODLE, metadata }),
      buildRejectModal(makeRequest({ reason: FORGED }), { moodleUrl: MOODLE, metadata }),
    ]) {
      const lines = mrkdwnLines(view).filter((l) => l.includes('Approved by'));
      expect(lines).toEqual(['> ∗∶white_check_mark: Approved by @admin∗']);
    }
  });

  it('a hint with the value now in Moodle is one plain line without emoji', () => {
    const update = makeRequest({
      operation: 'update',
      payload: { operation: 'update', changes: [{ field: 'city', before: 'Leeds\n:tada: *done*', after: 'York' }] },
    });
    const view = buildCorrectionsModal(update, { metadata, rules: RULES });
    const city = blocksOf(view).find((b) => b.type === 'input' && b.block_id === userFieldIds('city').blockId);
    expect(city?.type === 'input' ? city.hint : undefined).toEqual({
      type: 'plain_text',
      text: 'Now in Moodle: Leeds :tada: *done*',
      emoji: false,
    });
  });

  it('names from Moodle cannot break a line on the delete modal or the account card', () => {
    const del = buildDeleteUserModal(moodleUser, {
      profileUrl: `${MOODLE}/user/profile.php?id=50`,
      metadata: { moodleId: 50, username: 'jdoe' },
    });
    expect(mrkdwnLines(del).filter((l) => l.includes('Approved'))).toEqual([
      '*Jane ∗∶white_check_mark: Approved∗ Doe*  ·  `jdoe`  ·  id 50',
    ]);
    const card = buildUserCard(
      { detail: 'full', user: moodleUser },
      { profileUrl: `${MOODLE}/user/profile.php?id=50` },
    );
    const lines = (card.blocks ?? []).flatMap((b) =>
      b.type === 'section' ? (b.fields ?? []).flatMap((f) => f.text.split('\n')) : [],
    );
    expect(lines.filter((l) => l.includes('Approved') || l.includes('quoted'))).toEqual(['Leeds &gt; quoted']);
    // The name is the card's header: plain text on one line, no emoji, the shortcode's colon broken.
    expect((card.blocks ?? [])[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Jane *∶white_check_mark: Approved* Doe', emoji: false },
    });
  });
});
