// The request guard with a shared replay ledger (several replicas): two guards over one ledger refuse a request
// replayed to the other one as the process's own memory does; only a SHA-256 of the signature reaches the ledger;
// a ledger that fails or does not answer in time refuses the request (503) instead of letting it through.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { claimAcrossReplicas, type SharedReplayLedger } from '../../src/slack/shared-replay.js';
import { createSlackRequestGuard, SIGNATURE_WINDOW_SECONDS } from '../../src/slack/signed-request.js';
import { FORM_CONTENT_TYPE, signRequest } from '../fakes/sign.js';

const SECRET = 'unit-test-secret';
const NOW = 1_800_000_000;
const BODY = 'command=%2Fx';

function fakeRequest(body: string, timestamp = NOW): IncomingMessage {
  const stream = new PassThrough();
  stream.end(body);
  const headers = {
    'content-type': FORM_CONTENT_TYPE,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signRequest(SECRET, timestamp, body),
  };
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

/** The store's contract in memory, recording every claim it was asked for. */
function memoryLedger(): SharedReplayLedger & { claims: Array<{ hash: string; expiresAt: Date; now: Date }> } {
  const expiries = new Map<string, number>();
  const claims: Array<{ hash: string; expiresAt: Date; now: Date }> = [];
  return {
    claims,
    async claimSignature(hash, expiresAt, now) {
      claims.push({ hash, expiresAt, now });
      const known = expiries.get(hash);
      if (known !== undefined && known >= now.getTime()) return false;
      expiries.set(hash, expiresAt.getTime());
      return true;
    },
  };
}

const guardOn = (shared: SharedReplayLedger | undefined, sharedTimeoutMs?: number) =>
  createSlackRequestGuard({
    signingSecret: SECRET,
    nowSeconds: () => NOW,
    shared,
    ...(sharedTimeoutMs !== undefined ? { sharedTimeoutMs } : {}),
  });

describe('replay refusal across replicas', () => {
  it('a request taken by one guard is refused by another on the same ledger, with the replay refusal', async () => {
    const ledger = memoryLedger();
    const [first, second] = [guardOn(ledger), guardOn(ledger)];
    expect(await first.check(fakeRequest(BODY))).toEqual({ ok: true, rawBody: Buffer.from(BODY) });
    expect(await second.check(fakeRequest(BODY))).toEqual({ ok: false, status: 401, code: 'replayed', bodyRead: true });
    // Each guard without the ledger would have taken it: the refusal is the ledger's.
    expect(await guardOn(undefined).check(fakeRequest(BODY))).toMatchObject({ ok: true });
    expect(await guardOn(undefined).check(fakeRequest(BODY))).toMatchObject({ ok: true });
  });

  it('gives the ledger only the SHA-256 of the signature, and its expiry when the timestamp leaves the window', async () => {
    const ledger = memoryLedger();
    await guardOn(ledger).check(fakeRequest(BODY, NOW - 10));
    const signature = signRequest(SECRET, NOW - 10, BODY);
    expect(ledger.claims).toEqual([
      {
        hash: createHash('sha256').update(signature).digest('hex'),
        expiresAt: new Date((NOW - 10 + SIGNATURE_WINDOW_SECONDS) * 1000),
        now: new Date(NOW * 1000),
      },
    ]);
  });

  it('a replay to the same guard is refused from memory, without asking the ledger', async () => {
    const ledger = memoryLedger();
    const guard = guardOn(ledger);
    await guard.check(fakeRequest(BODY));
    expect(await guard.check(fakeRequest(BODY))).toMatchObject({ status: 401, code: 'replayed' });
    expect(ledger.claims).toHaveLength(1);
  });

  it('refuses with 503, naming the cause, when the ledger fails', async () => {
    const failing: SharedReplayLedger = {
      claimSignature: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    };
    expect(await guardOn(failing).check(fakeRequest(BODY))).toEqual({
      ok: false,
      status: 503,
      code: 'replay_check_unavailable',
      bodyRead: true,
      cause: 'ECONNREFUSED: connect ECONNREFUSED',
    });
  });

  it('refuses with 503 when the ledger does not answer in time, instead of holding the request', async () => {
    const silent: SharedReplayLedger = { claimSignature: () => new Promise<boolean>(() => undefined) };
    expect(await guardOn(silent, 20).check(fakeRequest(BODY))).toMatchObject({
      status: 503,
      code: 'replay_check_unavailable',
      cause: 'the database did not answer within 20 ms',
    });
  });

  it('a claim that answers first is not turned into a time-out', async () => {
    const ledger = memoryLedger();
    expect(await claimAcrossReplicas(ledger, 'v0=a', NOW + 300, NOW, 60_000)).toEqual({ kind: 'first' });
    expect(await claimAcrossReplicas(ledger, 'v0=a', NOW + 300, NOW, 60_000)).toEqual({ kind: 'replayed' });
  });
});
