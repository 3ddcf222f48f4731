import { describe, expect, it } from 'vitest';
import type { CreateUserInput } from '../../src/core/moodle-gateway.js';
import {
  countCreateUserFields,
  EncodeError,
  encodeCreateUser,
  encodeFormBody,
  encodeUpdateUser,
  flattenParams,
} from '../../src/moodle/encode.js';

const alice: CreateUserInput = {
  username: 'gt_alice',
  firstname: 'Alice',
  lastname: 'Anderson',
  email: 'gt_alice@example.com',
  auth: 'manual',
  createpassword: true,
};

describe('flattenParams', () => {
  it('writes nested arrays with explicit indices, in order', () => {
    const fields = flattenParams({
      users: [
        { username: 'a', customfields: [{ type: 'dept', value: 'HR' }] },
        { username: 'b', customfields: [] },
      ],
    });
    expect(fields).toEqual([
      ['users[0][username]', 'a'],
      ['users[0][customfields][0][type]', 'dept'],
      ['users[0][customfields][0][value]', 'HR'],
      ['users[1][username]', 'b'],
    ]);
  });

  it('sends booleans as 1/0 and integers canonically', () => {
    expect(flattenParams({ a: true, b: false, c: 12, d: -3, e: -0 })).toEqual([
      ['a', '1'],
      ['b', '0'],
      ['c', '12'],
      ['d', '-3'],
      ['e', '0'],
    ]);
  });

  it('omits undefined, null and empty arrays, but keeps empty strings', () => {
    expect(flattenParams({ a: undefined, b: null, c: [], d: '' })).toEqual([['d', '']]);
  });

  it('keeps indices contiguous when an array has holes', () => {
    expect(flattenParams({ userids: [4, undefined, 5] })).toEqual([
      ['userids[0]', '4'],
      ['userids[1]', '5'],
    ]);
  });

  it('refuses numbers Moodle would not take as PARAM_INT', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => flattenParams({ id: bad })).toThrow(EncodeError);
    }
  });

  it('refuses text that is not well-formed Unicode', () => {
    expect(() => flattenParams({ firstname: 'a\uD800b' })).toThrow(/not valid Unicode/);
  });
});

describe('encodeFormBody', () => {
  it('percent-encodes brackets and UTF-8 text', () => {
    const body = encodeFormBody(flattenParams({ users: [{ firstname: 'Zoë Łukasz 李', lastname: 'a&b=c+d' }] }));
    expect(body).toBe(
      'users%5B0%5D%5Bfirstname%5D=Zo%C3%AB+%C5%81ukasz+%E6%9D%8E&users%5B0%5D%5Blastname%5D=a%26b%3Dc%2Bd',
    );
    const back = new URLSearchParams(body);
    expect(back.get('users[0][firstname]')).toBe('Zoë Łukasz 李');
    expect(back.get('users[0][lastname]')).toBe('a&b=c+d');
  });
});

describe('encodeCreateUser', () => {
  it('sends the fields of real-responses b1 and nothing else', () => {
    expect(flattenParams({ users: [encodeCreateUser(alice)] })).toEqual([
      ['users[0][username]', 'gt_alice'],
      ['users[0][firstname]', 'Alice'],
      ['users[0][lastname]', 'Anderson'],
      ['users[0][email]', 'gt_alice@example.com'],
      ['users[0][auth]', 'manual'],
      ['users[0][createpassword]', '1'],
    ]);
  });

  it('never sends a password together with createpassword', () => {
    const fields = flattenParams({ users: [encodeCreateUser({ ...alice, password: 'Str0ng!Pass' })] });
    expect(fields.map(([k]) => k)).not.toContain('users[0][password]');
  });

  it('sends a password when createpassword is not set', () => {
    const { createpassword: _, ...rest } = alice;
    const fields = flattenParams({ users: [encodeCreateUser({ ...rest, password: 'Str0ng!Pass' })] });
    expect(fields).toContainEqual(['users[0][password]', 'Str0ng!Pass']);
    expect(fields.map(([k]) => k)).not.toContain('users[0][createpassword]');
  });

  it('drops keys Moodle does not accept on create, and empty optional fields', () => {
    const user = { ...alice, slackid: 'U123', suspended: true, city: '', department: 'Maths' } as CreateUserInput;
    const keys = flattenParams({ users: [encodeCreateUser(user)] }).map(([k]) => k);
    expect(keys).not.toContain('users[0][slackid]');
    expect(keys).not.toContain('users[0][suspended]');
    expect(keys).not.toContain('users[0][city]');
    expect(keys).toContain('users[0][department]');
  });

  it('encodes custom fields and preferences, omitting them when empty', () => {
    const fields = flattenParams({
      users: [
        encodeCreateUser({
          ...alice,
          customfields: [{ type: 'team', value: 'Blue' }],
          preferences: [],
        }),
      ],
    });
    expect(fields).toContainEqual(['users[0][customfields][0][type]', 'team']);
    expect(fields).toContainEqual(['users[0][customfields][0][value]', 'Blue']);
    expect(fields.some(([k]) => k.includes('preferences'))).toBe(false);
  });

  it('counts the form fields of a user', () => {
    expect(countCreateUserFields(alice)).toBe(6);
    expect(countCreateUserFields({ ...alice, customfields: [{ type: 't', value: 'v' }] })).toBe(8);
  });

  it('counts exactly the fields the encoder makes, for every kind of user', () => {
    const users: CreateUserInput[] = [
      alice,
      { ...alice, createpassword: true, password: 'ignored' },
      { ...alice, password: 'S3cret!pass' },
      { ...alice, city: 'Paris', country: 'FR', department: '', idnumber: 'A1', lang: 'fr', timezone: '99' },
      { ...alice, preferences: [{ type: 'auth_forcepasswordchange', value: '1' }], customfields: [] },
    ];
    for (const user of users) {
      expect(countCreateUserFields(user)).toBe(flattenParams(encodeCreateUser(user)).length);
    }
  });
});

describe('encodeUpdateUser', () => {
  it('sends the id, the fields given (empty strings clear), and suspended as 1/0', () => {
    expect(flattenParams({ users: [encodeUpdateUser({ id: 123, suspended: true, department: '' })] })).toEqual([
      ['users[0][id]', '123'],
      ['users[0][department]', ''],
      ['users[0][suspended]', '1'],
    ]);
    expect(flattenParams({ users: [encodeUpdateUser({ id: 5, suspended: false })] })).toContainEqual([
      'users[0][suspended]',
      '0',
    ]);
  });
});
