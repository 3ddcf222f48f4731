import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSlackText,
  MAX_COMMAND_TEXT,
  parseUserArgs,
  suggestKey,
  tokenize,
  USER_ARG_KEYS,
} from '../../src/slack/parse-args.js';

describe('parseUserArgs: positional form', () => {
  it('email first last', () => {
    expect(parseUserArgs('jane@example.org Jane Doe')).toEqual({
      fields: { email: 'jane@example.org', firstname: 'Jane', lastname: 'Doe' },
      problems: [],
    });
  });

  it('quoted names, then key=value pairs', () => {
    expect(parseUserArgs('mary@example.org "Mary Ann" Smith city="New York" country=US')).toEqual({
      fields: { email: 'mary@example.org', firstname: 'Mary Ann', lastname: 'Smith', city: 'New York', country: 'US' },
      problems: [],
    });
  });

  it("keeps apostrophes in names (O'Brien, O’Brien)", () => {
    expect(parseUserArgs("sean@example.ie Seán O'Brien").fields.lastname).toBe("O'Brien");
    expect(parseUserArgs('sean@example.ie Seán O’Brien').fields.lastname).toBe('O’Brien');
    expect(parseUserArgs('g@example.nl Gerard "\'t Hooft"').fields.lastname).toBe("'t Hooft");
  });

  it('too many words is a problem that shows the extra words and the fix', () => {
    const { fields, problems } = parseUserArgs('mary@example.org Mary Ann Smith');
    expect(fields).toEqual({ email: 'mary@example.org', firstname: 'Mary', lastname: 'Ann' });
    expect(problems).toEqual([
      'There are more words than email, first name and last name: "Smith". Put a name with spaces in quotes, e.g. "Mary Ann" Smith, and give other fields as key=value.',
    ]);
  });

  it('a first word that is no email is a problem; the words are still read, so that the rest can be checked', () => {
    const { fields, problems, reported } = parseUserArgs('jdoe Jane Doe');
    expect(fields).toEqual({ email: 'jdoe', firstname: 'Jane', lastname: 'Doe' });
    expect(reported).toEqual(['email']);
    expect(problems).toEqual([
      '"jdoe" is not an email address. Start with the email address, e.g. jane@example.org Jane Doe, or give every field as key=value.',
    ]);
  });

  it('with email= given as a key, words that are no email are not read as names', () => {
    const { fields, reported } = parseUserArgs('Jane Doe email=j@x.org');
    expect(fields).toEqual({ email: 'j@x.org' });
    expect(reported).toEqual(['email', 'firstname', 'lastname']);
  });

  it('leaves missing names to the validator', () => {
    expect(parseUserArgs('jane@example.org Jane')).toEqual({
      fields: { email: 'jane@example.org', firstname: 'Jane' },
      problems: [],
    });
  });
});

describe('parseUserArgs: key=value form', () => {
  it('the README example', () => {
    expect(parseUserArgs('username=jdoe email=j@x.org firstname=Jane lastname="Doe Smith"')).toEqual({
      fields: { username: 'jdoe', email: 'j@x.org', firstname: 'Jane', lastname: 'Doe Smith' },
      problems: [],
    });
  });

  it('keys are case-insensitive; values keep their case and inner =', () => {
    expect(parseUserArgs('Email=A@B.org IDNUMBER=a=b').fields).toEqual({ email: 'A@B.org', idnumber: 'a=b' });
  });

  it('single quotes and smart quotes group words', () => {
    expect(parseUserArgs("lastname='Doe Smith' city=“New York” department=‘Arts & Crafts’").fields).toEqual({
      lastname: 'Doe Smith',
      city: 'New York',
      department: 'Arts & Crafts',
    });
    expect(parseUserArgs('lastname=„Müller Lüdenscheidt“').fields.lastname).toBe('Müller Lüdenscheidt');
  });

  it('an empty quoted value is kept as ""', () => {
    expect(parseUserArgs('city="" phone1=').fields).toEqual({ city: '', phone1: '' });
  });

  it('unknown keys are problems, with a suggestion when one is close', () => {
    const { fields, problems } = parseUserArgs('first=Jane mail=j@x.org shoesize=42');
    expect(fields).toEqual({});
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe('Unknown key "first" (did you mean firstname?).');
    expect(problems[1]).toBe('Unknown key "mail" (did you mean email?).');
    // The list of keys once, after the last unknown key.
    expect(problems[2]).toMatch(/^Unknown key "shoesize"\. The keys are username, email,/);
    expect(problems.join(' ').match(/The keys are/g)).toHaveLength(1);
  });

  it('a duplicate key is a problem and the first value stays', () => {
    expect(parseUserArgs('city=Paris city=Lyon')).toEqual({
      fields: { city: 'Paris' },
      problems: ['The key city is given more than once; give it once.'],
    });
  });

  it('a field given both by position and by key is a problem', () => {
    const { fields, problems } = parseUserArgs('a@x.org Jane Doe email=b@x.org lastname=Smith');
    expect(fields).toEqual({ email: 'a@x.org', firstname: 'Jane', lastname: 'Doe' });
    expect(problems).toEqual([
      'The email address is given twice: "a@x.org" at the start and email="b@x.org". Give it once.',
      'The last name is given twice: "Doe" at the start and lastname="Smith". Give it once.',
    ]);
  });

  it('=value without a key is a problem', () => {
    expect(parseUserArgs('=Paris').problems).toEqual(['"=Paris" has no key before the =; write it as key=value.']);
  });

  it('an unclosed quote is a problem', () => {
    const { fields, problems } = parseUserArgs('a@x.org Jane lastname="Doe Smith');
    expect(fields.lastname).toBe('Doe Smith');
    expect(problems).toEqual(['A quote is not closed: "Doe Smith. Add the closing ".']);
  });

  it('empty or blank text gives nothing and no problem', () => {
    expect(parseUserArgs('')).toEqual({ fields: {}, problems: [] });
    expect(parseUserArgs(' \n\t ')).toEqual({ fields: {}, problems: [] });
  });
});

