// The linear rewrites of three checks on untrusted text accept exactly what the originals accepted. The originals
// (Moodle's PARAM_TIMEZONE, PHP's FILTER_VALIDATE_EMAIL as first adapted, the username trim) are kept here as
// oracles and compared on short random texts, where their backtracking is harmless.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isParamTimezone, isValidEmail } from '../../src/core/user-record.js';
import { deriveUsername } from '../../src/core/username.js';

const ORIGINAL_TIMEZONE =
  /^(?:[+-]?(?:0?[0-9](?:\.[5|0])?|1[0-3](?:\.0)?|1[0-2]\.5)|99|[\p{L}\p{N}]+(?:\/?[\p{L}_-])+)$/u;

const LOCAL = String.raw`(?:[\x21\x23-\x27\x2A\x2B\x2D\x2F-\x39\x3D\x3F\x5E-\x7E]+|\x22(?:[\x01-\x08\x0B\x0C\x0E-\x1F\x21\x23-\x5B\x5D-\x7F]|\x5C[\x00-\x7F])*\x22)`;
const IPV4 = String.raw`(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}`;
const DOMAIN = String.raw`(?:(?!.*[^.]{64,})(?:(?:xn--)?[a-z0-9]+(?:-+[a-z0-9]+)*\.)+(?:[a-z][a-z0-9]*|xn--[a-z0-9]+)(?:-+[a-z0-9]+)*|\[${IPV4}\])`;
const ORIGINAL_EMAIL = new RegExp(`^${LOCAL}(?:\\.${LOCAL})*@${DOMAIN}$`, 'i');

function originalIsValidEmail(address: string): boolean {
  if (address === '' || address.length > 320 || /[<>\r\n]/.test(address)) return false;
  const at = address.lastIndexOf('@');
  if (at < 1) return false;
  if (
    address
      .slice(0, at)
      .replace(/\\[\s\S]/g, 'x')
      .replace(/"/g, '').length > 64
  )
    return false;
  return ORIGINAL_EMAIL.test(address);
}

function originalDeriveUsername(email: string): string {
  const text = email.trim();
  const at = text.lastIndexOf('@');
  let local = at >= 0 ? text.slice(0, at) : text;
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  const cleaned = local
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^-._a-z0-9]/g, '')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, 100)
    .replace(/[-._]+$/, '');
  return cleaned === '' ? 'user' : cleaned;
}

const textOf = (alphabet: string[], maxLength: number) =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((chars) => chars.join(''));

describe('PARAM_TIMEZONE, linear', () => {
  it('agrees with Moodle’s pattern on 20,000 short texts', () => {
    const alphabet = ['a', 'Z', 'é', 'ß', '1', '9', '0', '5', '/', '_', '-', '.', '+', '|', ' ', '2'];
    fc.assert(
      fc.property(textOf(alphabet, 10), (value) => {
        expect(isParamTimezone(value), JSON.stringify(value)).toBe(ORIGINAL_TIMEZONE.test(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps the known cases', () => {
    const offsets = ['99', '-5.5', '+13', '12.5', '-10.5', '+11.5', '13.0', '9.0'];
    for (const ok of ['Europe/London', 'America/Argentina/Buenos_Aires', 'UTC', 'Port-au-Prince', ...offsets])
      expect(isParamTimezone(ok), ok).toBe(true);
    for (const bad of ['a', 'Etc/GMT+5', 'Europe//London', 'Europe/', '', '14', 'a1', '13.5', '14.0', '12.0.5'])
      expect(isParamTimezone(bad), bad).toBe(false);
  });
});

describe('FILTER_VALIDATE_EMAIL, linear', () => {
  it('agrees with the original pattern on 20,000 short texts', () => {
    const alphabet = ['a', 'x', 'n', 'X', '-', '-', '.', '.', '@', '"', '\\', '1', '[', ']', '2', '5', ' ', '!', 'é'];
    fc.assert(
      fc.property(textOf(alphabet, 24), (value) => {
        expect(isValidEmail(value), JSON.stringify(value)).toBe(originalIsValidEmail(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on 20,000 address-shaped texts (labels, xn-- forms, long labels, IP literals)', () => {
    const label = fc.oneof(
      textOf(['a', 'b', '1', '-', 'x', 'n'], 8),
      fc.constantFrom('xn--', 'xn--a', 'xn--a-b', 'a'.repeat(63), 'a'.repeat(64), '[1.2.3.4]', '[256.1.1.1]'),
    );
    const address = fc
      .tuple(textOf(['a', '.', '"', '\\', '+', '!', '@'], 8), fc.array(label, { minLength: 1, maxLength: 4 }))
      .map(([local, labels]) => `${local}@${labels.join('.')}`);
    fc.assert(
      fc.property(address, (value) => {
        expect(isValidEmail(value), JSON.stringify(value)).toBe(originalIsValidEmail(value));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('deriveUsername, linear', () => {
  it('agrees with the original on 20,000 short texts', () => {
    const alphabet = ['a', 'B', 'é', '-', '.', '_', '+', '@', ' ', '1', '李'];
    fc.assert(
      fc.property(textOf(alphabet, 30), (value) => {
        expect(deriveUsername(value), JSON.stringify(value)).toBe(originalDeriveUsername(value));
      }),
      { numRuns: 20_000 },
    );
  });
});
