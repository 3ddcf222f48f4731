// The renderer of untrusted text (slack/blocks/untrusted.ts): whatever a person typed or Moodle holds, it reads as
// data. Every trick that would make it pass for the app's own words is tried here, then a property test over
// arbitrary text, including every character Slack's mrkdwn treats as markup.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, escapeSentence, HIDDEN_MARK, plainData, quoteMrkdwn } from '../../src/slack/blocks/untrusted.js';

const FORGED_LINE = 'new colleague\n*:white_check_mark: Approved by @admin*';
const FORGED_LINK = '<https://evil.example|Approve here>';
const LINE_BREAKS = ['\n', '\r\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029'];

/** Characters a property test should hit often: every markup character, line breaks, invisible ones. */
const TRICKY = [
  '*',
  '_',
  '~',
  '`',
  '>',
  '<',
  '&',
  ':',
  '|',
  '!',
  '@',
  '#',
  '-',
  '+',
  '•',
  ' ',
  'a',
  '1',
  ...LINE_BREAKS,
  '\t',
  '\u0000',
  '\u200B',
  '\u200C',
  '\u200D',
  '\u202E',
  '\u2066',
  '\uFEFF',
  '\u00AD',
  '\uD800',
  'é',
  'ن',
  '😀',
];
const trickyText = fc.array(fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'grapheme', maxLength: 3 })), {
  maxLength: 80,
});

const WORD = /[\p{L}\p{N}]/u;

