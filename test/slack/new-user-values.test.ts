// The modal-submission parser: Slack's view.state.values and private_metadata are untrusted. Well-formed values are
// picked out by field; empty inputs are absent; anything malformed becomes a problem on its field, never a throw
// (checked over random shapes with fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLOCK_IDS, INPUT_ACTION_IDS, userFieldIds } from '../../src/slack/ids.js';
import {
  encodeNewUserMetadata,
  NEW_USER_MODAL_FIELDS,
  parseNewUserMetadata,
  parseNewUserValues,
} from '../../src/slack/views/new-user-values.js';

const text = (key: Parameters<typeof userFieldIds>[0], value: string | null, type = 'plain_text_input') => {
  const { blockId, actionId } = userFieldIds(key);
  return { [blockId]: { [actionId]: { type, value } } };
};
const select = (key: 'auth' | 'country', value: string | null) => {
  const { blockId, actionId } = userFieldIds(key);
  return {
    [blockId]: {
      [actionId]: {
        type: 'static_select',
        selected_option: value === null ? null : { text: { type: 'plain_text', text: value }, value },
      },
    },
  };
};

describe('parseNewUserValues', () => {
  it('picks every field of a well-formed submission by its README key', () => {
    const result = parseNewUserValues({
      ...text('firstname', 'Jane'),
      ...text('lastname', 'Doe'),
      ...text('email', 'jane@example.org', 'email_text_input'),
      ...text('username', 'jdoe'),
      ...select('auth', 'oauth2'),
      ...text('department', 'Science'),
      ...text('institution', 'North School'),
      ...text('city', 'York'),
      ...select('country', 'GB'),
      ...text('idnumber', 'T-1'),
      [BLOCK_IDS.reasonBlock]: { [INPUT_ACTION_IDS.reasonInput]: { type: 'plain_text_input', value: 'new staff' } },
    });
    expect(result).toEqual({
      problems: [],
      fields: {
        firstname: 'Jane',
        lastname: 'Doe',
        email: 'jane@example.org',
        username: 'jdoe',
        auth: 'oauth2',
        department: 'Science',
        institution: 'North School',
        city: 'York',
        country: 'GB',
        idnumber: 'T-1',
        reason: 'new staff',
      },
    });
  });

  it('leaves out empty inputs, unchosen selects and blocks the view did not have', () => {
    const result = parseNewUserValues({
      ...text('firstname', 'Jane'),
      ...text('username', null),
      ...text('city', '   '),
      ...select('country', null),
    });
    expect(result).toEqual({ fields: { firstname: 'Jane' }, problems: [] });
  });

  it('keeps values as typed (validation is the core’s job)', () => {
    expect(parseNewUserValues(text('username', ' JDoe ')).fields).toEqual({ username: ' JDoe ' });
  });

  it('ignores blocks it does not know', () => {
    expect(parseNewUserValues({ other_block: { x: { type: 'plain_text_input', value: 'a' } } })).toEqual({
      fields: {},
      problems: [],
    });
  });

  it('reports a value in the wrong shape on its field', () => {
    const result = parseNewUserValues({
      ...text('firstname', 'Jane'),
      email_block: { email_input: { type: 'email_text_input', value: 42 } },
      country_block: { country_input: { type: 'static_select', selected_option: 'GB' } },
      lastname_block: 'nonsense',
    });
    expect(result.fields).toEqual({ firstname: 'Jane' });
    expect(result.problems.map((p) => p.field).sort()).toEqual(['country', 'email', 'lastname']);
    for (const problem of result.problems) expect(problem.message).toContain('Close the form and open it again');
  });

  it('reports a select sent as text and text sent as a select', () => {
    const result = parseNewUserValues({
      ...text('country', 'GB'),
      ...{ firstname_block: { firstname_input: { type: 'static_select', selected_option: { value: 'x' } } } },
    });
    expect(result.problems.map((p) => p.field).sort()).toEqual(['country', 'firstname']);
  });

  it.each([undefined, null, 'text', 42, [], [1, 2]])('gives one problem for state values %j', (state) => {
    const result = parseNewUserValues(state);
    expect(result.fields).toEqual({});
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]?.field).toBe('*');
  });

  it('never throws and always returns strings, over 2,000 random state shapes', () => {
    const ids = [
      ...NEW_USER_MODAL_FIELDS.map((k) => userFieldIds(k)),
      { blockId: 'reason_block', actionId: 'reason_input' },
    ];
    const blockId = fc.oneof(fc.constantFrom(...ids.map((i) => i.blockId)), fc.string(), fc.constant('__proto__'));
    const actionId = fc.oneof(fc.constantFrom(...ids.map((i) => i.actionId)), fc.string(), fc.constant('constructor'));
    const stateValue = fc.oneof(
      fc.anything(),
      fc.record(
        {
          type: fc.oneof(fc.constantFrom('plain_text_input', 'email_text_input', 'static_select'), fc.string()),
          value: fc.oneof(fc.string(), fc.constant(null), fc.anything()),
          selected_option: fc.oneof(
            fc.constant(null),
            fc.record({ value: fc.oneof(fc.string(), fc.anything()) }),
            fc.anything(),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    const state = fc.oneof(
      fc.anything(),
      fc.dictionary(blockId, fc.oneof(fc.anything(), fc.dictionary(actionId, stateValue))),
    );
    fc.assert(
      fc.property(state, (s) => {
        const result = parseNewUserValues(s);
        for (const value of Object.values(result.fields)) {
          expect(typeof value).toBe('string');
          expect(value.trim()).not.toBe('');
        }
        for (const problem of result.problems) {
          expect(typeof problem.field).toBe('string');
          expect(problem.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('private_metadata', () => {
  it('round-trips the channel id', () => {
    expect(parseNewUserMetadata(encodeNewUserMetadata({ channelId: 'C0GENERAL' }))).toEqual({ channelId: 'C0GENERAL' });
    expect(parseNewUserMetadata(encodeNewUserMetadata({}))).toEqual({});
  });

  it.each([undefined, '', 'not json', '[]', '{"channelId":42}', '{"channelId":"U0PERSON"}', '{"channelId":"C<x>"}'])(
    'ignores %j',
    (metadata) => {
      expect(parseNewUserMetadata(metadata)).toEqual({});
    },
  );
});