describe("Slack's formatting", () => {
  it('mailto links in positional and key=value form', () => {
    expect(parseUserArgs('<mailto:jane@example.org|jane@example.org> Jane Doe').fields.email).toBe('jane@example.org');
    expect(parseUserArgs('email=<mailto:jane@example.org>').fields.email).toBe('jane@example.org');
  });

  it('entities are decoded', () => {
    expect(parseUserArgs('department="R&amp;D" address=&lt;none&gt;').fields).toEqual({
      department: 'R&D',
      address: '<none>',
    });
    // &amp;lt; is what Slack sends for a typed "&lt;": it must stay "&lt;", not become "<".
    expect(decodeSlackText('&amp;lt;')).toBe('&lt;');
  });

  it('links become what was typed; mentions stay as they are', () => {
    expect(decodeSlackText('<http://example.org|example.org> <https://x.org> <@U123|bob>')).toBe(
      'example.org https://x.org <@U123|bob>',
    );
  });

  it('non-breaking spaces separate words', () => {
    expect(parseUserArgs('a@x.org\u00a0Jane\u00a0Doe').fields).toEqual({
      email: 'a@x.org',
      firstname: 'Jane',
      lastname: 'Doe',
    });
  });
});

describe('tokenize (for /moodle-user subcommands)', () => {
  it('splits words and key=value tokens', () => {
    expect(tokenize('update jdoe city="New York"')).toEqual({
      tokens: [
        { text: 'update', value: 'update' },
        { text: 'jdoe', value: 'jdoe' },
        { text: 'city=New York', key: 'city', value: 'New York' },
      ],
      problems: [],
    });
  });

  it('an = inside quotes does not make a key', () => {
    expect(tokenize('"a=b" c"=d" e="=f"').tokens).toEqual([
      { text: 'a=b', value: 'a=b' },
      { text: 'c=d', value: 'c=d' },
      { text: 'e==f', key: 'e', value: '=f' },
    ]);
  });

  it('never throws on non-string input', () => {
    expect(tokenize(undefined as unknown as string)).toEqual({ tokens: [], problems: [] });
  });
});

describe('suggestKey', () => {
  it.each([
    ['first', 'firstname'],
    ['surname', 'lastname'],
    ['Given_Name', 'firstname'],
    ['mobile', 'phone2'],
    ['shoesize', undefined],
    ['lastnmae', 'lastname'],
    ['mail', 'email'],
    ['phone', 'phone1'],
    ['x', undefined],
  ])('%s → %s', (typed, expected) => expect(suggestKey(typed)).toBe(expected));
});

describe('property: the parser never throws and explains every problem', () => {
  const piece = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(...USER_ARG_KEYS).map((k) => `${k}=`),
    fc.constantFrom('"', "'", '“', '”', '‘', '’', '=', ' ', '<mailto:a@b.org|a@b.org>', '&amp;', '&lt;', 'a@b.org'),
  );
  const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));

  it('parseUserArgs (2,000 runs)', () => {
    fc.assert(
      fc.property(text, (input) => {
        const { fields, problems } = parseUserArgs(input);
        for (const key of Object.keys(fields)) expect(USER_ARG_KEYS).toContain(key);
        for (const problem of problems) expect(problem.trim().length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('quoting any value with double quotes gives it back unchanged', () => {
    const value = fc.string({ maxLength: 30 }).filter((v) => !/["“”„‟″<>&]/.test(v));
    fc.assert(
      fc.property(fc.constantFrom(...USER_ARG_KEYS), value, (key, v) => {
        expect(parseUserArgs(`${key}="${v}"`)).toEqual({ fields: { [key]: v }, problems: [] });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('length first', () => {
  it('refuses text over MAX_COMMAND_TEXT with one sentence, without parsing it', () => {
    const atLimit = `j@x.org Jane Doe city="${'a'.repeat(MAX_COMMAND_TEXT - 30)}"`;
    expect(atLimit.length).toBeLessThanOrEqual(MAX_COMMAND_TEXT);
    expect(parseUserArgs(atLimit).fields.email).toBe('j@x.org');
    const over = `j@x.org Jane Doe timezone=${'a'.repeat(MAX_COMMAND_TEXT)}`;
    expect(parseUserArgs(over)).toEqual({
      fields: {},
      problems: [
        `The text is too long: ${over.length} characters, at most ${MAX_COMMAND_TEXT}. Give fewer or shorter fields, or use the form.`,
      ],
    });
  });

  it('suggests no key for a long unknown key', () => {
    expect(suggestKey('firstnamefirstnamefirstnamefirstnamefirstname')).toBeUndefined();
    expect(suggestKey('firstnam')).toBe('firstname');
  });
});
