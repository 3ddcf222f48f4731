// Untrusted text on Slack surfaces: what a person typed and what Moodle holds (names, course and cohort names, error
// messages). Rendered so that it always reads as data: it cannot start a line of its own, make bold, italic, strike,
// code or a quote, link, mention, show an emoji shortcode, or hide behind invisible characters. Mrkdwn has no escape
// character, so each markup character becomes a look-alike that Slack does not parse. docs/SECURITY.md "Free text".
import type { types } from '@slack/bolt';
import { isHiddenCharacter } from '../../core/free-text.js';
import { LIMITS, truncateText } from './text.js';

/** Every line break Unicode knows: CR LF, LF, VT, FF, CR, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. */
const LINE_BREAKS = /\r\n|[\n\v\f\r\u0085\u2028\u2029]/g;
const CONTROL = /[\p{Cc}\p{Cs}]/u;
const WORD = /[\p{L}\p{N}]/u;
const SHORTCODE = /[\p{L}\p{N}_+'-]/u;
const SPACE = /\s/u;

/** Shown in place of a control or invisible character, so that the reader sees that something was there. */
export const HIDDEN_MARK = '\uFFFD';

/** Markup characters and the look-alikes shown instead: ∗ ∼ ‵ ˍ ∶ › ‐ ＋ ＃ ∙ (‵ is punctuation, not a letter, so that
 * `:`:` cannot come out as a shortcode). */
const LOOKALIKES: Readonly<Record<string, string>> = {
  '*': '\u2217',
  '~': '\u223C',
  '`': '\u2035',
  _: '\u02CD',
  ':': '\u2236',
  '>': '\u203A',
  '-': '\u2010',
  '+': '\uFF0B',
  '#': '\uFF03',
  '•': '\u2219',
};

/** `:name:` — Slack would draw an emoji. Scans to the next colon at most, so a whole line stays linear. */
function opensShortcode(chars: readonly string[], i: number): boolean {
  let j = i + 1;
  while (j < chars.length && SHORTCODE.test(chars[j] as string)) j++;
  return j > i + 1 && chars[j] === ':';
}

/** `_` inside a word (jane_doe) formats nothing in Slack; at a word's edge it may start or end italics. */
function isInnerUnderscore(chars: readonly string[], i: number): boolean {
  const before = chars[i - 1];
  const after = chars[i + 1];
  return before !== undefined && after !== undefined && WORD.test(before) && WORD.test(after);
}

function renderChar(chars: readonly string[], i: number, leading: boolean): string {
  const ch = chars[i] as string;
  if (ch === '\t') return ' ';
  if (CONTROL.test(ch) || isHiddenCharacter(chars, i)) return HIDDEN_MARK;
  switch (ch) {
    case '&':
      return '&amp;';
    case '<':
      return '&lt;';
    case '>':
      // A line that starts with > (or &gt;) is a quote.
      return leading ? (LOOKALIKES[ch] as string) : '&gt;';
    case '*':
    case '~':
    case '`':
      return LOOKALIKES[ch] as string;
    case '_':
      return isInnerUnderscore(chars, i) ? ch : (LOOKALIKES[ch] as string);
    case ':':
      return opensShortcode(chars, i) ? (LOOKALIKES[ch] as string) : ch;
    case '-':
    case '+':
    case '#':
    case '•':
      // A list or heading marker only where a line starts, followed by a space.
      return leading && SPACE.test(chars[i + 1] ?? '') ? (LOOKALIKES[ch] as string) : ch;
    default:
      return ch;
  }
}

/** One line (no line breaks left in it), rendered as if it started a line of its own. */
function renderLine(line: string): string {
  const chars = Array.from(line);
  let first = 0;
  while (first < chars.length && SPACE.test(chars[first] as string)) first++;
  let out = '';
  for (let i = 0; i < chars.length; i++) out += renderChar(chars, i, i === first);
  return out;
}

/**
 * Untrusted text as one run of mrkdwn, at most `max` characters once escaped (entities are longer than what they
 * stand for; the cut never splits one): line breaks become spaces, and no character of it can format, link, mention
 * or hide. The only way untrusted text enters a mrkdwn string.
 */
export function escapeMrkdwn(text: string, max: number = LIMITS.sectionText): string {
  return truncateText(renderLine(truncateText(text, max).replace(LINE_BREAKS, ' ')), max);
}

/**
 * Multi-line untrusted text (a reason, a comment) as a mrkdwn quote: every line starts with the quote bar, so nothing
 * the person wrote can pass for a line of the app's own. Blank lines are dropped, at most `maxLines` lines are kept.
 * Empty text gives ''.
 */
export function quoteMrkdwn(text: string, max: number, maxLines = 12): string {
  const lines = truncateText(text.trim(), max)
    .split(LINE_BREAKS)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '');
  if (lines.length > maxLines) lines.splice(maxLines - 1, lines.length, `${lines[maxLines - 1]} …`);
  return lines.map((line) => `> ${renderLine(line)}`).join('\n');
}

/** Untrusted text in a plain_text object (a hint, a label): one line, no emoji shortcodes, hidden characters shown. */
export function plainData(text: string, max: number): types.PlainTextElement {
  const chars = Array.from(truncateText(text, max).replace(LINE_BREAKS, ' '));
  const shown = chars.map((ch, i) => (CONTROL.test(ch) || isHiddenCharacter(chars, i) ? HIDDEN_MARK : ch)).join('');
  return { type: 'plain_text', text: shown.trim() === '' ? ' ' : shown, emoji: false };
}

/**
 * A sentence of the core's (a refusal) in mrkdwn: escaped like any untrusted text, except the person mentions
 * (`<@U…>`) the app itself put there to name who decided.
 */
export function escapeSentence(text: string, max: number = LIMITS.sectionText): string {
  return truncateText(text, max)
    .split(/(<@[UW][A-Z0-9]{2,20}>)/)
    .map((part, i) => (i % 2 === 1 ? part : renderLine(part.replace(LINE_BREAKS, ' '))))
    .join('');
}
