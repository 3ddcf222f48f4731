// The one error type of the Moodle client: a stable code, a hint a person can act on (naming the Moodle admin page),
// whether a write may have happened, and what Moodle said; and the failures below HTTP. HTTP and body failures are
// in response-errors.ts, Moodle's exception envelopes in envelope-errors.ts, secret scrubbing in scrub.ts.

import { type GatewayErrorShape, LOOKUP_TOO_BROAD } from '../core/moodle-gateway.js';
import { proxyRefusalStatus } from '../outbound-proxy.js';

export const MoodleErrorCode = {
  /** DNS failure, connection refused or reset, TLS handshake failure: see `transport`. */
  Unreachable: 'moodle_unreachable',
  Timeout: 'moodle_timeout',
  /** 403 with an empty body: web services or the REST protocol are disabled. */
  WebServicesDisabled: 'moodle_webservices_disabled',
  /** 503: the site is in maintenance mode. */
  Maintenance: 'moodle_maintenance',
  /** Any other HTTP status than 200. */
  HttpStatus: 'moodle_http_status',
  /** The body is not JSON (HTML page, PHP notices, truncated JSON, XML). */
  NotJson: 'moodle_not_json',
  InvalidToken: 'moodle_invalid_token',
  AccessException: 'moodle_access_exception',
  NoPermissions: 'moodle_no_permissions',
  InvalidParameter: 'moodle_invalid_parameter',
  PasswordPolicy: 'moodle_password_policy',
  DatabaseWrite: 'moodle_database_write',
  InvalidUser: 'moodle_invalid_user',
  AdminNotDeletable: 'moodle_admin_not_deletable',
  UserNotDeleted: 'moodle_user_not_deleted',
  InvalidRecord: 'moodle_invalid_record',
  /** wsnoinstance: the course has no enabled Manual enrolments method. */
  NoManualEnrolment: 'moodle_no_manual_enrolment',
  /** wsusercannotassign: the token's user may not assign that role id (or no role has it). */
  CannotAssignRole: 'moodle_cannot_assign_role',
  /** requireloginerror: the token's user may not enter the course (no moodle/course:view). */
  CourseNotAccessible: 'moodle_course_not_accessible',
  CourseNotFound: 'moodle_course_not_found',
  CohortNotFound: 'moodle_cohort_not_found',
  UserDeleted: 'moodle_user_deleted',
  GuestNotAllowed: 'moodle_guest_not_allowed',
  /** An `exception` without `errorcode`: a PHP Error leaking out of Moodle. */
  PhpError: 'moodle_php_error',
  /** An exception envelope with any other errorcode. */
  Exception: 'moodle_exception',
  /** JSON that does not match the function's response schema. */
  BadResponse: 'moodle_bad_response',
  /** core_user_update_users answered with per-user warnings. */
  UpdateWarnings: 'moodle_update_warnings',
  /** Refused by the client before sending (e.g. an unsupported criteria key, a non-integer id). */
  InvalidRequest: 'moodle_invalid_request',
  /** A look-up answered with more accounts than it can name (lookup-limits.ts); never retried. */
  LookupTooBroad: LOOKUP_TOO_BROAD,
  Unknown: 'moodle_unknown',
} as const;
export type MoodleErrorCode = (typeof MoodleErrorCode)[keyof typeof MoodleErrorCode];

export type TransportKind = 'dns' | 'refused' | 'reset' | 'tls' | 'network' | 'connect_timeout' | 'proxy' | 'other';

/** Moodle's exception envelope, as sent (debuginfo only when the site has debugging on). */
export interface MoodleExceptionEnvelope {
  exception: string;
  errorcode: string;
  message: string;
  debuginfo?: string;
}

/** One per-user warning of core_user_update_users, with what it means. */
export interface UpdateWarning {
  item?: string;
  itemid?: number;
  warningcode: string;
  message: string;
  hint: string;
}

/** The error's own copy of the request: never the token, never a password. */
export interface RedactedRequest {
  method: string;
  url: string;
  wsfunction: string;
  params: Record<string, string>;
}

