// Moodle's format checks for an email address (PHP's FILTER_VALIDATE_EMAIL) and a time zone (PARAM_TIMEZONE),
// written so that their time is linear in the input: their original patterns back-track on crafted text (see
// docs/SECURITY.md, "Bounded work per field"). test/core/linear-patterns.test.ts compares them with the originals.

// lib/classes/param.php PARAM_TIMEZONE is ^(offset|99|[\p{L}\p{N}]+(?:\/?[\p{L}_-])+)$, whose name part has two
// overlapping repeats (letters fit both) and backtracks quadratically. Here the same language in linear steps.
const TIMEZONE_OFFSET = /^(?:[+-]?(?:0?[0-9](?:\.[5|0])?|1[0-3](?:\.0)?|1[0-2]\.5)|99)$/;
const TIMEZONE_HEAD = /^[\p{L}\p{N}]+/u;
const TIMEZONE_TAIL = /^(?:\/?[\p{L}_-])+$/u;
const ENDS_WITH_LETTER = /\p{L}$/u;

/** PARAM_TIMEZONE: an offset, 99, or letters/digits followed by letters, _ or - with single slashes between. */
export function isParamTimezone(value: string): boolean {
  if (TIMEZONE_OFFSET.test(value)) return true;
  // The name: a maximal run of letters and digits, then a tail with no digits. With no tail the run itself must
  // end in a letter and have two characters (Moodle's tail then takes that letter).
  const head = TIMEZONE_HEAD.exec(value)?.[0];
  if (head === undefined) return false;
  const tail = value.slice(head.length);
  if (tail === '') return [...head].length >= 2 && ENDS_WITH_LETTER.test(head);
  return TIMEZONE_TAIL.test(tail);
}

// PHP's FILTER_VALIDATE_EMAIL pattern, made linear. Its checks that need overlapping repeats are done in code
// instead: the local part's 64-character limit, and no domain label of 64+ characters (its `(?!.*[^.]{64,})`).
// Its optional `xn--` prefixes are dropped: each `xn--…` label or top-level domain is already matched without
// them (xn, then -+, then letters), and the choice between the two readings made the pattern exponential.
const EMAIL_LOCAL = String.raw`(?:[\x21\x23-\x27\x2A\x2B\x2D\x2F-\x39\x3D\x3F\x5E-\x7E]+|\x22(?:[\x01-\x08\x0B\x0C\x0E-\x1F\x21\x23-\x5B\x5D-\x7F]|\x5C[\x00-\x7F])*\x22)`;
const EMAIL_IPV4 = String.raw`(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}`;
const EMAIL_LABEL = '[a-z0-9]+(?:-+[a-z0-9]+)*';
const EMAIL_DOMAIN = String.raw`(?:(?:${EMAIL_LABEL}\.)+[a-z][a-z0-9]*(?:-+[a-z0-9]+)*|\[${EMAIL_IPV4}\])`;
const EMAIL_PATTERN = new RegExp(`^${EMAIL_LOCAL}(?:\\.${EMAIL_LOCAL})*@${EMAIL_DOMAIN}$`, 'i');
/** Longest address looked at: Moodle's column is 100 characters, PHP's limit 320. */
const EMAIL_MAX_CHECKED = 320;

/**
 * Moodle's validate_email (lib/weblib.php): PHP's FILTER_VALIDATE_EMAIL (ASCII only, a dot in the domain), no
 * < or >, no line breaks. One deliberate difference: IPv6 domain literals (a@[IPv6:…]) are refused.
 */
export function isValidEmail(address: string): boolean {
  if (address.length > EMAIL_MAX_CHECKED || /[<>\r\n]/.test(address)) return false;
  // No @ (-1) or an empty local part (0) needs no guard: the pattern refuses both.
  const at = address.lastIndexOf('@');
  const localUnits = address
    .slice(0, at)
    .replace(/\\[\s\S]/g, 'x')
    .replace(/"/g, '').length;
  if (localUnits > 64) return false;
  if (
    address
      .slice(at + 1)
      .split('.')
      .some((label) => label.length >= 64)
  )
    return false;
  return EMAIL_PATTERN.test(address);
}