/** The one-line guarantees: what a rendered run may never contain. */
function expectInert(out: string): void {
  expect(out).not.toMatch(/[\n\r\v\f\u0085\u2028\u2029]/);
  expect(out).not.toMatch(/[<>*~`]/);
  // & only starts the three entities Slack decodes.
  expect(out.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
  // No emoji shortcode, no format or control character, no lone surrogate.
  expect(out).not.toMatch(/:[\p{L}\p{N}_+'-]+:/u);
  expect(out).not.toMatch(/[\p{Cc}\p{Cs}\u200B\u202A-\u202E\u2066-\u2069\uFEFF\u00AD]/u);
  // An underscore only inside a word, where it formats nothing.
  const chars = Array.from(out);
  chars.forEach((ch, i) => {
    if (ch !== '_') return;
    expect(WORD.test(chars[i - 1] ?? '') && WORD.test(chars[i + 1] ?? '')).toBe(true);
  });
  // No list, heading or quote marker where the run starts.
  expect(out).not.toMatch(/^\s*(?:[-+•#]\s|&gt;)/u);
}

describe('escapeMrkdwn: one line of untrusted text', () => {
  it('collapses every kind of line break, so a value cannot start a line of its own', () => {
    for (const br of LINE_BREAKS) {
      const out = escapeMrkdwn(`Jane${br}:white_check_mark: *Approved by @admin*`);
      expect(out).toBe('Jane ∶white_check_mark: ∗Approved by @admin∗');
    }
  });

  it('turns bold, italic, strike and code markers into look-alikes; an underscore inside a word stays', () => {
    expect(escapeMrkdwn('*bold* _italic_ ~strike~ `code` ```block```')).toBe(
      '∗bold∗ ˍitalicˍ ∼strike∼ ‵code‵ ‵‵‵block‵‵‵',
    );
    expect(escapeMrkdwn('jane_doe j_doe@example.org')).toBe('jane_doe j_doe@example.org');
    expect(escapeMrkdwn('_jdoe jdoe_ a_ _b')).toBe('ˍjdoe jdoeˍ aˍ ˍb');
  });

  it('escapes links, mentions and special mentions', () => {
    expect(escapeMrkdwn(`${FORGED_LINK} <!here> <!channel> <@U0ADMIN> <#C0GENERAL> <!subteam^S1>`)).toBe(
      '&lt;https://evil.example|Approve here&gt; &lt;!here&gt; &lt;!channel&gt; &lt;@U0ADMIN&gt; &lt;#C0GENERAL&gt; &lt;!subteam^S1&gt;',
    );
    expect(escapeMrkdwn('Smith & Jones')).toBe('Smith &amp; Jones');
  });

  it('a back-tick between colons does not come out as a shortcode (its look-alike is no letter)', () => {
    for (const text of [':`:', 'a:`:b', ':``:']) expectInert(escapeMrkdwn(text));
  });

  it('breaks emoji shortcodes but leaves other colons alone', () => {
    expect(escapeMrkdwn(':white_check_mark: Approved')).toBe('∶white_check_mark: Approved');
    expect(escapeMrkdwn(':+1::skin-tone-2:')).toBe('∶+1:∶skin-tone-2:');
    expect(escapeMrkdwn('at 10:30, see id:42 :) https://lms.example.org')).toBe(
      'at 10:30, see id:42 :) https://lms.example.org',
    );
  });

  it('neutralises a leading quote, list or heading marker; a phone number or a minus stays', () => {
    expect(escapeMrkdwn('> Approved')).toBe('› Approved');
    expect(escapeMrkdwn('>Approved')).toBe('›Approved');
    expect(escapeMrkdwn('- item')).toBe('‐ item');
    expect(escapeMrkdwn('  • item')).toBe('  ∙ item');
    expect(escapeMrkdwn('# Heading')).toBe('＃ Heading');
    expect(escapeMrkdwn('+ item')).toBe('＋ item');
    expect(escapeMrkdwn('+44 20 7946 0000')).toBe('+44 20 7946 0000');
    expect(escapeMrkdwn('-5 and a > b')).toBe('-5 and a &gt; b');
  });

  it('shows invisible, bidirectional and control characters as a visible mark', () => {
    expect(escapeMrkdwn('Jane\u202Egnp.exe')).toBe(`Jane${HIDDEN_MARK}gnp.exe`);
    expect(escapeMrkdwn('ad\u200Bmin\uFEFF\u2066x\u0000\u00AD')).toBe(
      `ad${HIDDEN_MARK}min${HIDDEN_MARK}${HIDDEN_MARK}x${HIDDEN_MARK}${HIDDEN_MARK}`,
    );
    expect(escapeMrkdwn('a\tb')).toBe('a b');
  });

  it('keeps the joiners a script or an emoji needs', () => {
    expect(escapeMrkdwn('فاطمه\u200Cزهرا')).toBe('فاطمه\u200Cزهرا');
    expect(escapeMrkdwn('क्\u200Dष')).toBe('क्\u200Dष');
    expect(escapeMrkdwn('👩\u200D💻')).toBe('👩\u200D💻');
    expect(escapeMrkdwn('ad\u200Cmin')).toBe(`ad${HIDDEN_MARK}min`);
  });

  it('cuts the value to its cap before escaping', () => {
    expect(escapeMrkdwn('x'.repeat(5000), 100)).toHaveLength(100);
    expect(escapeMrkdwn('x'.repeat(5000))).toHaveLength(3000);
  });

  it('never lets anything format, link, mention or break the line (property)', () => {
    fc.assert(
      fc.property(trickyText, (parts) => {
        expectInert(escapeMrkdwn(parts.join('')));
      }),
      { numRuns: 2000 },
    );
  });

  it('stays linear on long adversarial input', () => {
    const started = performance.now();
    for (const text of [
      ':a'.repeat(100_000),
      `:${'a'.repeat(200_000)}`,
      '_'.repeat(200_000),
      '\u200C'.repeat(200_000),
    ]) {
      expectInert(escapeMrkdwn(text, text.length));
    }
    // Quadratic work on 200,000 characters would take minutes; linear takes well under a second even when busy.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('quoteMrkdwn: multi-line free text', () => {
  it('quotes every line, so a forged line stays inside the quote', () => {
    const out = quoteMrkdwn(`${FORGED_LINE}\n${FORGED_LINK}`, 500);
    expect(out).toBe(
      [
        '> new colleague',
        '> ∗∶white_check_mark: Approved by @admin∗',
        '> &lt;https://evil.example|Approve here&gt;',
      ].join('\n'),
    );
  });

  it('drops blank lines, keeps at most maxLines and cuts to the cap', () => {
    expect(quoteMrkdwn('a\n\n  \r\nb\u2028c', 500)).toBe('> a\n> b\n> c');
    expect(quoteMrkdwn('1\n2\n3\n4\n5', 500, 3)).toBe('> 1\n> 2\n> 3 …');
    expect(quoteMrkdwn('x'.repeat(900), 500)).toHaveLength(2 + 500);
    expect(quoteMrkdwn(' \n ', 500)).toBe('');
  });

  it('every line starts with the quote bar and the rest is inert (property)', () => {
    fc.assert(
      fc.property(trickyText, (parts) => {
        const out = quoteMrkdwn(parts.join(''), 500);
        if (out === '') return;
        for (const line of out.split('\n')) {
          expect(line.startsWith('> ')).toBe(true);
          expectInert(line.slice(2));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('plainData and escapeSentence', () => {
  it('plainData: one line, no emoji shortcodes, hidden characters shown', () => {
    expect(plainData('Now in Moodle: Jane\n:white_check_mark: Approved\u202E', 2000)).toEqual({
      type: 'plain_text',
      text: `Now in Moodle: Jane :white_check_mark: Approved${HIDDEN_MARK}`,
      emoji: false,
    });
    expect(plainData('\n', 10).text).toBe(' ');
  });

  it('escapeSentence keeps the app’s own person mentions and escapes everything else', () => {
    expect(escapeSentence('R-1 was already approved by <@U0APPROVER>. <!here> *x*\nApproved')).toBe(
      'R-1 was already approved by <@U0APPROVER>. &lt;!here&gt; ∗x∗ Approved',
    );
  });
});
