// Reading an import file: every way a whole file is refused (one sentence for the file field), and the forms an
// admin's existing file comes in (Excel's BOM, semicolons, tabs, headers in any case, empty trailing lines).
import { describe, expect, it } from 'vitest';
import { detectDelimiter, readImportFile } from '../../../src/core/import/read-file.js';
import { DEFAULT_IMPORT_LIMITS, type ImportFileResult } from '../../../src/core/import/types.js';
import { csv } from './harness.js';

const read = (data: Uint8Array | string, limits = DEFAULT_IMPORT_LIMITS): ImportFileResult =>
  readImportFile(typeof data === 'string' ? csv(data) : data, 'users.csv', limits);

function refusal(result: ImportFileResult) {
  if (result.ok) throw new Error('the file was accepted');
  return result.error;
}

function file(result: ImportFileResult) {
  if (!result.ok) throw new Error(result.error.message);
  return result.file;
}

describe('a file refused as a whole', () => {
  it.each([
    ['empty', new Uint8Array(), 'empty', 'The file is empty'],
    ['blank', '  \n\n', 'empty', 'no rows'],
    ['a header only', 'firstname,lastname,email\n', 'empty', 'no account rows'],
    ['an xlsx', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2]), 'not_csv', 'Save As › CSV UTF-8'],
    ['binary', new Uint8Array([0x61, 0x00, 0x62]), 'not_csv', 'not a text file'],
    [
      'Latin-1',
      new Uint8Array([...csv('firstname,lastname,email\nJos'), 0xe9, ...csv(',A,a@x.org\n')]),
      'not_utf8',
      'not UTF-8',
    ],
    ['data in the first row', 'ann@example.org,Ann,Lee\n', 'no_header', 'must name the columns'],
    [
      'a password column',
      'username,firstname,lastname,email,password\nann,Ann,Lee,a@x.org,Secret1!\n',
      'password_column',
      'passwords never travel through Slack',
    ],
    [
      'a Password column in other case',
      ' PassWord ;firstname;lastname;email\n',
      'password_column',
      'Remove the column',
    ],
    ['an unknown column', 'firstname,lastname,email,suspended\n', 'unknown_columns', '"suspended"'],
    ['a column twice', 'firstname,lastname,email,Email\n', 'unknown_columns', 'appears twice'],
    ['no email column', 'username,firstname,lastname\nann,Ann,Lee\n', 'missing_columns', 'no email column'],
    ['no names', 'username,email\nann,a@x.org\n', 'missing_columns', 'no firstname, lastname columns'],
    ['an unclosed quote', 'firstname,lastname,email\n"Ann,Lee,a@x.org\n', 'not_csv', 'cannot be read as CSV'],
  ])('%s', (_name, data, code, words) => {
    const error = refusal(read(data));
    expect(error.code).toBe(code);
    expect(error.message).toContain(words);
  });

  it('too large, saying the limit', () => {
    const error = refusal(read('firstname,lastname,email\nA,B,a@x.org\n', { maxBytes: 20, maxRows: 10 }));
    expect(error).toEqual({ code: 'too_large', message: expect.stringContaining('the limit is 0.00 MB') });
    const big = refusal(read(new Uint8Array(6 * 1024 * 1024).fill(0x61)));
    expect(big.message).toBe('The file is 6.0 MB; the limit is 5.0 MB. Split it into smaller files.');
  });

  it('over the row limit, saying it; 10,000 rows are accepted by default', () => {
    const rows = (n: number) =>
      `firstname,lastname,email\n${Array.from({ length: n }, (_, i) => `F,L,u${i}@x.org`).join('\n')}`;
    expect(refusal(read(rows(4), { maxBytes: 1e6, maxRows: 3 }))).toEqual({
      code: 'too_many_rows',
      message: 'The file has more than 3 rows, the limit. Split it into smaller files.',
    });
    expect(file(read(rows(10_000))).rows).toHaveLength(10_000);
    expect(refusal(read(rows(10_001))).message).toContain('more than 10,000 rows');
  });
});

describe('a file read into rows', () => {
  it("takes Excel's CSV: a BOM, semicolons, headers in any case with spaces, blank lines; rows keep their sheet numbers", () => {
    const f = file(
      read(
        '\uFEFF UserName ;FIRSTNAME;lastname;Email;Course1;ROLE1;cohort2;cohort1\r\nann;Ann;Lee;a@x.org;C1;teacher;K2;K1\r\n;;;;;;;\r\n\r\nbob;Bob;Ray;b@x.org;;;;\r\n',
      ),
    );
    expect(f.columns).toEqual(['username', 'firstname', 'lastname', 'email', 'course1', 'role1', 'cohort2', 'cohort1']);
    expect(f.rows).toEqual([
      {
        row: 2,
        fields: { username: 'ann', firstname: 'Ann', lastname: 'Lee', email: 'a@x.org' },
        courses: [{ course: 'C1', role: 'teacher' }],
        cohorts: ['K1', 'K2'],
      },
      {
        row: 5,
        fields: { username: 'bob', firstname: 'Bob', lastname: 'Ray', email: 'b@x.org' },
        courses: [],
        cohorts: [],
      },
    ]);
    expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads tabs and quoted cells holding the other delimiters', () => {
    expect(detectDelimiter('a\tb\tc\n1,2;3')).toBe('\t');
    expect(detectDelimiter('"a;b",c,d')).toBe(',');
    const f = file(read('firstname\tlastname\temail\taddress\n"Ann"\tLee\ta@x.org\t"1, Main St; Flat 2"\n'));
    expect(f.rows[0]?.fields.address).toBe('1, Main St; Flat 2');
  });

  it('notes row problems without refusing the file: extra cells, a role without its course', () => {
    const f = file(read('firstname,lastname,email,course1,role1\nA,B,a@x.org,,teacher,extra\n'));
    expect(f.rows[0]?.problems).toEqual([
      'The row has 6 cells but the header names 5 columns.',
      'role1 is set but course1 is empty.',
    ]);
  });
});
