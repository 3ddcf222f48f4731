// Rules for what people type beyond the profile fields: how long a reason or a decision comment may be, and which
// characters a one-line field may not hide (invisible formatting, bidirectional overrides, line separators, letters
// that draw nothing).
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
  // Letters, marks and symbols that draw nothing (or a blank the size of a letter).
  847: 'COMBINING GRAPHEME JOINER',
  4447: 'HANGUL CHOSEONG FILLER',
  4448: 'HANGUL JUNGSEONG FILLER',
  6068: 'KHMER VOWEL INHERENT AQ',
  6069: 'KHMER VOWEL INHERENT AA',
  6155: 'MONGOLIAN FREE VARIATION SELECTOR ONE',
  6156: 'MONGOLIAN FREE VARIATION SELECTOR TWO',
  6157: 'MONGOLIAN FREE VARIATION SELECTOR THREE',
  6159: 'MONGOLIAN FREE VARIATION SELECTOR FOUR',
  10240: 'BRAILLE PATTERN BLANK',
  12644: 'HANGUL FILLER',
  65440: 'HALFWIDTH HANGUL FILLER',
  119129: 'MUSICAL SYMBOL NULL NOTEHEAD',
};

// Single characters, no repeats: each test is constant time, so a scan of a value is linear.
// Besides format characters and separators: Unicode's default-ignorable code points (Hangul fillers, variation
// selectors, the tag block, ...), which a font draws as nothing, and two symbols that draw a blank (U+2800, U+1D159).
const HIDDEN = /[\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800\u{1D159}]/u;
const SEPARATOR = /[\p{Zl}\p{Zp}]/u;
const FORMATTING = /[\p{Cf}\p{M}]/u;
const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\uFE0F/u;
// Scripts whose spelling needs ZWNJ/ZWJ (Persian, Indic conjuncts...): there the joiner changes the letters' shapes,
// so it hides nothing.
const JOINING_SCRIPT =
  /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Nko}\p{Script=Mongolian}\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Gurmukhi}\p{Script=Gujarati}\p{Script=Oriya}\p{Script=Tamil}\p{Script=Telugu}\p{Script=Kannada}\p{Script=Malayalam}\p{Script=Sinhala}\p{Script=Khmer}\p{Script=Myanmar}]/u;
// A variation selector picks a drawing of the character before it: text or emoji style of an emoji, a registered
// form of a Han ideograph (names in Japan), a Mongolian letter's form. Anywhere else, or a second one, draws nothing.
const VARIATION_SELECTOR = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/u;
const EMOJI_STYLE = /[\uFE0E\uFE0F]/u;
const MONGOLIAN_SELECTOR = /[\u180B-\u180D\u180F]/u;
const EMOJI = /\p{Emoji}/u;
const HAN = /\p{Script=Han}/u;
const MONGOLIAN = /\p{Script=Mongolian}/u;

/** Whether the variation selector `ch` right after `before` chooses how `before` is drawn. */
function selectsVariant(ch: string, before: string): boolean {
  if (MONGOLIAN_SELECTOR.test(ch)) return MONGOLIAN.test(before);
  if (!VARIATION_SELECTOR.test(ch)) return false;
  return HAN.test(before) || (EMOJI_STYLE.test(ch) && EMOJI.test(before));
}

/**
 * Whether `chars[i]` is an invisible format character (Unicode category Cf: bidi controls, zero-width characters,
 * BOM...), a line/paragraph separator (Zl, Zp) or a character that draws nothing (Hangul fillers, variation selectors,
 * U+2800 BRAILLE PATTERN BLANK...). Exceptions: a zero-width (non-)joiner inside a word of a script that needs it, a
 * zero-width joiner inside an emoji sequence, and one variation selector right after a character it has a form for.
 */
export function isHiddenCharacter(chars: readonly string[], i: number): boolean {
  const ch = chars[i];
  if (ch === undefined || !HIDDEN.test(ch)) return false;
  const before = chars[i - 1];
  if (before === undefined) return true;
  if (ch !== '\u200C' && ch !== '\u200D') return !selectsVariant(ch, before);
  const after = chars[i + 1];
  if (after === undefined) return true;
  if (JOINING_SCRIPT.test(before) && LETTER_OR_MARK.test(after)) return false;
  return !(ch === '\u200D' && PICTOGRAPH.test(before) && PICTOGRAPH.test(after));
}

/** "VARIATION SELECTOR-1" to "VARIATION SELECTOR-256" */
function variationSelectorName(code: number): string | undefined {
  if (code >= 0xfe00 && code <= 0xfe0f) return `VARIATION SELECTOR-${code - 0xfe00 + 1}`;
  if (code >= 0xe0100 && code <= 0xe01ef) return `VARIATION SELECTOR-${code - 0xe0100 + 17}`;
  return undefined;
}

/** "U+202E RIGHT-TO-LEFT OVERRIDE" */
export function describeCodePoint(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ?? variationSelectorName(code);
  return name ? `${hex} ${name}` : hex;
}

/**
 * The problem with a one-line field that holds an invisible format character, a line separator or a character that
 * shows as blank, naming the field and the character: "First name contains an invisible formatting character (U+202E RIGHT-TO-LEFT OVERRIDE); remove
 * it." Undefined when there is none. One pass over the value.
 */
export function describeHiddenCharacter(label: string, value: string): string | undefined {
  const chars = Array.from(value);
  for (let i = 0; i < chars.length; i++) {
    if (!isHiddenCharacter(chars, i)) continue;
    const ch = chars[i] as string;
    const what = SEPARATOR.test(ch)
      ? 'a line break'
      : FORMATTING.test(ch)
        ? 'an invisible formatting character'
        : 'a character that shows as blank';
    return `${label} contains ${what} (${describeCodePoint(ch)}); remove it.`;
  }
  return undefined;
}