export interface MoodleErrorInit {
  code: MoodleErrorCode;
  message: string;
  hint: string;
  outcomeUnknown?: boolean;
  retryable?: boolean;
  wsfunction?: string;
  status?: number;
  transport?: TransportKind;
  envelope?: MoodleExceptionEnvelope;
  warnings?: UpdateWarning[];
  bodyExcerpt?: string;
  request?: RedactedRequest;
  cause?: unknown;
}

const OUTCOME_UNKNOWN_HINT = 'Outcome unknown: look the user up before retrying.';

export class MoodleError extends Error implements GatewayErrorShape {
  override readonly name = 'MoodleError';
  readonly code: MoodleErrorCode;
  readonly hint: string;
  readonly outcomeUnknown: boolean;
  /** A transport failure or 5xx: trying again later may work. */
  readonly retryable: boolean;
  readonly wsfunction: string | undefined;
  readonly status: number | undefined;
  readonly transport: TransportKind | undefined;
  readonly envelope: MoodleExceptionEnvelope | undefined;
  readonly warnings: UpdateWarning[] | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly request: RedactedRequest | undefined;

  constructor(init: MoodleErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.hint =
      this.outcomeUnknown && !init.hint.includes(OUTCOME_UNKNOWN_HINT)
        ? `${init.hint} ${OUTCOME_UNKNOWN_HINT}`
        : init.hint;
    this.retryable = init.retryable ?? false;
    this.wsfunction = init.wsfunction;
    this.status = init.status;
    this.transport = init.transport;
    this.envelope = init.envelope;
    this.warnings = init.warnings;
    this.bodyExcerpt = init.bodyExcerpt;
    this.request = init.request;
  }

  /** What logs and JSON see: no request copy, no cause stack. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      hint: this.hint,
      outcomeUnknown: this.outcomeUnknown,
      retryable: this.retryable,
      wsfunction: this.wsfunction,
      status: this.status,
      transport: this.transport,
      errorcode: this.envelope?.errorcode,
      warnings: this.warnings,
    };
  }
}

/** Normalises anything thrown into a MoodleError (a MoodleError is returned as is). */
export function asMoodleError(err: unknown, context: { wsfunction?: string; write?: boolean } = {}): MoodleError {
  if (err instanceof MoodleError) return err;
  const transport = transportErrorFrom(err, {
    wsfunction: context.wsfunction ?? 'moodle',
    write: context.write ?? false,
  });
  if (transport) return transport;
  const text = err instanceof Error ? err.message : String(err);
  return new MoodleError({
    code: MoodleErrorCode.Unknown,
    message: `${context.wsfunction ?? 'Moodle call'} failed unexpectedly: ${text}`,
    hint: 'An unexpected error happened while talking to Moodle; the log has the details.',
    outcomeUnknown: context.write ?? false,
    ...(context.wsfunction === undefined ? {} : { wsfunction: context.wsfunction }),
    cause: err,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Transport failures (matched on err.code, never on the message)

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA']);
const REFUSED_CODES = new Set(['ECONNREFUSED']);
const RESET_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
const NETWORK_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_REVOKED',
  'HOSTNAME_MISMATCH',
  'EPROTO',
  'UND_ERR_PRX_TLS',
]);

function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node's happy-eyeballs connect throws an AggregateError whose members carry the code.
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const c = errorCodeOf(inner);
      if (c) return c;
    }
  }
  const cause = (err as { cause?: unknown }).cause;
  return cause === undefined || cause === err ? undefined : errorCodeOf(cause);
}

function classifyTransport(code: string): TransportKind | 'timeout' | undefined {
  if (DNS_CODES.has(code)) return 'dns';
  if (REFUSED_CODES.has(code)) return 'refused';
  if (RESET_CODES.has(code)) return 'reset';
  if (NETWORK_CODES.has(code)) return 'network';
  if (TIMEOUT_CODES.has(code)) return 'timeout';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect_timeout';
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) return 'tls';
  return undefined;
}

/** Kinds where the request certainly never reached Moodle, so a write cannot have happened. */
const NOT_SENT: ReadonlySet<TransportKind> = new Set(['dns', 'refused', 'tls', 'network', 'connect_timeout', 'proxy']);

