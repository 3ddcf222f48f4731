// The bounds every HTTP request to POST /slack/events passes before Bolt sees it (docs/SECURITY.md): a body size cap
// (413), the v0 signature checked over the raw bytes before anything parses them, a timestamp within 5 minutes either
// way, and a memory of recent signatures so that a captured request cannot be replayed (with several replicas, a
// claim in the shared store as well: shared-replay.ts). Refusals cost the sender more than us: headers are judged
// before the body is read, and a body is never read past the cap.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { claimAcrossReplicas, type SharedReplayLedger } from './shared-replay.js';

/**
 * Slack's largest payload is a modal submission: the view (at most 250 KB, Slack's limit) echoed with its state,
 * form-encoded (up to 3 bytes per character). Our own views are far smaller; 1 MiB covers any view with room.
 */
export const MAX_SLACK_BODY_BYTES = 1024 * 1024;
/** Slack's window for the request timestamp, both ways (Bolt only refuses old ones). */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;
/** Recent signatures remembered; far above what one workspace sends in 10 minutes (each entry ~150 bytes). */
export const DEFAULT_REPLAY_CACHE_SIZE = 20_000;
/** An unsigned `ssl_check=1&token=…` is tiny; anything larger without a signature is refused unread. */
const SSL_CHECK_MAX_BYTES = 1024;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const SIGNATURE_FORMAT = /^v0=[0-9a-f]{64}$/;
const TIMESTAMP_FORMAT = /^[0-9]{1,12}$/;

/** Stable codes for logs and tests; the HTTP status is what Slack (or whoever sent it) sees. */
export type GuardRefusalCode =
  | 'body_too_large'
  | 'body_unreadable'
  | 'signature_missing'
  | 'signature_malformed'
  | 'timestamp_malformed'
  | 'timestamp_stale'
  | 'timestamp_future'
  | 'signature_mismatch'
  | 'replayed'
  /** The shared replay check (several replicas) could not be made: refused rather than let a replay through. */
  | 'replay_check_unavailable';

export type GuardResult =
  | { ok: true; rawBody: Buffer }
  /** Slack's unsigned SSL check: answer 200, run nothing. */
  | { ok: 'ssl_check' }
  | { ok: false; status: 400 | 401 | 413 | 503; code: GuardRefusalCode; bodyRead: boolean; cause?: string };

export interface SlackRequestGuardOptions {
  signingSecret: string;
  maxBodyBytes?: number;
  replayCacheSize?: number;
  /** Seconds since the epoch (tests move it). */
  nowSeconds?: () => number;
  /** The store shared by the replicas (PostgreSQL); absent when one process serves the database (SQLite). */
  shared?: SharedReplayLedger | undefined;
  /** How long the shared check may take before the request is refused (SHARED_REPLAY_TIMEOUT_MS). */
  sharedTimeoutMs?: number;
}

