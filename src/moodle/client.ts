// The Moodle web-service client: implements the MoodleGateway port over REST (POST to
// /webservice/rest/server.php, form-encoded, JSON answers). One method and one response schema per function; every
// failure becomes a MoodleError. Reads retry transport failures; writes never do, and say when their outcome is
// unknown. The token travels only in the request body and is scrubbed from every error and log line.
import { performance } from 'node:perf_hooks';
import pRetry from 'p-retry';
import type { Logger } from 'pino';
import { Agent, type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import type { CreatedUser, CreateUserInput, MoodleGateway, SiteInfo, UpdateUserInput } from '../core/moodle-gateway.js';
import { createProxyDispatcher, describeProxyUrl, type ProxySettings, proxyFor } from '../outbound-proxy.js';
import type { Secret } from '../secret.js';
import { createCohortMethods } from './cohorts.js';
import { createCourseMethods } from './courses.js';
import {
  EncodeError,
  encodeCreateUser,
  encodeFormBody,
  encodeUpdateUser,
  type FormObject,
  flattenParams,
  isSecretField,
} from './encode.js';
import { createEnrolmentMethods } from './enrolments.js';
import { envelopeError, updateWarningsError } from './envelope-errors.js';
import { asMoodleError, MoodleError, MoodleErrorCode, type RedactedRequest, transportErrorFrom } from './errors.js';
import type { CallKind, MoodleCaller } from './method-kit.js';
import { badResponseError, httpStatusError, invalidRequestError, notJsonError } from './response-errors.js';
import {
  createUsersResponseSchema,
  deleteUsersResponseSchema,
  exceptionEnvelopeSchema,
  looksLikeException,
  siteInfoResponseSchema,
  toSiteInfo,
  updateUsersResponseSchema,
} from './schemas.js';
import { scrubMoodleError } from './scrub.js';
import { createUserLookups } from './users.js';

export type { CallKind } from './method-kit.js';
export { GET_USERS_CRITERION_KEYS } from './users.js';

export interface MoodleClientOptions {
  /** Site root, e.g. https://lms.example.org (a trailing slash is ignored). */
  url: string;
  token: Secret;
  /** Per call, covering the wait for headers and for the whole body. */
  timeoutMs: number;
  /** Transport (tests inject a MockAgent); default: a keep-alive Agent owned and closed by the client. */
  dispatcher?: Dispatcher;
  /** Outbound proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY): the client's own Agent then goes through it. */
  proxy?: ProxySettings | undefined;
  logger?: Logger;
  /** How many times reads are retried after a transport failure or 5xx (default 2). Writes are never retried. */
  readRetries?: number;
  /** First retry delay in ms (default 200; doubles, at most 2000). */
  retryMinDelayMs?: number;
  /** Told of every call (each retry is one) for the metrics: its function, duration and error code if it failed. */
  observe?: (wsfunction: string, seconds: number, errorCode?: string) => void;
}

/** Whether a function can be called with this token (see probeFunction). */
export type FunctionProbe = 'available' | 'not_in_service' | 'unknown_function';

export interface MoodleClient extends MoodleGateway {
  /** The REST endpoint (no token in it). */
  readonly endpoint: string;
  /** See MoodleCaller.call. */
  call: MoodleCaller['call'];
  /**
   * Asks Moodle whether the token's service holds `wsfunction`, by calling it without parameters: access control
   * runs before parameter validation, so nothing happens. Only for reads and functions with a required parameter.
   */
  probeFunction(wsfunction: string): Promise<FunctionProbe>;
  close(): Promise<void>;
}

const RESERVED_PARAMS = new Set(['wstoken', 'wsfunction', 'moodlewsrestformat']);

export function createMoodleClient(options: MoodleClientOptions): MoodleClient {
  const base = new URL(options.url);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new Error(`MOODLE_URL must start with https:// or http://, got ${base.protocol}`);
  }
  const endpoint = `${base.origin}${base.pathname.replace(/\/+$/, '')}/webservice/rest/server.php`;
  const host = base.host;
  const timeoutMs = options.timeoutMs;
  const ownDispatcher = options.dispatcher === undefined;
  const proxyName = describeProxyUrl(proxyFor(options.proxy, base.href));
  const agentOptions = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connect: { timeout: timeoutMs } };
  const dispatcher =
    options.dispatcher ??
    (options.proxy ? createProxyDispatcher(options.proxy, agentOptions) : new Agent(agentOptions));
  const log = options.logger?.child({ component: 'moodle-client' });
  const readRetries = options.readRetries ?? 2;
  const retryMinDelayMs = options.retryMinDelayMs ?? 200;
  const token = options.token;

  async function sendOnce(
    wsfunction: string,
    body: string,
    ctx: { write: boolean; request: RedactedRequest },
  ): Promise<unknown> {
    let timedOut = false;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await request(endpoint, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: controller.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw (
        transportErrorFrom(err, {
          wsfunction,
          write: ctx.write,
          host,
          timeoutMs,
          request: ctx.request,
          timedOut,
          ...(proxyName ? { proxy: proxyName } : {}),
        }) ?? asMoodleError(err, { wsfunction, write: ctx.write })
      );
    } finally {
      clearTimeout(timer);
    }
    if (status !== 200) throw httpStatusError(status, text, { wsfunction, write: ctx.write, request: ctx.request });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw notJsonError(text, { wsfunction, write: ctx.write, request: ctx.request, cause: err });
    }
    if (looksLikeException(parsed)) {
      const envelope = exceptionEnvelopeSchema.safeParse(parsed);
      if (!envelope.success) {
        throw badResponseError('malformed exception', { wsfunction, write: ctx.write, request: ctx.request });
      }
      const { exception, errorcode, message, debuginfo } = envelope.data;
      throw envelopeError(
        {
          exception,
          errorcode: errorcode ?? '',
          message: message ?? '',
          ...(typeof debuginfo === 'string' ? { debuginfo } : {}),
        },
        { wsfunction, write: ctx.write, request: ctx.request },
      );
    }
    return parsed;
  }

  async function call(
    wsfunction: string,
    params: FormObject = {},
    callOptions: { kind?: CallKind } = {},
  ): Promise<unknown> {
    const kind = callOptions.kind ?? (/_get_/.test(wsfunction) ? 'read' : 'write');
    const write = kind === 'write';
    let fields: Array<[string, string]>;
    try {
      fields = flattenParams(params);
    } catch (err) {
      if (err instanceof EncodeError) throw invalidRequestError(wsfunction, err.message);
      throw err;
    }
    const reserved = fields.find(([name]) => RESERVED_PARAMS.has(name));
    if (reserved) throw invalidRequestError(wsfunction, `${reserved[0]} is set by the client itself`);
    const secrets = [token.reveal(), ...fields.filter(([name]) => isSecretField(name)).map(([, value]) => value)];
    const redacted: RedactedRequest = {
      method: 'POST',
      url: endpoint,
      wsfunction,
      params: Object.fromEntries(fields.map(([name, value]) => [name, isSecretField(name) ? '[redacted]' : value])),
    };
    const body = encodeFormBody([
      ['wstoken', token.reveal()],
      ['wsfunction', wsfunction],
      ['moodlewsrestformat', 'json'],
      ...fields,
    ]);

    const attempt = async (attemptNumber: number): Promise<unknown> => {
      const started = performance.now();
      try {
        const result = await sendOnce(wsfunction, body, { write, request: redacted });
        options.observe?.(wsfunction, (performance.now() - started) / 1000);
        const entry = {
          wsfunction,
          durationMs: Math.round(performance.now() - started),
          outcome: 'ok',
          attempt: attemptNumber,
        };
        if (write) log?.info(entry, 'moodle call');
        else log?.debug(entry, 'moodle call');
        return result;
      } catch (err) {
        const error = scrubMoodleError(asMoodleError(err, { wsfunction, write }), secrets);
        options.observe?.(wsfunction, (performance.now() - started) / 1000, error.code);
        log?.warn(
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
    };

    if (write || readRetries <= 0) return attempt(1);
    return pRetry(attempt, {
      retries: readRetries,
      minTimeout: retryMinDelayMs,
      maxTimeout: Math.max(retryMinDelayMs, 2000),
      factor: 2,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof MoodleError && error.retryable,
    });
  }

  /** Parses a success body; a mismatch is a MoodleError (scrubbed: zod messages never echo values, but be sure). */
  function parseWith<S extends z.ZodType>(schema: S, body: unknown, wsfunction: string, write: boolean): z.output<S> {
    const result = schema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const detail = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'no detail';
    throw scrubMoodleError(badResponseError(detail, { wsfunction, write, cause: result.error }), [token.reveal()]);
  }

  const caller: MoodleCaller = { call, parse: parseWith };
  const gateway: MoodleClient = {
    endpoint,
    call,
    ...createUserLookups(caller),
    ...createCourseMethods(caller),
    ...createEnrolmentMethods(caller),
    ...createCohortMethods(caller),

    async getSiteInfo(): Promise<SiteInfo> {
      const fn = 'core_webservice_get_site_info';
      return toSiteInfo(parseWith(siteInfoResponseSchema, await call(fn, {}, { kind: 'read' }), fn, false));
    },

    async createUsers(users: CreateUserInput[]): Promise<CreatedUser[]> {
      const fn = 'core_user_create_users';
      if (users.length === 0) return [];
      const body = await call(fn, { users: users.map(encodeCreateUser) }, { kind: 'write' });
      const created = parseWith(createUsersResponseSchema, body, fn, true);
      if (created.length !== users.length) {
        throw badResponseError(`${created.length} users returned for ${users.length} sent`, {
          wsfunction: fn,
          write: true,
        });
      }
      return created.map((c) => ({ id: c.id, username: c.username }));
    },

    async updateUsers(users: UpdateUserInput[]): Promise<void> {
      const fn = 'core_user_update_users';
      if (users.length === 0) return;
      const body = await call(fn, { users: users.map(encodeUpdateUser) }, { kind: 'write' });
      const { warnings } = parseWith(updateUsersResponseSchema, body, fn, true);
      if (warnings.length > 0) {
        throw scrubMoodleError(
          updateWarningsError(
            warnings.map((w) => ({
              warningcode: w.warningcode,
              message: w.message,
              ...(w.item === undefined ? {} : { item: w.item }),
              ...(w.itemid === undefined ? {} : { itemid: w.itemid }),
            })),
            { wsfunction: fn },
          ),
          [token.reveal(), ...users.flatMap((u) => (u.password ? [u.password] : []))],
        );
      }
    },

    async deleteUsers(userIds: number[]): Promise<void> {
      const fn = 'core_user_delete_users';
      if (userIds.length === 0) return;
      parseWith(deleteUsersResponseSchema, await call(fn, { userids: userIds }, { kind: 'write' }), fn, true);
    },

    async probeFunction(wsfunction: string): Promise<FunctionProbe> {
      try {
        await call(wsfunction, {}, { kind: 'read' });
        return 'available';
      } catch (err) {
        if (!(err instanceof MoodleError)) throw err;
        if (err.code === MoodleErrorCode.InvalidParameter) return 'available';
        if (err.code === MoodleErrorCode.AccessException) return 'not_in_service';
        if (err.code === MoodleErrorCode.InvalidRecord) return 'unknown_function';
        throw err;
      }
    },

    async close(): Promise<void> {
      if (ownDispatcher) await dispatcher.close();
    },
  };
  return gateway;
}
