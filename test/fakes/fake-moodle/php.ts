// PHP behaviours the fake Moodle must copy byte for byte: request-variable parsing (bracket syntax),
// json_encode with default flags, var_export, htmlspecialchars and PHP's notion of "empty".
import { createHash } from 'node:crypto';

/** A PHP array: an ordered map. Keys are kept as strings; integer-like keys drive `[]` appends. */
export type PhpArray = Map<string, PhpValue>;
export type PhpValue = string | PhpArray;

const INT_KEY = /^(0|-?[1-9][0-9]*)$/;

function nextIndex(arr: PhpArray): string {
  let next = 0;
  for (const key of arr.keys()) {
    if (INT_KEY.test(key)) next = Math.max(next, Number(key) + 1);
  }
  return String(next);
}

/**
 * Stores one `name=value` pair the way php_register_variable_ex does: `a[b][]=v` nests, `[]` appends, a later
 * scalar replaces an earlier array and vice versa, spaces and dots in the base name become `_`.
 */
export function registerPhpVariable(target: PhpArray, rawName: string, value: string): void {
  const name = rawName.replace(/^ +/, '');
  const open = name.indexOf('[');
  let base = open === -1 ? name : name.slice(0, open);
  base = base.replace(/[ .]/g, '_');
  if (base === '') return;
  const path: string[] = [];
  let rest = open === -1 ? '' : name.slice(open);
  while (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close === -1) {
      // PHP turns an unterminated `[` into `_` in the base name and ignores the rest.
      if (path.length === 0) base = `${base}_${rest.slice(1)}`.replace(/[ .[]/g, '_');
      break;
    }
    path.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  let container = target;
  let key = base;
  for (const segment of path) {
    let child = container.get(key);
    if (!(child instanceof Map)) {
      child = new Map();
      container.set(key, child);
    }
    container = child;
    key = segment === '' ? nextIndex(container) : segment;
  }
  container.set(key, value);
}

function percentDecode(text: string): string {
  const bytes: number[] = [];
  const input = text.replace(/\+/g, ' ');
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '%' && /^[0-9a-fA-F]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      // The raw request arrives as latin1 (one char per byte), so each char is one byte.
      bytes.push(ch.charCodeAt(0) & 0xff);
    }
  }
  return new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
}

/** Parses a latin1-decoded query string or x-www-form-urlencoded body into a PHP array. */
export function parsePhpQuery(query: string): PhpArray {
  const result: PhpArray = new Map();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : percentDecode(part.slice(eq + 1));
    registerPhpVariable(result, name, value);
  }
  return result;
}

/** Plain data as PHP would hold it after decoding; used for json_encode and var_export. */
export type PhpData = null | boolean | number | string | PhpData[] | { [key: string]: PhpData };

function escapeJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '/') out += '\\/';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (code < 0x20 || code > 0x7e) {
      // PHP writes every non-ASCII character (and control characters) as lowercase \uXXXX, pairs for astral.
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** json_encode() with PHP's default flags (docs/moodle/ws-reference.md §1.3): `/` as `\/`, non-ASCII as `\uXXXX`. */
export function phpJsonEncode(value: PhpData): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeJsonString(value);
  if (Array.isArray(value)) return `[${value.map(phpJsonEncode).join(',')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${escapeJsonString(k)}:${phpJsonEncode(v)}`)
    .join(',')}}`;
}

/** var_export() of a flat list of [key, value] pairs, as used in Moodle's DML debuginfo. */
export function phpVarExportPairs(pairs: ReadonlyArray<readonly [string | number, string | number]>): string {
  const lines = pairs.map(([k, v]) => {
    const key = typeof k === 'number' ? String(k) : `'${phpQuote(k)}'`;
    const val = typeof v === 'number' ? String(v) : `'${phpQuote(v)}'`;
    return `  ${key} => ${val},\n`;
  });
  return `array (\n${lines.join('')})`;
}

function phpQuote(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/** htmlspecialchars($s, ENT_COMPAT): `&`, `"`, `<`, `>` but not `'`. */
export function phpHtmlSpecialChars(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** PHP's empty() for request strings: '' and '0' are empty. */
export function phpEmpty(value: string | undefined): boolean {
  return value === undefined || value === '' || value === '0';
}

/** PHP trim() default character set. */
const TRIM_CHARS = new Set([' ', '\t', '\n', '\r', '\u0000', '\u000b']);

export function phpTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && TRIM_CHARS.has(text[start]!)) start++;
  while (end > start && TRIM_CHARS.has(text[end - 1]!)) end--;
  return text.slice(start, end);
}

export function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** PHP 8 loose `!=` between a request string and a cleaned value (numeric strings compare as numbers). */
export function phpLooseEquals(a: string, b: string | number): boolean {
  const numeric = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
  if (typeof b === 'number') return numeric.test(a) ? Number(a) === b : a === String(b);
  if (numeric.test(a) && numeric.test(b)) return Number(a) === Number(b);
  return a === b;
}