const TRANSPORT_HINTS: Record<TransportKind, (host: string, code: string) => string> = {
  dns: (host) => `The host name ${host} does not resolve (DNS failure): check MOODLE_URL and the server's DNS.`,
  refused: (host) =>
    `The connection to ${host} was refused: nothing listens there. Check MOODLE_URL (scheme and port) and that the web server is running.`,
  reset: (host) =>
    `The connection to ${host} was reset or closed before Moodle's full answer arrived: a proxy, firewall or the web server cut it. Check the web server's error log.`,
  tls: (host, code) =>
    `The HTTPS (TLS) handshake with ${host} failed (${code}): the certificate is expired, self-signed, not trusted, or for another host name. Fix the certificate or MOODLE_URL's host name.`,
  network: (host) => `No network route to ${host}: check the network, firewall and MOODLE_URL.`,
  connect_timeout: (host) =>
    `Could not open a connection to ${host} in time: a firewall may drop the packets, or the host is down. Check MOODLE_URL and the network.`,
  proxy: (host, status) =>
    `The outbound proxy refused to open a connection to ${host} (HTTP ${status}${
      status === '407' ? ': it wants a user name and password' : status === '403' ? ': its rules forbid it' : ''
    }). Check the user and password in HTTPS_PROXY (or HTTP_PROXY), ask for ${host} to be allowed, or list it in NO_PROXY if this server reaches it directly.`,
  other: (host, code) => `The connection to ${host} failed (${code}). Check MOODLE_URL and the network.`,
};

/** Kinds where the proxy, not Moodle, may be what failed. */
const PROXY_SUSPECT: ReadonlySet<TransportKind | 'timeout'> = new Set([
  'dns',
  'refused',
  'reset',
  'network',
  'connect_timeout',
]);

export interface TransportContext {
  wsfunction: string;
  write: boolean;
  host?: string;
  timeoutMs?: number;
  request?: RedactedRequest;
  /** Set when our own per-call timer fired. */
  timedOut?: boolean;
  /** The outbound proxy the client may go through (host and port, no credentials), when one is set. */
  proxy?: string;
}

/** Builds the error for a failure below HTTP (connection, TLS, timeout), or undefined if `err` is not one. */
export function transportErrorFrom(err: unknown, ctx: TransportContext): MoodleError | undefined {
  const tunnelStatus = ctx.timedOut ? undefined : proxyRefusalStatus(err);
  const code = tunnelStatus ?? errorCodeOf(err);
  const kind = ctx.timedOut
    ? 'timeout'
    : tunnelStatus
      ? 'proxy'
      : code === undefined
        ? undefined
        : classifyTransport(code);
  if (kind === undefined) return undefined;
  const host = ctx.host ?? 'the Moodle host';
  const viaProxy =
    ctx.proxy && PROXY_SUSPECT.has(kind)
      ? ` This server goes through the proxy ${ctx.proxy} (unless NO_PROXY lists ${host}): check that it is up and lets this server reach ${host}.`
      : '';
  const common = {
    wsfunction: ctx.wsfunction,
    retryable: true,
    ...(ctx.request ? { request: ctx.request } : {}),
    cause: err,
  };
  if (kind === 'timeout') {
    const limit = ctx.timeoutMs === undefined ? '' : ` within ${ctx.timeoutMs} ms`;
    return new MoodleError({
      ...common,
      code: MoodleErrorCode.Timeout,
      message: `${ctx.wsfunction}: Moodle did not answer${limit}`,
      hint: `Moodle at ${host} did not answer${limit}: the site may be overloaded or a proxy is stalling. Check the server, or raise MOODLE_TIMEOUT_MS.${viaProxy}`,
      outcomeUnknown: ctx.write,
    });
  }
  return new MoodleError({
    ...common,
    // A proxy that refused the tunnel (403, 407) refuses it again: no point in retrying.
    retryable: kind !== 'proxy',
    code: kind === 'connect_timeout' ? MoodleErrorCode.Timeout : MoodleErrorCode.Unreachable,
    transport: kind,
    message: `${ctx.wsfunction}: Moodle is unreachable (${kind}, ${code ?? 'unknown'})`,
    hint: TRANSPORT_HINTS[kind](host, code ?? 'unknown') + viaProxy,
    outcomeUnknown: ctx.write && !NOT_SENT.has(kind),
  });
}