/** Signatures seen in the window; each is forgotten once its timestamp could no longer pass the window check. */
export class ReplayCache {
  readonly #expiries = new Map<string, number>();
  #evicted = 0;

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.#expiries.size;
  }

  /** How many entries were dropped for room before they expired (a sign of a flood; logged by the caller). */
  get evicted(): number {
    return this.#evicted;
  }

  /** True when `signature` was already seen and has not expired; otherwise remembers it until `expiresAt`. */
  seen(signature: string, expiresAt: number, now: number): boolean {
    const known = this.#expiries.get(signature);
    if (known !== undefined && known >= now) return true;
    if (this.#expiries.size >= this.maxEntries) this.#prune(now);
    this.#expiries.set(signature, expiresAt);
    return false;
  }

  #prune(now: number): void {
    for (const [signature, expiresAt] of this.#expiries) if (expiresAt < now) this.#expiries.delete(signature);
    // Still full: drop the oldest entries (insertion order) so that memory stays bounded.
    for (const signature of this.#expiries.keys()) {
      if (this.#expiries.size < this.maxEntries) break;
      this.#expiries.delete(signature);
      this.#evicted += 1;
    }
  }
}

type HeaderCheck = { ok: true; signature: string; timestamp: number } | { ok: false; code: GuardRefusalCode };

/** The signature headers, judged without the body: present once each, well-formed, timestamp in the window. */
export function checkSignatureHeaders(headers: IncomingHttpHeaders, now: number): HeaderCheck {
  const signature = headers['x-slack-signature'];
  const timestampText = headers['x-slack-request-timestamp'];
  if (signature === undefined || timestampText === undefined) return { ok: false, code: 'signature_missing' };
  if (typeof signature !== 'string' || !SIGNATURE_FORMAT.test(signature)) {
    return { ok: false, code: 'signature_malformed' };
  }
  if (typeof timestampText !== 'string' || !TIMESTAMP_FORMAT.test(timestampText)) {
    return { ok: false, code: 'timestamp_malformed' };
  }
  const timestamp = Number(timestampText);
  if (timestamp < now - SIGNATURE_WINDOW_SECONDS) return { ok: false, code: 'timestamp_stale' };
  if (timestamp > now + SIGNATURE_WINDOW_SECONDS) return { ok: false, code: 'timestamp_future' };
  return { ok: true, signature, timestamp };
}

/** Constant-time comparison of `v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw bytes))`. */
export function isSignatureValid(secret: string, signature: string, timestamp: number, rawBody: Buffer): boolean {
  const expected = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest();
  const given = Buffer.from(signature.slice(3), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type BodyRead = { ok: true; body: Buffer } | { ok: false; code: 'body_too_large' | 'body_unreadable' };

/** Reads the body, stopping (without buffering more) as soon as it passes `maxBytes`. */
export function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes)
    return Promise.resolve({ ok: false, code: 'body_too_large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: BodyRead): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onError);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish({ ok: false, code: 'body_too_large' });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = (): void => finish({ ok: false, code: 'body_unreadable' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onError);
  });
}

function isSslCheck(req: IncomingMessage, body: Buffer): boolean {
  return (
    req.headers['content-type'] === FORM_CONTENT_TYPE &&
    new URLSearchParams(body.toString('utf8')).get('ssl_check') === '1'
  );
}

const refuse = (
  status: 400 | 401 | 413 | 503,
  code: GuardRefusalCode,
  bodyRead: boolean,
  cause?: string,
): GuardResult => ({ ok: false, status, code, bodyRead, ...(cause === undefined ? {} : { cause }) });

export interface SlackRequestGuard {
  check(req: IncomingMessage): Promise<GuardResult>;
  readonly replayCache: ReplayCache;
}

export function createSlackRequestGuard(options: SlackRequestGuardOptions): SlackRequestGuard {
  const maxBodyBytes = options.maxBodyBytes ?? MAX_SLACK_BODY_BYTES;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const replayCache = new ReplayCache(options.replayCacheSize ?? DEFAULT_REPLAY_CACHE_SIZE);

  async function check(req: IncomingMessage): Promise<GuardResult> {
    const now = nowSeconds();
    const headers = checkSignatureHeaders(req.headers, now);
    if (!headers.ok) {
      if (headers.code !== 'signature_missing') return refuse(401, headers.code, false);
      const small = await readBoundedBody(req, SSL_CHECK_MAX_BYTES);
      if (small.ok && isSslCheck(req, small.body)) return { ok: 'ssl_check' };
      return refuse(401, 'signature_missing', small.ok);
    }
    const read = await readBoundedBody(req, maxBodyBytes);
    if (!read.ok) return refuse(read.code === 'body_too_large' ? 413 : 400, read.code, false);
    if (!isSignatureValid(options.signingSecret, headers.signature, headers.timestamp, read.body)) {
      return refuse(401, 'signature_mismatch', true);
    }
    // Remembered until the timestamp leaves the window, after which the timestamp check refuses it anyway.
    const expiresAt = headers.timestamp + SIGNATURE_WINDOW_SECONDS;
    if (replayCache.seen(headers.signature, expiresAt, now)) return refuse(401, 'replayed', true);
    if (options.shared) {
      const claim = await claimAcrossReplicas(
        options.shared,
        headers.signature,
        expiresAt,
        now,
        options.sharedTimeoutMs,
      );
      if (claim.kind === 'replayed') return refuse(401, 'replayed', true);
      if (claim.kind === 'unavailable') return refuse(503, 'replay_check_unavailable', true, claim.cause);
    }
    return { ok: true, rawBody: read.body };
  }

  return { check, replayCache };
}
