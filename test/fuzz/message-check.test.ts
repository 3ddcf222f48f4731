// The fuzz tests' own oracle: humanMessageProblem must catch what a careless template or a leaked error prints,
// or every "no exception, human message" property would pass vacuously.
import { describe, expect, it } from 'vitest';
import { humanMessageProblem } from './arbitraries.js';

describe('humanMessageProblem', () => {
  it.each([
    ['not a string', { message: 'x' }],
    ['empty', '  '],
    ['a stack trace', 'Failed\n    at parse (/app/src/core/parse-args.ts:1:2)'],
    ['an error name', "TypeError: Cannot read properties of undefined (reading 'x')"],
    ['[object Object]', 'City [object Object] is not valid.'],
    ['undefined', 'The undefined is given twice.'],
    ['NaN', 'NaN characters, at most 100.'],
  ])('flags %s', (_name, message) => {
    expect(humanMessageProblem(message, 'jane@example.org Jane Doe')).toBeDefined();
  });

  it('accepts a sentence, and a marker the person typed themselves', () => {
    expect(humanMessageProblem('City is too long: 130 characters, at most 120.', '')).toBeUndefined();
    expect(humanMessageProblem('"undefined" is not an email address.', 'undefined')).toBeUndefined();
  });
});
