// account-view.ts: what a plain requester's edit form is filled with, and what a blank there means. The sign-in
// method (auth) is approver-only like the contact fields: blank in the form, kept when left blank.
import { describe, expect, it } from 'vitest';
import { keepHiddenFields, PRIVATE_FIELDS, redactForEdit } from '../../src/core/account-view.js';
import type { MoodleUser } from '../../src/core/moodle-gateway.js';

const USER: MoodleUser = {
  id: 7,
  username: 'jdoe',
  firstname: 'Jane',
  lastname: 'Doe',
  fullname: 'Jane Doe',
  email: 'jane@example.org',
  auth: 'oauth2',
  suspended: false,
  confirmed: true,
  idnumber: 'ID-7',
  phone1: '0113 496 0001',
  phone2: '0113 496 0002',
  address: '1 Road',
  institution: 'Uni',
  department: 'Maths',
  city: 'Leeds',
  country: 'GB',
};

describe('the fields only approvers and admins read', () => {
  it('are the contact fields, the identifiers and the sign-in method', () => {
    expect([...PRIVATE_FIELDS].sort()).toEqual(
      ['address', 'auth', 'department', 'email', 'idnumber', 'institution', 'phone1', 'phone2'].sort(),
    );
  });

  it('are blank in a requester’s edit form, the sign-in method included; the rest is as it is', () => {
    const redacted = redactForEdit(USER);
    for (const field of PRIVATE_FIELDS) expect(redacted[field]).toBe('');
    expect(JSON.stringify(redacted)).not.toContain('oauth2');
    expect(redacted).toMatchObject({ id: 7, username: 'jdoe', firstname: 'Jane', city: 'Leeds', country: 'GB' });
    expect(USER.auth).toBe('oauth2');
  });

  it('left blank by a requester, are kept (not sent as a change); typed, they are', () => {
    expect(keepHiddenFields({ auth: ' ', email: '', city: '' })).toEqual({ city: '' });
    expect(keepHiddenFields({ auth: 'manual', city: 'York' })).toEqual({ auth: 'manual', city: 'York' });
  });
});
