// Downloads a file a person attached in Slack (a modal's file_input), with the bot token. The URL comes from a
// submission, so it is untrusted: the token is only ever sent to Slack's file host (SLACK_FILES_URL), redirects are
// not followed (Slack sends a request it refuses to its sign-in page), and the body is counted while it streams so
// that a file larger than the cap (whatever size it claims) stops at the cap. Neither the URL (a file URL can carry a
// token in its query) nor the bot token appears in a result or a log line.
import { type Dispatcher, fetch as undiciFetch } from 'undici';
import type { Secret } from '../secret.js';

export type FileDownloadFailure =
  /** The URL is not on Slack's file host: nothing was sent. */
  | 'not_slack_file'
  | 'too_large'
  /** Slack did not give the file to the bot (no files:read, or the file was deleted or is not shared with it). */
  | 'refused'
  | 'not_found'
  | 'unavailable';

export type FileDownload = { ok: true; bytes: Buffer } | { ok: false; reason: FileDownloadFailure; detail: string };

export interface FileDownloadOptions {
  botToken: Secret;
  /** Origin of Slack's file host, e.g. https://files.slack.com (config.slack.filesUrl). */
  filesOrigin: string;
  /** The largest body accepted, in bytes. */
  maxBytes: number;
  timeoutMs: number;
  /** The outbound proxy's dispatcher, if there is one. */
  dispatcher?: Dispatcher | undefined;
}

/** Whether `url` is a file on Slack's file host; the bot token is sent nowhere else. */
export function isSlackFileUrl(url: string, filesOrigin: string): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  return u.origin === filesOrigin && u.username === '' && u.password === '' && u.pathname.startsWith('/files-pri/');
}

function failure(reason: FileDownloadFailure, detail: string): FileDownload {
  return { ok: false, reason, detail };
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, total);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

function statusFailure(status: number): FileDownload {
  if (status >= 300 && status < 400)
    return failure('refused', `redirected (HTTP ${status}), as Slack does when it refuses`);
  if (status === 401 || status === 403) return failure('refused', `HTTP ${status}`);
  if (status === 404 || status === 410) return failure('not_found', `HTTP ${status}`);
  return failure('unavailable', `HTTP ${status}`);
}

/** Errors say what happened (a timeout, a refused connection), never the URL undici may quote. */
function networkFailure(error: unknown): FileDownload {
  const e = error as { name?: unknown; cause?: { code?: unknown } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return failure('unavailable', 'timed out');
  return failure('unavailable', typeof e.cause?.code === 'string' ? e.cause.code : 'network error');
}

export async function downloadSlackFile(url: string, options: FileDownloadOptions): Promise<FileDownload> {
  if (!isSlackFileUrl(url, options.filesOrigin)) {
    return failure('not_slack_file', `not a file on ${options.filesOrigin}`);
  }
  try {
    const response = await undiciFetch(url, {
      headers: { authorization: `Bearer ${options.botToken.reveal()}` },
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    if (response.status !== 200 || !response.body) {
      await response.body?.cancel();
      return statusFailure(response.status);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.maxBytes) {
      await response.body.cancel();
      return failure('too_large', `${declared} bytes announced`);
    }
    const bytes = await readCapped(response.body as ReadableStream<Uint8Array>, options.maxBytes);
    return bytes ? { ok: true, bytes } : failure('too_large', `over ${options.maxBytes} bytes`);
  } catch (error) {
    return networkFailure(error);
  }
}
