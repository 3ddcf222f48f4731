// The client's one way to reach Moodle: form-encodes a call with the token, POSTs it to server.php, reads the
// answer (HTTP status, JSON, exception envelope), retries reads, logs each attempt and scrubs secrets from errors.
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import type { Secret } from '../secret.js';
import { EncodeError, encodeFormBody, type FormObject, flattenParams, isSecretField } from './encode.js';
import { envelopeError } from './envelope-errors.js';
import { asMoodleError, MoodleError, type RedactedRequest, transportErrorFrom } from './errors.js';
import type { CallKind, MoodleCaller } from './method-kit.js';
import { badResponseError, httpStatusError, invalidRequestError, notJsonError } from './response-errors.js';
import { exceptionEnvelopeSchema, looksLikeException } from './schemas.js';
import { scrubMoodleError } from './scrub.js';

export interface MoodleTransport {
  /** The REST endpoint (no token in it). */
  endpoint: string;
  /** For transport errors: the site's host and the proxy's description, if one is used. */
  host: string;
  proxyName: string | undefined;
  token: Secret;
  timeoutMs: number;
  dispatcher: Dispatcher;
  log: Logger | undefined;
  readRetries: number;
  retryMinDelayMs: number;
  /** The metrics' hook: each attempt's function, duration and error code if it failed. */
  observe: ((wsfunction: string, seconds: number, errorCode?: string) => void) | undefined;
}

/** A call ready to send: its body (with the token), its redacted form for errors, and what to scrub. */
interface PreparedCall {
  wsfunction: string;
  write: boolean;
  body: string;
  redacted: RedactedRequest;
  secrets: string[];
}

const RESERVED_PARAMS = new Set(['wstoken', 'wsfunction', 'moodlewsrestformat']);

export function createMoodleCaller(transport: MoodleTransport): MoodleCaller {
  return {
    call: (wsfunction, params, options) => callMoodle(transport, wsfunction, params, options),
    parse: <S extends z.ZodType>(schema: S, body: unknown, wsfunction: string, write: boolean) =>
      parseResponse(transport.token, schema, body, wsfunction, write),
  };
}

/** Not async: once the call is prepared nothing holds `params` (hundreds of encoded users) while it is in flight. */
function callMoodle(
  transport: MoodleTransport,
  wsfunction: string,
  params: FormObject = {},
  options: { kind?: CallKind } = {},
): Promise<unknown> {
  const kind = options.kind ?? (/_get_/.test(wsfunction) ? 'read' : 'write');
  let prepared: PreparedCall;
  try {
    prepared = prepareCall(transport, wsfunction, params, kind === 'write');
  } catch (err) {
    return Promise.reject(err);
  }
  return sendPrepared(transport, prepared);
}

async function sendPrepared(transport: MoodleTransport, prepared: PreparedCall): Promise<unknown> {
  const attempt = (attemptNumber: number) => attemptLogged(transport, prepared, attemptNumber);
  const { readRetries, retryMinDelayMs } = transport;
  if (prepared.write || readRetries <= 0) return attempt(1);
  return pRetry(attempt, {
    retries: readRetries,
    minTimeout: retryMinDelayMs,
    maxTimeout: Math.max(retryMinDelayMs, 2000),
    factor: 2,
    randomize: true,
    shouldRetry: ({ error }) => error instanceof MoodleError && error.retryable,
  });
}

/**
 * A call's form fields as Moodle receives them, after the token, the function and the format (which the client
 * sets itself); refused before sending when the encoder cannot write them.
 */
export function wireFields(wsfunction: string, params: FormObject, token: string): Array<[string, string]> {
  let fields: Array<[string, string]>;
  try {
    fields = flattenParams(params);
  } catch (err) {
    if (err instanceof EncodeError) throw invalidRequestError(wsfunction, err.message);
    throw err;
  }
  const reserved = fields.find(([name]) => RESERVED_PARAMS.has(name));
  if (reserved) throw invalidRequestError(wsfunction, `${reserved[0]} is set by the client itself`);
  return [['wstoken', token], ['wsfunction', wsfunction], ['moodlewsrestformat', 'json'], ...fields];
}

/** The fields of a sent body, without the token, function and format, secrets replaced by [redacted]. */
function redactedFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (!RESERVED_PARAMS.has(name)) out[name] = isSecretField(name) ? '[redacted]' : value;
  }
  return out;
}

