import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateNewUser } from '../../src/core/user-record.js';
import { deriveUsername, FALLBACK_USERNAME, pickFreeUsername, withSuffix } from '../../src/core/username.js';

const options = { allowedAuth: ['manual'], defaultAuth: 'manual' };

describe('deriveUsername', () => {
  it.each([
    ['jane.doe@example.org', 'jane.doe'],
    ['Jane.Doe@Example.org', 'jane.doe'],
    ['jane.doe+moodle@example.org', 'jane.doe'],
    ['José.Pérez@example.es', 'jose.perez'],
    ['Łukasz_Żak@example.pl', 'lukasz_zak'],
    ['Søren.Strauß@example.dk', 'soren.strauss'],
    ["o'brien@example.ie", 'obrien'],
    ['gt#bad!@example.org', 'gtbad'],
    ['"quoted name"@example.org', 'quotedname'],
    ['-.jane-.@example.org', 'jane'],
    ['  mary@example.org ', 'mary'],
    ['+tag@example.org', 'tag'],
    ['李雷@example.cn', FALLBACK_USERNAME],
    ['@example.org', FALLBACK_USERNAME],
    ['', FALLBACK_USERNAME],
  ])('%j → %j', (email, expected) => expect(deriveUsername(email)).toBe(expected));

  it('cuts to 100 characters without a trailing separator', () => {
    expect(deriveUsername(`${'a'.repeat(150)}@x.org`)).toBe('a'.repeat(100));
    expect(deriveUsername(`${'a'.repeat(99)}.b@x.org`)).toBe('a'.repeat(99));
  });

  it('property: the result is always a username Moodle accepts (2,000 runs)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.emailAddress(), fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 })),
        (email) => {
          const username = deriveUsername(email);
          expect(username).toMatch(/^[-.@_a-z0-9]{1,100}$/);
          expect(validateNewUser({ username, email: 'a@b.org', firstname: 'A', lastname: 'B' }, options).ok).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('pickFreeUsername', () => {
  it('returns the base when it is free, asking once', async () => {
    const asked: string[] = [];
    const name = await pickFreeUsername('jdoe', async (u) => {
      asked.push(u);
      return false;
    });
    expect(name).toBe('jdoe');
    expect(asked).toEqual(['jdoe']);
  });

  it('adds 2, 3, … on collision', async () => {
    const taken = new Set(['jdoe', 'jdoe2', 'jdoe3']);
    const asked: string[] = [];
    const name = await pickFreeUsername('jdoe', async (u) => {
      asked.push(u);
      return taken.has(u);
    });
    expect(name).toBe('jdoe4');
    expect(asked).toEqual(['jdoe', 'jdoe2', 'jdoe3', 'jdoe4']);
  });

  it('keeps within 100 characters when adding a suffix', async () => {
    const base = 'a'.repeat(100);
    const name = await pickFreeUsername(base, async (u) => u === base);
    expect(name).toBe(`${'a'.repeat(99)}2`);
    expect(withSuffix(base, 10)).toBe(`${'a'.repeat(98)}10`);
  });

  it('gives up after maxTries candidates', async () => {
    let calls = 0;
    const name = await pickFreeUsername(
      'jdoe',
      async () => {
        calls++;
        return true;
      },
      5,
    );
    expect(name).toBeUndefined();
    expect(calls).toBe(5);
  });

  it('lets a failing look-up reject (never guesses)', async () => {
    await expect(
      pickFreeUsername('jdoe', async () => {
        throw new Error('Moodle unreachable');
      }),
    ).rejects.toThrow('Moodle unreachable');
  });
});
