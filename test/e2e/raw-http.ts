// Raw HTTP for tests that need exact headers (duplicates, odd values, no content-length), bodies that may be cut off,
// and the plain status the server answered. node:http rather than fetch, which normalises headers.
import { request } from 'node:http';
import { FORM_CONTENT_TYPE, nowSeconds, signRequest } from '../fakes/sign.js';
import { TEST_SIGNING_SECRET } from './harness.js';

export interface RawRequest {
  method?: string;
  path?: string;
  /** Header name → value; an array sends the header several times. */
  headers: Record<string, string | string[]>;
  body: string | Buffer;
  /** Send the body in chunks without a content-length (chunked transfer encoding). */
  chunked?: boolean;
}

export interface RawAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends exactly these headers to `baseUrl`; rejects when the connection fails before an answer. */
export function sendRaw(baseUrl: string, raw: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const url = new URL(raw.path ?? '/slack/events', baseUrl);
    const headers = raw.chunked ? raw.headers : { ...raw.headers, 'content-length': Buffer.byteLength(raw.body) };
    const req = request(url, { method: raw.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
      res.on('error', reject);
    });
    // Generous: only turns a hang into a failure (hundreds of requests sent at once on a loaded machine can take
    // tens of seconds to be answered).
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    // The server may close the connection while a refused body is still being written; its answer still counts.
    req.on('error', reject);
    if (raw.chunked) {
      const body = Buffer.from(raw.body);
      for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
      req.end();
    } else {
      req.end(raw.body);
    }
  });
}

/** Headers Slack would send with `body`, signed with the test secret (or `secret`) at `timestamp`. */
export function signedHeaders(
  body: string | Buffer,
  contentType = FORM_CONTENT_TYPE,
  timestamp: number | string = nowSeconds(),
  secret = TEST_SIGNING_SECRET,
): Record<string, string> {
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signRequest(secret, timestamp, body.toString()),
  };
}