function prepareCall(
  { endpoint, token }: MoodleTransport,
  wsfunction: string,
  params: FormObject,
  write: boolean,
): PreparedCall {
  const all = wireFields(wsfunction, params, token.reveal());
  const secrets = [token.reveal()];
  for (let i = 3; i < all.length; i++) {
    const [name, value] = all[i] as [string, string];
    if (isSecretField(name)) secrets.push(value);
  }
  const body = encodeFormBody(all);
  // Built when an error reads it, from the body: a call of hundreds of users has thousands of fields, most calls
  // succeed, and keeping the fields while the call is in flight would keep them past the young generation.
  let redactedParams: Record<string, string> | undefined;
  const redacted: RedactedRequest = {
    method: 'POST',
    url: endpoint,
    wsfunction,
    get params() {
      redactedParams ??= redactedFields(body);
      return redactedParams;
    },
  };
  return { wsfunction, write, body, redacted, secrets };
}

/** One attempt, logged with its duration and outcome; a failure leaves as a scrubbed MoodleError. */
async function attemptLogged(transport: MoodleTransport, call: PreparedCall, attemptNumber: number): Promise<unknown> {
  const { wsfunction, write } = call;
  const started = performance.now();
  try {
    const result = await sendOnce(transport, call);
    transport.observe?.(wsfunction, (performance.now() - started) / 1000);
    const entry = {
      wsfunction,
      durationMs: Math.round(performance.now() - started),
      outcome: 'ok',
      attempt: attemptNumber,
    };
    if (write) transport.log?.info(entry, 'moodle call');
    else transport.log?.debug(entry, 'moodle call');
    return result;
  } catch (err) {
    const error = scrubMoodleError(asMoodleError(err, { wsfunction, write }), call.secrets);
    transport.observe?.(wsfunction, (performance.now() - started) / 1000, error.code);
    transport.log?.warn(
      {
        wsfunction,
        durationMs: Math.round(performance.now() - started),
        outcome: error.code,
        attempt: attemptNumber,
        ...(error.envelope ? { errorcode: error.envelope.errorcode.slice(0, 80) } : {}),
        ...(error.status === undefined ? {} : { status: error.status }),
        ...(error.transport === undefined ? {} : { transport: error.transport }),
        ...(error.outcomeUnknown ? { outcomeUnknown: true } : {}),
      },
      'moodle call failed',
    );
    throw error;
  }
}

async function sendOnce(transport: MoodleTransport, call: PreparedCall): Promise<unknown> {
  const { status, text } = await post(transport, call);
  return readAnswer(status, text, { wsfunction: call.wsfunction, write: call.write, request: call.redacted });
}

/** The HTTP exchange, bounded by the timeout; a transport failure becomes a MoodleError that names the host. */
async function post(transport: MoodleTransport, call: PreparedCall): Promise<{ status: number; text: string }> {
  const { endpoint, dispatcher, timeoutMs } = transport;
  let timedOut = false;
  const controller = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await request(endpoint, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: call.body,
      signal: controller.signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    return { status: res.statusCode, text: await res.body.text() };
  } catch (err) {
    const { wsfunction, write, redacted } = call;
    throw (
      transportErrorFrom(err, {
        wsfunction,
        write,
        host: transport.host,
        timeoutMs,
        request: redacted,
        timedOut,
        ...(transport.proxyName ? { proxy: transport.proxyName } : {}),
      }) ?? asMoodleError(err, { wsfunction, write })
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Moodle answers errors with HTTP 200 and an exception envelope, so that is checked before anything is returned. */
function readAnswer(
  status: number,
  text: string,
  ctx: { wsfunction: string; write: boolean; request: RedactedRequest },
): unknown {
  if (status !== 200) throw httpStatusError(status, text, ctx);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw notJsonError(text, { ...ctx, cause: err });
  }
  if (!looksLikeException(parsed)) return parsed;
  const envelope = exceptionEnvelopeSchema.safeParse(parsed);
  if (!envelope.success) throw badResponseError('malformed exception', ctx);
  const { exception, errorcode, message, debuginfo } = envelope.data;
  throw envelopeError(
    {
      exception,
      errorcode: errorcode ?? '',
      message: message ?? '',
      ...(typeof debuginfo === 'string' ? { debuginfo } : {}),
    },
    ctx,
  );
}

/** Parses a success body; a mismatch is a MoodleError (scrubbed: zod messages never echo values, but be sure). */
function parseResponse<S extends z.ZodType>(
  token: Secret,
  schema: S,
  body: unknown,
  wsfunction: string,
  write: boolean,
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const detail = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'no detail';
  throw scrubMoodleError(badResponseError(detail, { wsfunction, write, cause: result.error }), [token.reveal()]);
}
