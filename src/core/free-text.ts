// Rules for what people type beyond the profile fields: how long a reason or a decision comment may be, and which
// characters a one-line field may not hide (invisible formatting, bidirectional overrides, line separators).
// The same character test serves the validators here and the Slack renderer, so a value refused on input is also
// neutralised on output when it comes from Moodle instead. See docs/SECURITY.md "Free text".
import type { FieldProblem } from './user-record.js';

/** A requester's reason: a sentence or two, short enough for an approval card. */
export const REASON_MAX_LENGTH = 500;
/** An approver's comment or rejection reason: the audit keeps up to 2000 characters of detail. */
export const COMMENT_MAX_LENGTH = 2000;

/** Characters as a person counts them (code points), never more than Slack's own count. */
export const countCharacters = (text: string): number => {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
};

/** "Reason is too long: 612 characters, at most 500." when `text` is over `max`; undefined otherwise. */
export function describeTooLong(label: string, text: string | undefined, max: number): string | undefined {
  if (text === undefined || text.length <= max) return undefined;
  const n = countCharacters(text);
  return n > max ? `${label} is too long: ${n} characters, at most ${max}.` : undefined;
}

/** The requester's reason, checked on every path (text command, modals, core): a problem on the `reason` field. */
export function checkReason(reason: string | undefined): FieldProblem | undefined {
  const message = describeTooLong('Reason', reason?.trim(), REASON_MAX_LENGTH);
  return message ? { field: 'reason', message } : undefined;
}

const NAMES: Readonly<Record<number, string>> = {
  173: 'SOFT HYPHEN',
  1564: 'ARABIC LETTER MARK',
  6158: 'MONGOLIAN VOWEL SEPARATOR',
  8203: 'ZERO WIDTH SPACE',
  8204: 'ZERO WIDTH NON-JOINER',
  8205: 'ZERO WIDTH JOINER',
  8206: 'LEFT-TO-RIGHT MARK',
  8207: 'RIGHT-TO-LEFT MARK',
  8232: 'LINE SEPARATOR',
  8233: 'PARAGRAPH SEPARATOR',
  8234: 'LEFT-TO-RIGHT EMBEDDING',
  8235: 'RIGHT-TO-LEFT EMBEDDING',
  8236: 'POP DIRECTIONAL FORMATTING',
  8237: 'LEFT-TO-RIGHT OVERRIDE',
  8238: 'RIGHT-TO-LEFT OVERRIDE',
  8288: 'WORD JOINER',
  8289: 'FUNCTION APPLICATION',
  8290: 'INVISIBLE TIMES',
  8291: 'INVISIBLE SEPARATOR',
  8292: 'INVISIBLE PLUS',
  8294: 'LEFT-TO-RIGHT ISOLATE',
  8295: 'RIGHT-TO-LEFT ISOLATE',
  8296: 'FIRST STRONG ISOLATE',
  8297: 'POP DIRECTIONAL ISOLATE',
  65279: 'ZERO WIDTH NO-BREAK SPACE',
};

// Single characters, no repeats: each test is constant time, so a scan of a value is linear.
const HIDDEN = /[\p{Cf}\p{Zl}\p{Zp}]/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F/u;
// Scripts whose spelling needs ZWNJ/ZWJ (Persian, Indic conjuncts...): there the joiner changes the letters' shapes,
// so it hides nothing.
const JOINING_SCRIPT =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}\p{Script=Khmer}\p{Script=Myanmar}]/u;

/**
 * Whether `chars[i]` is an invisible format character (Unicode category Cf: bidi controls, zero-width characters,
 * BOM...) or a line/paragraph separator (Zl, Zp). Exception: a zero-width (non-)joiner inside a word of a script that
 * needs it, and a zero-width joiner inside an emoji sequence.
 */
export function isHiddenCharacter(chars: readonly string[], i: number): boolean {
  const ch = chars[i];
  if (ch === undefined || !HIDDEN.test(ch)) return false;
  if (ch !== '\u200C' && ch !== '\u200D') return true;
  const before = chars[i - 1];
  const after = chars[i + 1];
  if (before === undefined || after === undefined) return true;
  if (JOINING_SCRIPT.test(before) && LETTER_OR_MARK.test(after)) return false;
  return !(ch === '\u200D' && PICTOGRAPH.test(before) && PICTOGRAPH.test(after));
}

/** "U+202E RIGHT-TO-LEFT OVERRIDE" */
export function describeCodePoint(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code];
  return name ? `${hex} ${name}` : hex;
}

/**
 * The problem with a one-line field that holds an invisible format character or a line separator, naming the field
 * and the character: "First name contains an invisible formatting character (U+202E RIGHT-TO-LEFT OVERRIDE); remove
 * it." Undefined when there is none. One pass over the value.
 */
export function describeHiddenCharacter(label: string, value: string): string | undefined {
  const chars = Array.from(value);
  for (let i = 0; i < chars.length; i++) {
    if (!isHiddenCharacter(chars, i)) continue;
    const ch = chars[i] as string;
    const what = SEPARATOR.test(ch) ? 'a line break' : 'an invisible formatting character';
    return `${label} contains ${what} (${describeCodePoint(ch)}); remove it.`;
  }
  return undefined;
}
