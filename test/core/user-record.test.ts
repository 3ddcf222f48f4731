import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildUserRecordSchema,
  FIELD_LABELS,
  FIELD_MAX_LENGTHS,
  type FieldProblem,
  isValidEmail,
  PROFILE_FIELD_KEYS,
  validateNewUser,
  validateUserUpdate,
} from '../../src/core/user-record.js';

const options = { allowedAuth: ['manual', 'oauth2'], defaultAuth: 'manual' } as const;
const valid = { username: 'gt_new', firstname: 'New', lastname: 'User', email: 'gt_new@example.com' };

function problemsOf(input: Record<string, string | undefined>): FieldProblem[] {
  const result = validateNewUser(input, options);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.record)}`);
  return result.problems;
}

function onlyProblem(input: Record<string, string | undefined>): FieldProblem {
  const problems = problemsOf(input);
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe('validateNewUser: the records real Moodle refused (docs/moodle/real-responses.md section c)', () => {
  it('c3: uppercase username is refused with the lowercase version suggested', () => {
    const problem = onlyProblem({
      username: 'GT_Upper',
      firstname: 'Upper',
      lastname: 'Case',
      email: 'gt_upper@example.com',
    });
    expect(problem).toEqual({ field: 'username', message: 'Username must be in lowercase: use "gt_upper" instead.' });
  });

  it('c4a: username with a space', () => {
    const problem = onlyProblem({
      username: 'gt space',
      firstname: 'Space',
      lastname: 'Name',
      email: 'gt_space@example.com',
    });
    expect(problem.field).toBe('username');
    expect(problem.message).toBe('Username may only contain lowercase letters, digits and - . _ @ (not space).');
  });

  it('c4b: username with # and !', () => {
    const problem = onlyProblem({
      username: 'gt#bad!',
      firstname: 'Bad',
      lastname: 'Chars',
      email: 'gt_badchars@example.com',
    });
    expect(problem.message).toBe('Username may only contain lowercase letters, digits and - . _ @ (not "#", "!").');
  });

  it('c5: invalid email', () => {
    const problem = onlyProblem({
      username: 'gt_bademail',
      firstname: 'Bad',
      lastname: 'Email',
      email: 'not-an-email',
    });
    expect(problem.field).toBe('email');
    expect(problem.message).toContain('"not-an-email" is not valid');
  });

  it('says which of the four required fields is missing', () => {
    for (const [field, label] of [
      ['username', 'Username'],
      ['email', 'Email address'],
      ['firstname', 'First name'],
      ['lastname', 'Last name'],
    ] as const) {
      const { [field]: _, ...rest } = valid;
      expect(onlyProblem(rest)).toEqual({ field, message: `${label} is required.` });
    }
  });

  it('c7: missing firstname', () => {
    const problem = onlyProblem({ username: 'gt_nofirst', lastname: 'Nofirst', email: 'gt_nofirst@example.com' });
    expect(problem).toEqual({ field: 'firstname', message: 'First name is required.' });
  });

  it('c7b: empty firstname, and one made only of spaces', () => {
    const base = { username: 'gt_emptyfirst', lastname: 'Empty', email: 'gt_emptyfirst@example.com' };
    expect(onlyProblem({ ...base, firstname: '' })).toEqual({
      field: 'firstname',
      message: 'First name cannot be blank.',
    });
    expect(onlyProblem({ ...base, firstname: '   ' })).toEqual({
      field: 'firstname',
      message: 'First name cannot be blank.',
    });
  });

  it('c11: firstname of 300 characters (Moodle: dmlwriteexception)', () => {
    const problem = onlyProblem({ ...valid, firstname: 'A'.repeat(300) });
    expect(problem).toEqual({ field: 'firstname', message: 'First name is too long: 300 characters, at most 100.' });
  });

  it('c13: username of 123 characters', () => {
    const problem = onlyProblem({ ...valid, username: `gt_${'x'.repeat(120)}` });
    expect(problem).toEqual({ field: 'username', message: 'Username is too long: 123 characters, at most 100.' });
  });

  it('e7: the update to email "bad" is refused too', () => {
    const result = validateUserUpdate({ email: 'bad' }, options);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.field)).toEqual(['email']);
  });

  it('c9: an auth plugin outside ALLOWED_AUTH', () => {
    expect(onlyProblem({ ...valid, auth: 'foo' })).toEqual({
      field: 'auth',
      message: 'Authentication method "foo" is not allowed here; use one of manual, oauth2.',
    });
  });

  it('names the one allowed auth plugin directly', () => {
    const only = { allowedAuth: ['manual'], defaultAuth: 'manual' };
    const result = validateNewUser({ ...valid, auth: 'ldap' }, only);
    expect(!result.ok && result.problems).toEqual([
      { field: 'auth', message: 'Authentication method "ldap" is not allowed here; use manual.' },
    ]);
  });

  it('an unknown key is told the fields there are', () => {
    expect(onlyProblem({ ...valid, slackid: 'U1' })).toEqual({
      field: 'slackid',
      message: `"slackid" is not a user field; the fields are ${PROFILE_FIELD_KEYS.join(', ')}.`,
    });
    expect(PROFILE_FIELD_KEYS.join(', ')).toMatch(/^username, email, /);
  });

  it('c12: an unknown key is named', () => {
    const problem = onlyProblem({ ...valid, slackid: 'U123' });
    expect(problem.field).toBe('slackid');
    expect(problem.message).toContain('"slackid" is not a user field');
  });
});

describe('validateNewUser: accepted records', () => {
  it('returns the trimmed record with the default auth', () => {
    const result = validateNewUser({ ...valid, username: '  gt_new ', email: ' gt_new@example.com  ' }, options);
    expect(result).toEqual({ ok: true, record: { ...valid, auth: 'manual' } });
  });

  it('keeps unicode names and normalises them to NFC', () => {
    const result = validateNewUser(
      { ...valid, firstname: 'Zoe\u0308', lastname: '王小明', institution: 'Ško\u0301la Łódź', city: 'São Paulo' },
      options,
    );
    expect(result.ok && result.record).toMatchObject({
      firstname: 'Zoë',
      lastname: '王小明',
      institution: 'Škóla Łódź',
      city: 'São Paulo',
    });
  });

  it('accepts "0" as a name (Moodle only refuses blank ones)', () => {
    expect(validateNewUser({ ...valid, firstname: '0' }, options).ok).toBe(true);
  });

  it('accepts every allowed character in a username', () => {
    expect(validateNewUser({ ...valid, username: 'a-b.c_d@e9' }, options).ok).toBe(true);
  });

  it('normalises country codes and names, lang codes; omits empty optional fields', () => {
    const result = validateNewUser(
      {
        ...valid,
        country: 'de',
        lang: 'pt-BR',
        timezone: 'Europe/Berlin',
        city: '',
        phone1: undefined,
        reason: 'new teacher',
      },
      options,
    );
    expect(result).toEqual({
      ok: true,
      record: { ...valid, auth: 'manual', country: 'DE', lang: 'pt_br', timezone: 'Europe/Berlin' },
    });
    const byName = validateNewUser({ ...valid, country: "cote d'ivoire" }, options);
    expect(byName.ok).toBe(false);
    expect(validateNewUser({ ...valid, country: 'Côte d’Ivoire' }, options)).toMatchObject({
      record: { country: 'CI' },
    });
    expect(validateNewUser({ ...valid, country: 'united kingdom' }, options)).toMatchObject({
      record: { country: 'GB' },
    });
  });

  it('uses the given auth when allowed, and the default when it is blank', () => {
    expect(validateNewUser({ ...valid, auth: 'oauth2' }, options)).toMatchObject({ record: { auth: 'oauth2' } });
    expect(validateNewUser({ ...valid, auth: ' ' }, options)).toMatchObject({ record: { auth: 'manual' } });
  });

  it('accepts 99 and real time zones', () => {
    for (const timezone of ['99', 'UTC', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince']) {
      expect(validateNewUser({ ...valid, timezone }, options).ok, timezone).toBe(true);
    }
  });

  it('takes time zones by the names Moodle accepts, digits inside a name too, but not numeric offsets', () => {
    for (const timezone of ['EST5EDT', 'Asia/Ho_Chi_Minh', 'europe/london']) {
      expect(validateNewUser({ ...valid, timezone }, options).ok, timezone).toBe(true);
    }
    // Etc/GMT+5 is in the time zone database, but PARAM_TIMEZONE refuses it.
    for (const timezone of ['Etc/GMT+5', 'Etc/GMT-14', '+5', '-3.5', '5.5', '13', 'UTC!', '/UTC']) {
      expect(onlyProblem({ ...valid, timezone }).field, timezone).toBe('timezone');
    }
  });

  it('takes language codes only from their start', () => {
    for (const lang of ['9en', 'x_en', '_en']) expect(onlyProblem({ ...valid, lang }).field, lang).toBe('lang');
  });
});

describe('validateNewUser: every problem at once', () => {
  it('lists each field, in field order, with a sentence each', () => {
    const problems = problemsOf({
      username: 'Bad Name',
      email: 'x@',
      lastname: 'L',
      auth: 'ldap',
      country: 'XX',
      lang: 'english!',
      timezone: 'Mars/Olympus',
      phone2: '+1 555 0100 0100 0100 9',
      city: '<b>Paris</b>',
    });
    expect(problems.map((p) => p.field)).toEqual([
      'username',
      'email',
      'firstname',
      'auth',
      'city',
      'country',
      'lang',
      'timezone',
      'phone2',
    ]);
    for (const p of problems) expect(p.message).toMatch(/^[A-Z"].*\.$/);
    expect(problems.find((p) => p.field === 'username')?.message).toContain('(not space)');
  });

  it('past twice the column size reports only the length; up to it, every problem', () => {
    const twice = `${'a\t'.repeat(99)}aa`;
    expect(problemsOf({ ...valid, firstname: twice }).map((p) => p.message)).toEqual([
      'First name may not contain line breaks, tabs or control characters.',
      'First name is too long: 200 characters, at most 100.',
    ]);
    expect(onlyProblem({ ...valid, firstname: `${twice}\ta` }).message).toBe(
      'First name is too long: 202 characters, at most 100.',
    );
  });

  it('reports every problem of one field too', () => {
    const problems = problemsOf({ ...valid, firstname: `<${'x'.repeat(100)}` });
    expect(problems.map((p) => p.message)).toEqual([
      'First name may not contain < or > (Moodle removes anything that looks like HTML).',
      'First name is too long: 101 characters, at most 100.',
    ]);
  });

  it('refuses < and > in every field Moodle strips HTML from, and only there', () => {
    for (const field of ['firstname', 'lastname', 'institution', 'department', 'city', 'address', 'phone1', 'phone2']) {
      const problem = onlyProblem({ ...valid, [field]: 'a<b>c' });
      expect(problem.field).toBe(field);
      expect(problem.message).toContain('may not contain < or > (Moodle removes anything that looks like HTML).');
    }
    expect(validateNewUser({ ...valid, idnumber: '<T-17>' }, options).ok).toBe(true);
  });

  it('shows a long value cut to 60 characters with an ellipsis, and a shorter one whole', () => {
    const long = `${'a'.repeat(70)}@example.org`;
    expect(onlyProblem({ ...valid, email: `${long}!` }).message).toBe(
      `Email address "${'a'.repeat(59)}…" is not valid: write it as name@example.org, without spaces or accents.`,
    );
    const sixty = `b@${'c'.repeat(57)}!`;
    expect(onlyProblem({ ...valid, email: sixty }).message).toBe(
      `Email address "${sixty}" is not valid: write it as name@example.org, without spaces or accents.`,
    );
  });

  it('names the characters a username may not have: a space, other whitespace, control characters, at most five', () => {
    const message = (username: string) => problemsOf({ ...valid, username }).map((p) => p.message);
    expect(message('a\tb')).toContain(
      'Username may only contain lowercase letters, digits and - . _ @ (not whitespace).',
    );
    expect(message('a!b#c$d%e&f*g')).toEqual([
      'Username may only contain lowercase letters, digits and - . _ @ (not "!", "#", "$", "%", "&").',
    ]);
  });

  it('shows a pasted line break inside a value as a space', () => {
    expect(problemsOf({ ...valid, email: 'jane\n@example.org' }).map((p) => p.message)).toContain(
      'Email address "jane @example.org" is not valid: write it as name@example.org, without spaces or accents.',
    );
  });

  it('leaves blank optional fields of a new user out, language and time zone too', () => {
    expect(validateNewUser({ ...valid, lang: '', timezone: ' ', city: '' }, options)).toEqual({
      ok: true,
      record: { ...valid, auth: 'manual' },
    });
  });

  it('a country that is not one is one problem, not also "too long"', () => {
    expect(onlyProblem({ ...valid, country: 'Narnia' }).message).toBe(
      'Country "Narnia" is not one Moodle knows: use a two-letter code such as GB, DE or US, or the English name.',
    );
  });

  it('refuses control characters and broken UTF-16', () => {
    expect(onlyProblem({ ...valid, lastname: 'Doe\nSmith' }).message).toContain('line breaks');
    const username = problemsOf({ ...valid, username: 'a\u0007b' }).map((p) => p.message);
    expect(username).toContain(
      'Username may only contain lowercase letters, digits and - . _ @ (not control characters).',
    );
    expect(onlyProblem({ ...valid, lastname: 'Doe\uD800' }).message).toBe(
      'Last name contains characters that are not valid text.',
    );
  });

  it('names every field as Moodle’s forms do', () => {
    const labels = {
      username: 'Username',
      email: 'Email address',
      firstname: 'First name',
      lastname: 'Last name',
      auth: 'Authentication method',
      idnumber: 'ID number',
      institution: 'Institution',
      department: 'Department',
      city: 'City/town',
      country: 'Country',
      lang: 'Language',
      timezone: 'Time zone',
      phone1: 'Phone',
      phone2: 'Mobile phone',
      address: 'Address',
    };
    expect(FIELD_LABELS).toEqual(labels);
    // Settings of its own, so that the schema (cached per settings) is built within this test.
    const own = { allowedAuth: ['manual', 'email'], defaultAuth: 'manual' };
    for (const [field, label] of Object.entries(labels)) {
      const result = validateNewUser({ ...valid, [field]: 42 } as unknown as Record<string, string>, own);
      expect(!result.ok && result.problems).toEqual([{ field, message: `${label} must be text.` }]);
    }
  });

  it('anything but a set of fields is one problem', () => {
    for (const input of [null, 'username=jdoe', ['jdoe']]) {
      expect(validateNewUser(input as unknown as Record<string, string>, options)).toEqual({
        ok: false,
        problems: [{ field: '*', message: 'No user fields were given.' }],
      });
    }
  });

  it('says "must be text" for non-string values instead of throwing', () => {
    const input = { ...valid, city: 42 } as unknown as Record<string, string>;
    expect(onlyProblem(input)).toEqual({ field: 'city', message: 'City/town must be text.' });
    expect(validateNewUser(null as unknown as Record<string, string>, options).ok).toBe(false);
  });
});

describe('field lengths at the boundary (Moodle column sizes)', () => {
  const textKeys = [
    'firstname',
    'lastname',
    'idnumber',
    'institution',
    'department',
    'city',
    'address',
    'phone1',
    'phone2',
  ] as const;

  it.each(textKeys)('%s: the maximum passes, one more fails', (key) => {
    const max = FIELD_MAX_LENGTHS[key];
    // Multi-byte characters: the limit counts characters, as PostgreSQL and MySQL utf8mb4 do.
    const char = key.startsWith('phone') || key === 'idnumber' ? '7' : 'é';
    expect(validateNewUser({ ...valid, [key]: char.repeat(max) }, options).ok).toBe(true);
    expect(onlyProblem({ ...valid, [key]: char.repeat(max + 1) })).toEqual({
      field: key,
      message: expect.stringContaining(`too long: ${max + 1} characters, at most ${max}.`),
    });
  });

  it('username: 100 passes, 101 fails', () => {
    expect(validateNewUser({ ...valid, username: 'u'.repeat(100) }, options).ok).toBe(true);
    expect(onlyProblem({ ...valid, username: 'u'.repeat(101) }).field).toBe('username');
  });

  it('email: 100 passes, 101 fails', () => {
    const at100 = `${'e'.repeat(64)}@${'d'.repeat(31)}.org`;
    const at101 = `${'e'.repeat(64)}@${'d'.repeat(32)}.org`;
    expect(at100).toHaveLength(100);
    expect(validateNewUser({ ...valid, email: at100 }, options).ok).toBe(true);
    expect(onlyProblem({ ...valid, email: at101 }).message).toBe(
      'Email address is too long: 101 characters, at most 100.',
    );
  });

  it('timezone and lang limits', () => {
    expect(onlyProblem({ ...valid, lang: `en_${'a'.repeat(28)}` }).message).toContain('at most 30');
    expect(validateNewUser({ ...valid, lang: `en_${'a'.repeat(27)}` }, options).ok).toBe(true);
  });
});

describe('isValidEmail (Moodle validate_email = PHP FILTER_VALIDATE_EMAIL + no < >)', () => {
  it.each([
    'a@b.co',
    'first.last@example.org',
    'a.b+tag@sub-domain.example.org',
    "o'brien@example.ie",
    'x@xn--bcher-kva.ch',
    'user@[192.168.1.1]',
    '"quoted"@example.org',
    'UPPER@EXAMPLE.ORG',
  ])('accepts %s', (email) => expect(isValidEmail(email)).toBe(true));

  it.each([
    '',
    'not-an-email',
    'bad',
    'a@localhost',
    'a@',
    '@b.org',
    'a..b@x.org',
    '.a@x.org',
    'a.@x.org',
    'a b@x.org',
    'jośe@example.org',
    'a@exämple.org',
    'a@x.123',
    'a@-x.org',
    '<a@x.org>',
    'a@x.org\n',
    `${'a'.repeat(65)}@x.org`,
    `a@${'b'.repeat(64)}.org`,
    'a@[IPv6:::1]',
  ])('refuses %j', (email) => expect(isValidEmail(email)).toBe(false));

  it('refuses < and >, line breaks and over-long addresses that the address pattern alone would let through', () => {
    for (const email of [
      '"<script>"@example.org',
      '"a>b"@example.org',
      '"a\\\nb"@example.org',
      '"a\\\rb"@example.org',
    ]) {
      expect(isValidEmail(email), email).toBe(false);
    }
    // PHP's filter stops at 320 characters: a local part of 64 and a domain of 255.
    const domain = `${'b'.repeat(62)}.`.repeat(4).concat('org');
    expect(isValidEmail(`${'a'.repeat(64)}@${domain}`)).toBe(true);
    expect(`${'a'.repeat(64)}@${domain}`).toHaveLength(320);
    expect(isValidEmail(`${'a'.repeat(64)}@b${domain}`)).toBe(false);
  });

  it('counts a quoted local part as PHP does: an escaped pair is one character, the quotes none', () => {
    expect(isValidEmail(`"${'a'.repeat(62)}"@x.org`)).toBe(true);
    expect(isValidEmail(`"${'\\a'.repeat(64)}"@x.org`)).toBe(true);
    expect(isValidEmail(`"${'\\a'.repeat(65)}"@x.org`)).toBe(false);
    expect(isValidEmail(`"${'\\ '.repeat(64)}"@x.org`)).toBe(true);
  });

  it('a 64-character local part passes, 65 fails', () => {
    expect(isValidEmail(`${'a'.repeat(64)}@x.org`)).toBe(true);
    expect(isValidEmail(`${'a'.repeat(65)}@x.org`)).toBe(false);
  });

  it('answers quickly on inputs built to make the PHP regex back-track', () => {
    const started = performance.now();
    isValidEmail(`${'"a"'.repeat(30)}@${'a.'.repeat(45)}!`);
    isValidEmail(`a@${'xn--a.'.repeat(16)}!`);
    isValidEmail(`${'a.'.repeat(40)}@`);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('validateUserUpdate', () => {
  it('checks only the given fields and allows a rename', () => {
    expect(validateUserUpdate({ username: 'new.name', city: 'New York' }, options)).toEqual({
      ok: true,
      record: { username: 'new.name', city: 'New York' },
    });
  });

  it('clears optional fields with "" but refuses blank names, email, auth, lang, timezone', () => {
    expect(validateUserUpdate({ city: '', country: '', phone1: ' ' }, options)).toEqual({
      ok: true,
      record: { city: '', country: '', phone1: '' },
    });
    const result = validateUserUpdate({ firstname: '', email: ' ', timezone: '', auth: '' }, options);
    expect(!result.ok && result.problems).toEqual([
      { field: 'email', message: 'Email address cannot be blank.' },
      { field: 'firstname', message: 'First name cannot be blank.' },
      { field: 'auth', message: 'Authentication method cannot be blank.' },
      { field: 'timezone', message: "Time zone cannot be blank: use 99 for the site's default." },
    ]);
  });

  it('refuses to blank the username, the last name or the language, each with its sentence', () => {
    const result = validateUserUpdate({ username: '', lastname: ' ', lang: '' }, options);
    expect(!result.ok && result.problems).toEqual([
      { field: 'username', message: 'Username cannot be blank.' },
      { field: 'lastname', message: 'Last name cannot be blank.' },
      { field: 'lang', message: 'Language cannot be blank.' },
    ]);
  });

  it('applies the same rules as create', () => {
    const result = validateUserUpdate({ username: 'GT_Upper', lastname: 'x'.repeat(101), auth: 'foo' }, options);
    expect(!result.ok && result.problems.map((p) => p.field)).toEqual(['username', 'lastname', 'auth']);
  });

  it('needs at least one field, and ignores reason', () => {
    expect(validateUserUpdate({}, options)).toEqual({
      ok: false,
      problems: [{ field: '*', message: 'Nothing to change: give at least one field, e.g. city="New York".' }],
    });
    expect(validateUserUpdate({ reason: 'x' }, options).ok).toBe(false);
  });
});

describe('buildUserRecordSchema', () => {
  it('is a zod schema whose issues carry the field as path', () => {
    const result = buildUserRecordSchema('create', options).safeParse({ username: 'A B' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0])).toEqual(['username', 'email', 'firstname', 'lastname']);
  });
});

describe('property: the validators never throw and explain every refusal', () => {
  const fieldValue = fc.oneof(
    fc.string({ maxLength: 120 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('', ' ', 'gt_bob', 'a@b.org', 'DE', '99', '<b>', '\u0000', '\uD800'),
    fc.constant(undefined),
  );
  const input = fc.dictionary(
    fc.oneof(fc.constantFrom(...PROFILE_FIELD_KEYS, 'reason'), fc.string({ maxLength: 8 })),
    fieldValue,
    { maxKeys: 18 },
  );

  it('validateNewUser and validateUserUpdate (2,000 runs each)', () => {
    fc.assert(
      fc.property(input, (record) => {
        for (const result of [validateNewUser(record, options), validateUserUpdate(record, options)]) {
          if (result.ok) {
            for (const [key, value] of Object.entries(result.record)) {
              expect(PROFILE_FIELD_KEYS).toContain(key);
              expect([...value].length).toBeLessThanOrEqual(FIELD_MAX_LENGTHS[key as keyof typeof FIELD_MAX_LENGTHS]);
            }
          } else {
            expect(result.problems.length).toBeGreaterThan(0);
            for (const p of result.problems) {
              expect(p.field.length).toBeGreaterThanOrEqual(0);
              expect(p.message.trim().length).toBeGreaterThan(0);
            }
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('an accepted username is always one Moodle would accept unchanged', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 110 }), (username) => {
        const result = validateNewUser({ ...valid, username }, options);
        if (result.ok) {
          expect(result.record.username).toMatch(/^[-.@_a-z0-9]{1,100}$/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
