// The request guard's parts on their own: header checks without the body, the signature over raw bytes, the bounded
// body read, and the replay cache's bounds in memory and time.

import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  checkSignatureHeaders,
  createSlackRequestGuard,
  isSignatureValid,
  ReplayCache,
  readBoundedBody,
  SIGNATURE_WINDOW_SECONDS,
} from '../../src/slack/signed-request.js';
import { FORM_CONTENT_TYPE, signRequest } from '../fakes/sign.js';

const SECRET = 'unit-test-secret';
const NOW = 1_800_000_000;

/** A request stream with these headers whose body arrives in the chunks given. */
function fakeRequest(headers: Record<string, string | string[]>, chunks: Array<string | Buffer>): IncomingMessage {
  const stream = new PassThrough();
  for (const chunk of chunks) stream.write(chunk);
  stream.end();
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

function signed(body: string, timestamp = NOW): Record<string, string> {
  return {
    'content-type': FORM_CONTENT_TYPE,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signRequest(SECRET, timestamp, body),
  };
}

describe('checkSignatureHeaders', () => {
  it('takes one well-formed signature and a timestamp within 5 minutes either way', () => {
    for (const offset of [0, -SIGNATURE_WINDOW_SECONDS, SIGNATURE_WINDOW_SECONDS]) {
      expect(checkSignatureHeaders(signed('x', NOW + offset), NOW)).toMatchObject({ ok: true });
    }
  });

  it('refuses missing, duplicated or malformed headers, and timestamps outside the window', () => {
    const good = signed('x');
    const cases: Array<[Record<string, string | string[]>, string]> = [
      [{}, 'signature_missing'],
      [{ 'x-slack-signature': good['x-slack-signature'] ?? '' }, 'signature_missing'],
      [{ ...good, 'x-slack-signature': [good['x-slack-signature'] ?? '', 'v0=00'] }, 'signature_malformed'],
      [{ ...good, 'x-slack-signature': 'v1=abc' }, 'signature_malformed'],
      [{ ...good, 'x-slack-signature': `v0=${'A'.repeat(64)}` }, 'signature_malformed'],
      [{ ...good, 'x-slack-request-timestamp': '1e9' }, 'timestamp_malformed'],
      [{ ...good, 'x-slack-request-timestamp': '9'.repeat(13) }, 'timestamp_malformed'],
      [{ ...good, 'x-slack-request-timestamp': String(NOW - SIGNATURE_WINDOW_SECONDS - 1) }, 'timestamp_stale'],
      [{ ...good, 'x-slack-request-timestamp': String(NOW + SIGNATURE_WINDOW_SECONDS + 1) }, 'timestamp_future'],
    ];
    for (const [headers, code] of cases) expect(checkSignatureHeaders(headers, NOW), code).toEqual({ ok: false, code });
  });
});

describe('isSignatureValid', () => {
  it('checks the raw bytes: a body that differs in one byte, or in its encoding, is refused', () => {
    const body = Buffer.from('text=caf\u00e9');
    const signature = signRequest(SECRET, NOW, body.toString());
    expect(isSignatureValid(SECRET, signature, NOW, body)).toBe(true);
    expect(isSignatureValid(SECRET, signature, NOW, Buffer.from('text=cafe'))).toBe(false);
    expect(isSignatureValid(SECRET, signature, NOW, Buffer.from('text=caf\u00e9', 'latin1'))).toBe(false);
    expect(isSignatureValid(SECRET, signature, NOW + 1, body)).toBe(false);
    expect(isSignatureValid('other', signature, NOW, body)).toBe(false);
  });
});

describe('readBoundedBody', () => {
  it('reads a body up to the cap, and stops past it whether or not a length was declared', async () => {
    expect(await readBoundedBody(fakeRequest({}, ['ab', 'cd']), 4)).toEqual({ ok: true, body: Buffer.from('abcd') });
    expect(await readBoundedBody(fakeRequest({}, ['ab', 'cde']), 4)).toEqual({ ok: false, code: 'body_too_large' });
    expect(await readBoundedBody(fakeRequest({ 'content-length': '5' }, []), 4)).toEqual({
      ok: false,
      code: 'body_too_large',
    });
  });
});

describe('ReplayCache', () => {
  it('remembers a signature until it expires', () => {
    const cache = new ReplayCache(10);
    expect(cache.seen('a', 100, 50)).toBe(false);
    expect(cache.seen('a', 100, 99)).toBe(true);
    expect(cache.seen('a', 200, 101)).toBe(false);
  });

  it('stays within its size: expired entries go first, then the oldest', () => {
    const cache = new ReplayCache(3);
    for (const [i, signature] of ['a', 'b', 'c'].entries()) cache.seen(signature, 100 + i, 0);
    cache.seen('d', 500, 102); // a and b have expired
    expect(cache.size).toBe(2);
    expect(cache.evicted).toBe(0);
    for (const signature of ['e', 'f', 'g']) cache.seen(signature, 500, 102);
    expect(cache.size).toBeLessThanOrEqual(3);
    expect(cache.evicted).toBeGreaterThan(0);
  });
});

describe('createSlackRequestGuard', () => {
  const guard = () => createSlackRequestGuard({ signingSecret: SECRET, maxBodyBytes: 64, nowSeconds: () => NOW });

  it('passes a signed body once, then refuses the same bytes and signature as a replay', async () => {
    const g = guard();
    const body = 'command=%2Fx';
    expect(await g.check(fakeRequest(signed(body), [body]))).toEqual({ ok: true, rawBody: Buffer.from(body) });
    expect(await g.check(fakeRequest(signed(body), [body]))).toMatchObject({
      ok: false,
      status: 401,
      code: 'replayed',
    });
  });

  it('answers 413 past the cap and 401 for a bad signature; an unsigned large body is never read', async () => {
    const g = guard();
    const big = 'x'.repeat(65);
    expect(await g.check(fakeRequest(signed(big), [big]))).toMatchObject({ status: 413, code: 'body_too_large' });
    expect(await g.check(fakeRequest({ ...signed('a'), 'content-type': FORM_CONTENT_TYPE }, ['b']))).toMatchObject({
      status: 401,
      code: 'signature_mismatch',
    });
    const unsigned = fakeRequest({ 'content-length': '5000' }, []);
    expect(await g.check(unsigned)).toMatchObject({ status: 401, code: 'signature_missing', bodyRead: false });
  });

  it("recognises Slack's small unsigned SSL check and nothing larger", async () => {
    const g = guard();
    const headers = { 'content-type': FORM_CONTENT_TYPE };
    expect(await g.check(fakeRequest(headers, ['ssl_check=1&token=t']))).toEqual({ ok: 'ssl_check' });
    expect(await g.check(fakeRequest(headers, [`ssl_check=1&pad=${'x'.repeat(2000)}`]))).toMatchObject({
      status: 401,
    });
    expect(await g.check(fakeRequest({}, ['ssl_check=1']))).toMatchObject({ status: 401 });
  });
});
