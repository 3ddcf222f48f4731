// The "New Moodle user" modal builder: ids from ids.ts (the parser and the inline errors use the same), Slack's
// Block Kit limits (options per select and per group, text lengths, metadata), and the auth/country selects.
import { describe, expect, it } from 'vitest';
import { listCountries } from '../../src/core/countries.js';
import { FIELD_MAX_LENGTHS } from '../../src/core/user-record.js';
import {
  buildCheckingView,
  buildCountryOptionGroups,
  buildNewUserModal,
  MAX_SELECT_OPTIONS,
} from '../../src/slack/blocks/new-user-modal.js';
import { LIMITS } from '../../src/slack/blocks/text.js';
import { BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import { NEW_USER_MODAL_FIELDS, parseNewUserMetadata } from '../../src/slack/views/new-user-values.js';

type AnyBlock = {
  type: string;
  block_id?: string;
  optional?: boolean;
  hint?: { text: string };
  label?: { text: string };
  element?: Record<string, unknown> & { action_id?: string; type?: string };
};

const inputs = (blocks: unknown[]) => (blocks as AnyBlock[]).filter((b) => b.type === 'input');

/** Every `text` string anywhere in a view, with the key path that holds it. */
function texts(node: unknown, path = ''): Array<{ path: string; text: string }> {
  if (Array.isArray(node)) return node.flatMap((n, i) => texts(n, `${path}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.entries(node).flatMap(([k, v]) =>
      k === 'text' && typeof v === 'string' ? [{ path, text: v }] : texts(v, `${path}.${k}`),
    );
  }
  return [];
}

describe('buildNewUserModal', () => {
  const modal = buildNewUserModal({
    allowedAuth: ['manual', 'oauth2'],
    defaultAuth: 'oauth2',
    metadata: { channelId: 'C0GENERAL' },
  });

  it('is a modal with the new user callback_id, a submit button and titles within limits', () => {
    expect(modal.type).toBe('modal');
    expect(modal.callback_id).toBe(CALLBACK_IDS.newUserModal);
    expect(modal.title.text).toBe('New Moodle user');
    for (const text of [modal.title.text, modal.submit?.text, modal.close?.text]) {
      expect(text?.length).toBeLessThanOrEqual(LIMITS.modalTitle);
    }
    expect(modal.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(modal).length).toBeLessThan(250_000);
  });

  it('has one input per field with block_id and action_id from userFieldIds, the end date, and the reason last', () => {
    const blocks = inputs(modal.blocks);
    const expected = NEW_USER_MODAL_FIELDS.map((key) => userFieldIds(key));
    expect(blocks.map((b) => b.block_id)).toEqual([
      ...expected.map((e) => e.blockId),
      BLOCK_IDS.endDateBlock,
      BLOCK_IDS.reasonBlock,
    ]);
    expect(blocks.map((b) => b.element?.action_id)).toEqual([
      ...expected.map((e) => e.actionId),
      INPUT_ACTION_IDS.endDateInput,
      INPUT_ACTION_IDS.reasonInput,
    ]);
    const end = blocks.at(-2);
    expect(end?.element?.type).toBe('datepicker');
    expect(end?.optional).toBe(true);
    const reason = blocks.at(-1);
    expect(reason?.element?.multiline).toBe(true);
    expect(reason?.optional).toBe(true);
  });

  it('requires first name, last name and email, and nothing else', () => {
    const required = inputs(modal.blocks)
      .filter((b) => !b.optional)
      .map((b) => b.block_id);
    expect(required.sort()).toEqual(['auth_block', 'email_block', 'firstname_block', 'lastname_block']);
  });

  it('says in the username input that an empty one is made from the email', () => {
    const username = inputs(modal.blocks).find((b) => b.block_id === 'username_block');
    expect(username?.optional).toBe(true);
    expect(JSON.stringify(username?.element?.placeholder)).toContain('made from the email');
    expect(username?.hint?.text).toContain('Leave it empty');
  });

  it('caps text inputs at Moodle’s column sizes and uses an email input for the email', () => {
    for (const key of ['firstname', 'lastname', 'username', 'department', 'institution', 'city', 'idnumber'] as const) {
      const block = inputs(modal.blocks).find((b) => b.block_id === userFieldIds(key).blockId);
      expect(block?.element?.type).toBe('plain_text_input');
      expect(block?.element?.max_length).toBe(FIELD_MAX_LENGTHS[key]);
    }
    expect(inputs(modal.blocks).find((b) => b.block_id === 'email_block')?.element?.type).toBe('email_text_input');
  });

  it('offers ALLOWED_AUTH with DEFAULT_AUTH chosen', () => {
    const auth = inputs(modal.blocks).find((b) => b.block_id === 'auth_block');
    expect(auth?.element?.type).toBe('static_select');
    expect((auth?.element?.options as Array<{ value: string }> | undefined)?.map((o) => o.value)).toEqual([
      'manual',
      'oauth2',
    ]);
    expect((auth?.element?.initial_option as { value: string } | undefined)?.value).toBe('oauth2');
    // Words, not codes: people choose "Moodle login", Moodle receives manual.
    expect(
      (auth?.element?.options as Array<{ text: { text: string }; value: string }> | undefined)?.map((o) => [
        o.text.text,
        o.value,
      ]),
    ).toEqual([
      ['Moodle login', 'manual'],
      ['OAuth 2 single sign-on', 'oauth2'],
    ]);
  });

  it('leaves the auth choice out when only one method is allowed', () => {
    const single = buildNewUserModal({ allowedAuth: ['manual'], defaultAuth: 'manual' });
    expect(inputs(single.blocks).some((b) => b.block_id === 'auth_block')).toBe(false);
  });

  it('carries the channel in private_metadata', () => {
    expect(parseNewUserMetadata(modal.private_metadata)).toEqual({ channelId: 'C0GENERAL' });
    expect(modal.private_metadata?.length).toBeLessThanOrEqual(LIMITS.privateMetadata);
  });

  it('keeps every text within Slack’s limits', () => {
    for (const { path, text } of texts(modal)) {
      expect(text.length, path).toBeGreaterThan(0);
      const max = path.includes('option')
        ? LIMITS.optionText
        : path.includes('placeholder')
          ? LIMITS.placeholder
          : 3000;
      expect(text.length, path).toBeLessThanOrEqual(max);
    }
  });
});

describe('buildCountryOptionGroups', () => {
  const groups = buildCountryOptionGroups();

  it('lists every country Moodle knows exactly once, by code', () => {
    const values = groups.flatMap((g) => g.options.map((o) => o.value));
    expect(values).toHaveLength(listCountries().length);
    expect(new Set(values)).toEqual(new Set(listCountries().map((c) => c.code)));
  });

  it('respects Slack’s limits: ≤100 groups, ≤100 options each, option text and value ≤75', () => {
    expect(listCountries().length).toBeGreaterThan(MAX_SELECT_OPTIONS); // why groups are needed at all
    expect(groups.length).toBeLessThanOrEqual(MAX_SELECT_OPTIONS);
    for (const group of groups) {
      expect(group.options.length).toBeGreaterThan(0);
      expect(group.options.length).toBeLessThanOrEqual(MAX_SELECT_OPTIONS);
      expect(group.label.text.length).toBeLessThanOrEqual(LIMITS.optionText);
      for (const option of group.options) {
        expect(option.text.text.length).toBeLessThanOrEqual(LIMITS.optionText);
        expect(option.value?.length).toBeLessThanOrEqual(LIMITS.optionValue);
      }
    }
  });

  it('groups by initial without accents (Åland Islands under A)', () => {
    const a = groups.find((g) => g.label.text === 'A');
    expect(a?.options.some((o) => o.value === 'AX')).toBe(true);
    expect(groups.map((g) => g.label.text)).toEqual([...groups.map((g) => g.label.text)].sort());
  });
});

describe('buildCheckingView', () => {
  it('has no inputs and no submit button, and says what is happening', () => {
    const view = buildCheckingView();
    expect(view.submit).toBeUndefined();
    expect(inputs(view.blocks)).toHaveLength(0);
    expect(JSON.stringify(view)).toContain('Checking Moodle');
  });
});
