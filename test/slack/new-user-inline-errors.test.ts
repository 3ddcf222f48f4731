// Where the modal's problems are shown: `response_action: errors` keyed by the block_id of the field's input,
// with problems that have no input of their own under the email.
import { describe, expect, it } from 'vitest';
import { buildInlineErrors } from '../../src/slack/listeners/views/new-user-submission.js';

describe('buildInlineErrors', () => {
  it('keys each problem by its field’s block_id', () => {
    expect(
      buildInlineErrors(
        [
          { field: 'username', message: 'Username must be in lowercase.' },
          { field: 'country', message: 'Country is not known.' },
          { field: 'reason', message: 'Too long.' },
        ],
        ['manual'],
      ),
    ).toEqual({
      username_block: 'Username must be in lowercase.',
      country_block: 'Country is not known.',
      reason_block: 'Too long.',
    });
  });

  it('joins several problems of one field', () => {
    const errors = buildInlineErrors(
      [
        { field: 'firstname', message: 'A.' },
        { field: 'firstname', message: 'B.' },
      ],
      ['manual'],
    );
    expect(errors).toEqual({ firstname_block: 'A. B.' });
  });

  it('puts problems without an input in the view (the record, hidden fields) under the email', () => {
    const errors = buildInlineErrors(
      [
        { field: '*', message: 'Whole record.' },
        { field: 'lang', message: 'Language.' },
        { field: 'auth', message: 'Auth.' },
      ],
      ['manual'],
    );
    expect(errors).toEqual({ email_block: 'Whole record. Language. Auth.' });
  });

  it('uses the auth block when the view has one', () => {
    expect(buildInlineErrors([{ field: 'auth', message: 'Auth.' }], ['manual', 'oauth2'])).toEqual({
      auth_block: 'Auth.',
    });
  });

  it('cuts a very long message', () => {
    const errors = buildInlineErrors([{ field: 'city', message: 'x'.repeat(5_000) }], ['manual']);
    expect(errors.city_block?.length).toBeLessThanOrEqual(2_000);
    expect(errors.city_block?.endsWith('…')).toBe(true);
  });
});
