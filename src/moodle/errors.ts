// The one error type of the Moodle client: a stable code, a hint a person can act on (naming the Moodle admin page),
// whether a write may have happened, and what Moodle said. Secrets (the token, passwords) are scrubbed from every
// string it keeps, including the cause, because errors end up in logs and Slack messages.

import type { GatewayErrorShape } from '../core/moodle-gateway.js';
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
  /** An exception envelope with any other errorcode. */
  Exception: 'moodle_exception',
  /** JSON that does not match the function's response schema. */
  BadResponse: 'moodle_bad_response',
  /** core_user_update_users answered with per-user warnings. */
  UpdateWarnings: 'moodle_update_warnings',
  /** Refused by the client before sending (e.g. an unsupported criteria key, a non-integer id). */
  InvalidRequest: 'moodle_invalid_request',
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

// ---------------------------------------------------------------------------------------------------------------
// HTTP status and body failures

export function httpStatusError(
  status: number,
  body: string,
  ctx: { wsfunction: string; write: boolean; request?: RedactedRequest },
): MoodleError {
  const excerpt = excerptOf(body);
  const base = {
    wsfunction: ctx.wsfunction,
    status,
    ...(excerpt ? { bodyExcerpt: excerpt } : {}),
    ...(ctx.request ? { request: ctx.request } : {}),
  };
  if (status === 403 && body.trim() === '') {
    return new MoodleError({
      ...base,
      code: MoodleErrorCode.WebServicesDisabled,
      message: `${ctx.wsfunction}: Moodle answered 403 Forbidden with an empty body`,
      hint: 'Web services or the REST protocol are disabled on the Moodle site. Turn on Site administration > Advanced features > Enable web services, and enable REST under Site administration > Server > Web services > Manage protocols.',
    });
  }
  if (status === 503) {
    return new MoodleError({
      ...base,
      code: MoodleErrorCode.Maintenance,
      retryable: true,
      message: `${ctx.wsfunction}: Moodle answered 503 Service Unavailable`,
      hint: 'The Moodle site is in maintenance mode (or being upgraded): try again when it is back. Maintenance is switched under Site administration > Server > Maintenance mode (or with admin/cli/maintenance.php).',
    });
  }
  const serverSide = status >= 500;
  let hint: string;
  if (status === 404) {
    hint = `Moodle answered 404 Not Found for /webservice/rest/server.php: MOODLE_URL must be the site root (the address of the front page, without /login or /my).`;
  } else if (status === 401 || status === 403) {
    hint = `Moodle answered ${status}: something in front of Moodle (HTTP authentication, a proxy or a firewall) refused the request. Allow this app to reach /webservice/rest/server.php.`;
  } else if (serverSide) {
    hint = `Moodle answered ${status}: the server failed (often a PHP fatal error or a proxy timeout). Check the web server's and PHP's error logs.`;
  } else {
    hint = `Moodle answered HTTP ${status} where 200 was expected. Check MOODLE_URL and any proxy in front of Moodle.`;
  }
  return new MoodleError({
    ...base,
    code: MoodleErrorCode.HttpStatus,
    retryable: serverSide,
    // A 5xx other than maintenance can come after PHP ran the function (fatal error at the end, proxy timeout).
    outcomeUnknown: ctx.write && serverSide,
    message: `${ctx.wsfunction}: Moodle answered HTTP ${status}`,
    hint,
  });
}

export function notJsonError(
  body: string,
  ctx: { wsfunction: string; write: boolean; request?: RedactedRequest; cause?: unknown },
): MoodleError {
  const trimmed = body.trimStart();
  const excerpt = excerptOf(body);
  let what: string;
  let hint: string;
  if (trimmed.startsWith('<?xml') || trimmed.startsWith('<RESPONSE') || trimmed.startsWith('<EXCEPTION')) {
    what = 'XML instead of JSON';
    hint = 'Moodle answered in XML although JSON was asked for: a proxy may strip the moodlewsrestformat parameter.';
  } else if (trimmed.startsWith('<') || /<(html|body|br|b)\b/i.test(trimmed)) {
    what = 'HTML instead of JSON';
    hint =
      'Moodle answered with an HTML page: MOODLE_URL may not be the Moodle site root (a login page, a proxy page), or PHP printed warnings before the answer. Turn off Site administration > Development > Debugging > Display debug messages, and check the web server log.';
  } else if (trimmed === '') {
    what = 'an empty body';
    hint =
      "Moodle sent an empty answer: PHP probably stopped with a fatal error. Check the web server's and PHP's error logs.";
  } else {
    what = 'a body that is not valid JSON';
    hint =
      "Moodle's answer is not valid JSON (cut short, or mixed with PHP notices). Check the web server's and PHP's error logs, and that Display debug messages is off.";
  }
  return new MoodleError({
    code: MoodleErrorCode.NotJson,
    message: `${ctx.wsfunction}: Moodle answered with ${what}`,
    hint,
    wsfunction: ctx.wsfunction,
    status: 200,
    // The function may have run before the output broke.
    outcomeUnknown: ctx.write,
    ...(excerpt ? { bodyExcerpt: excerpt } : {}),
    ...(ctx.request ? { request: ctx.request } : {}),
    ...(ctx.cause === undefined ? {} : { cause: ctx.cause }),
  });
}

export function badResponseError(
  detail: string,
  ctx: { wsfunction: string; write: boolean; request?: RedactedRequest; cause?: unknown; hint?: string },
): MoodleError {
  return new MoodleError({
    code: MoodleErrorCode.BadResponse,
    message: `${ctx.wsfunction}: Moodle's answer does not have the expected shape (${detail})`,
    hint:
      ctx.hint ??
      `Moodle's answer to ${ctx.wsfunction} does not have the shape this app expects: a plugin or proxy may alter it, or the Moodle version differs. Missing user fields (username, auth, suspended) usually mean the token user lacks moodle/user:viewalldetails.`,
    wsfunction: ctx.wsfunction,
    outcomeUnknown: ctx.write,
    ...(ctx.request ? { request: ctx.request } : {}),
    ...(ctx.cause === undefined ? {} : { cause: ctx.cause }),
  });
}

export function invalidRequestError(wsfunction: string, problem: string): MoodleError {
  return new MoodleError({
    code: MoodleErrorCode.InvalidRequest,
    message: `${wsfunction}: not sent: ${problem}`,
    hint: `The request was not sent to Moodle: ${problem}`,
    wsfunction,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Exception envelopes

/** Moodle's capability names (lang/en/role.php) as they appear in nopermissions messages. */
const CAPABILITY_BY_NAME: Record<string, string> = {
  'create users': 'moodle/user:create',
  'update user profiles': 'moodle/user:update',
  'delete users': 'moodle/user:delete',
  'view user profiles': 'moodle/user:viewdetails',
  'view user full information': 'moodle/user:viewalldetails',
  'view hidden details of users': 'moodle/user:viewhiddendetails',
  'see full user identity in lists': 'moodle/site:viewuseridentity',
  'use rest protocol': 'webservice/rest:use',
};

/** The capability named in a nopermissions message, e.g. "(Create users)" → moodle/user:create. */
export function capabilityFromMessage(message: string): string | undefined {
  const direct = /\b([a-z]+\/[a-z_]+:[a-z_]+)\b/.exec(message);
  if (direct?.[1]) return direct[1];
  const named = /\(([^()]+)\)\.?\s*$/.exec(message);
  if (!named?.[1]) return undefined;
  return CAPABILITY_BY_NAME[named[1].trim().toLowerCase()];
}

/** Moodle's HTML password-policy text as plain lines. */
export function htmlToPlainLines(html: string): string[] {
  return html
    .replace(/<\/(div|p|li)>|<br\s*\/?>/gi, '\n')
    .replace(/<[^<>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&amp;/g, '&')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function isPasswordPolicy(envelope: MoodleExceptionEnvelope): boolean {
  // Real errorcodes are identifiers; the policy failure puts its HTML text there (real-responses c6).
  const code = envelope.errorcode;
  return /<div>/i.test(code) || (/\s/.test(code) && /passw/i.test(code));
}

const LIKELY_INVALID_PARAMETER_CAUSES =
  'Moodle rejected the data without saying why (sites without debugging send no details). The usual causes: the username or the email already belongs to another account (emails compare ignoring case); the username has uppercase letters, spaces or characters other than a-z 0-9 - . _ @; the email address is invalid; a name is blank or missing; the auth method is not installed; neither a password nor createpassword was sent. Look the username and email up in Moodle; to see the exact reason, an administrator can set Site administration > Development > Debugging > Debug messages to NORMAL.';

/** debuginfo of an invalidparameter error, in plain words (Appendix A of real-responses.md). */
const TYPE_PROBLEMS: Record<string, string> = {
  username: 'is not a valid Moodle username: use lowercase letters, digits and - . _ @ only, with no spaces',
  auth: 'is not an installed authentication method',
  int: 'is not a whole number',
  bool: 'is not 0 or 1',
  lang: 'is not an installed language pack',
};

const INVALID_PARAMETER_RULES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^Username already exists: (.*)$/s, (m) => `The username "${m[1]}" is already taken in Moodle.`],
  [
    /^Email address already exists: (.*)$/s,
    (m) => `Another Moodle account already uses the email address "${m[1]}" (emails compare ignoring case).`,
  ],
  [/^Email address is invalid: (.*)$/s, (m) => `"${m[1]}" is not a valid email address.`],
  [/^The field (\w+) cannot be blank$/, (m) => `The field ${m[1]} must not be blank.`],
  [
    /^Invalid password: you must provide a password, or set createpassword/,
    () => 'No password was given: send a password or set createpassword.',
  ],
  [
    /^Invalid authentication type: (.*)$/s,
    (m) => `The auth method "${m[1]}" cannot be used to create accounts through web services.`,
  ],
  [/Missing required key in single structure: (\w+)/, (m) => `The required field ${m[1]} is missing.`],
  [/Unexpected keys \(([^)]*)\) detected/, (m) => `Moodle does not accept the field(s) ${m[1]} here.`],
  [
    /the value is "(.*?)", the server was expecting "(\w+)" type/s,
    (m) => `"${m[1]}" ${TYPE_PROBLEMS[m[2] ?? ''] ?? `is not a valid value of type ${m[2]}`}.`,
  ],
  [/^Invalid language code: (.*)$/s, (m) => `"${m[1]}" is not an installed language pack.`],
  [/^Invalid theme: (.*)$/s, (m) => `"${m[1]}" is not an installed theme.`],
  [/^Missing function name$/, () => 'The request named no web-service function.'],
];

/** debuginfo of an invalidparameter error, in plain words (Appendix A of real-responses.md). */
export function explainInvalidParameter(debuginfo: string): string {
  const d = debuginfo.trim();
  for (const [pattern, explain] of INVALID_PARAMETER_RULES) {
    const m = pattern.exec(d);
    if (m) return explain(m);
  }
  return `Moodle says: ${d}`;
}

const OTHER_ERRORCODE_HINTS: Record<string, string> = {
  forcepasswordchangenotice:
    "The token's user must change its password before it can use web services: log in as that user once, or clear the forced password change in its profile.",
  usernotfullysetup: "The token's user profile is incomplete: fill in its required profile fields in Moodle.",
  sitepolicynotagreed: "The token's user has not accepted the site policy: log in as that user once and accept it.",
  sitemaintenance: 'The Moodle site is in maintenance mode: try again when it is back.',
  upgraderunning: 'Moodle is being upgraded: try again when the upgrade has finished.',
  wsaccessusersuspended:
    "The token's user is suspended: unsuspend it under Site administration > Users > Browse list of users.",
  wsaccessuserdeleted: "The token's user was deleted: create a new web-service user and token.",
  wsaccessuserunconfirmed: "The token's user is not confirmed: confirm it under Site administration > Users.",
  wsaccessusernologin: "The token's user has auth method 'nologin': give it a real auth method (e.g. manual).",
  wsaccessuserexpired: "The token's user's password has expired: set a new one for that user.",
  restrictedcontextexception:
    'The token is restricted to a context that does not allow this call: create a token for the system context.',
  invalidresponse:
    "Moodle's answer failed Moodle's own check after the function ran (for updates this happens when a password fails the policy): other users of the same call may have been saved, so look them up.",
  keyalreadyset: 'A search criterion was sent twice.',
  codingerror: 'Moodle reported a coding error: the function was called in a way Moodle does not support.',
};

const WRITE_FUNCTIONS_WITHOUT_EFFECT = 'Nothing was changed in Moodle.';

/** Turns an exception envelope into a MoodleError with a code and a hint. */
export function envelopeError(
  envelope: MoodleExceptionEnvelope,
  ctx: { wsfunction: string; write: boolean; request?: RedactedRequest },
): MoodleError {
  const { errorcode, message, debuginfo } = envelope;
  const fn = ctx.wsfunction;
  let code: MoodleErrorCode;
  let hint: string;
  let outcomeUnknown = false;
  let shownCode = errorcode;
  if (isPasswordPolicy(envelope)) {
    code = MoodleErrorCode.PasswordPolicy;
    const lines = htmlToPlainLines(errorcode);
    hint = `The password does not meet the site's password policy: ${lines.join(' ')} (Site administration > Security > Site security settings > Password policy).`;
    shownCode = 'password policy';
  } else {
    switch (errorcode) {
      case 'invalidtoken':
        code = MoodleErrorCode.InvalidToken;
        hint =
          'Moodle does not know the token: MOODLE_TOKEN is wrong, was deleted or expired. Check or create it under Site administration > Server > Web services > Manage tokens.';
        break;
      case 'accessexception':
        code = MoodleErrorCode.AccessException;
        if (debuginfo && /rest:use/.test(debuginfo)) {
          hint =
            "The token's user may not use the REST protocol: allow webservice/rest:use in its role (Site administration > Users > Permissions > Define roles).";
        } else if (debuginfo && /token expired/i.test(debuginfo)) {
          hint =
            'The token has expired: create a new one under Site administration > Server > Web services > Manage tokens.';
        } else if (debuginfo && /IP:/.test(debuginfo)) {
          hint =
            "This app's IP address is not allowed for the token: check the token's IP restriction under Site administration > Server > Web services > Manage tokens.";
        } else {
          hint = `The token may not call ${fn}: add ${fn} to the token's external service (Site administration > Server > Web services > External services > Functions), or allow webservice/rest:use in the token user's role (Site administration > Users > Permissions > Define roles).`;
        }
        break;
      case 'nopermissions': {
        code = MoodleErrorCode.NoPermissions;
        const cap = capabilityFromMessage(message);
        hint = `The token's user lacks the capability ${cap ?? `named in "${message}"`}: allow it in that user's role (Site administration > Users > Permissions > Define roles).`;
        break;
      }
      case 'invalidparameter':
        code = MoodleErrorCode.InvalidParameter;
        hint = debuginfo ? explainInvalidParameter(debuginfo) : LIKELY_INVALID_PARAMETER_CAUSES;
        break;
      case 'dmlwriteexception':
        code = MoodleErrorCode.DatabaseWrite;
        hint =
          'Moodle could not write to its database: usually a value longer than its column (username, first name, last name and email hold 100 characters; phone numbers 20), or a username taken at the same moment by another request.';
        break;
      case 'invaliduser':
        code = MoodleErrorCode.InvalidUser;
        hint = 'No such Moodle user: the id does not exist or the account was already deleted.';
        break;
      case 'useradminodelete':
        code = MoodleErrorCode.AdminNotDeletable;
        hint =
          'Site administrators cannot be deleted through web services: remove the account from Site administration > Users > Permissions > Site administrators first.';
        break;
      case 'usernotdeletederror':
        code = MoodleErrorCode.UserNotDeleted;
        hint = "Moodle refused to delete the user: this is the token's own account, which cannot delete itself.";
        break;
      case 'invalidrecord':
        code = MoodleErrorCode.InvalidRecord;
        hint = `Moodle does not know the function ${fn}: the site is older than this app needs, or a plugin is missing.`;
        break;
      case 'sitemaintenance':
      case 'upgraderunning':
        code = MoodleErrorCode.Maintenance;
        hint = OTHER_ERRORCODE_HINTS[errorcode] ?? '';
        break;
      default:
        code = MoodleErrorCode.Exception;
        hint = OTHER_ERRORCODE_HINTS[errorcode] ?? `Moodle reported "${errorcode}": ${message}`;
        if (errorcode === 'invalidresponse') outcomeUnknown = ctx.write;
    }
  }
  const failedWrite = ctx.write && !outcomeUnknown && fn !== 'core_user_update_users';
  if (failedWrite && code !== MoodleErrorCode.Maintenance) hint = `${hint} ${WRITE_FUNCTIONS_WITHOUT_EFFECT}`;
  return new MoodleError({
    code,
    message: `${fn}: Moodle refused (${shownCode}): ${code === MoodleErrorCode.PasswordPolicy ? htmlToPlainLines(message.replace(/^error\//, '')).join(' ') : message}`,
    hint,
    wsfunction: fn,
    outcomeUnknown,
    retryable: code === MoodleErrorCode.Maintenance,
    envelope,
    ...(ctx.request ? { request: ctx.request } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Update warnings

const WARNING_HINTS: Record<string, string> = {
  useremailduplicate: 'another account already uses that email address (emails compare ignoring case)',
  invaliduserid: 'no Moodle user has that id',
  usernotupdatedadmin: 'site administrators can only be changed by a site administrator',
  usernotupdatedguest: 'the guest account cannot be changed',
  useremailinvalid: 'the email address is not valid',
  dmlwriteexception: 'the username is already taken (or a value is longer than its database column)',
  usernotupdateddeleted: 'the account has been deleted',
  usernotupdatedremote: 'the account belongs to another (MNet) site',
};

export function explainUpdateWarning(warningcode: string, message: string): string {
  return WARNING_HINTS[warningcode] ?? `Moodle says: ${message}`;
}

export function updateWarningsError(
  warnings: Array<Omit<UpdateWarning, 'hint'>>,
  ctx: { wsfunction: string; request?: RedactedRequest },
): MoodleError {
  const explained = warnings.map((w) => ({ ...w, hint: explainUpdateWarning(w.warningcode, w.message) }));
  const parts = explained.map((w) => `user ${w.itemid ?? '?'}: ${w.hint}`);
  return new MoodleError({
    code: MoodleErrorCode.UpdateWarnings,
    message: `${ctx.wsfunction}: Moodle did not update ${explained.length} user(s): ${explained.map((w) => `${w.itemid ?? '?'} ${w.warningcode}`).join(', ')}`,
    hint: `Not updated: ${parts.join('; ')}. Users of the same call without a warning were updated.`,
    wsfunction: ctx.wsfunction,
    warnings: explained,
    ...(ctx.request ? { request: ctx.request } : {}),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Secret scrubbing

/** Replaces every form of each secret (raw, URL-encoded, form-encoded, JSON-escaped) by [redacted]. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    const forms = new Set([
      secret,
      encodeURIComponent(secret),
      new URLSearchParams({ x: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
    ]);
    for (const form of forms) if (form && out.includes(form)) out = out.split(form).join('[redacted]');
  }
  return out;
}

/**
 * A copy of `err` that keeps what helps (name, code, errno, syscall, message, stack, nested causes) with secrets
 * scrubbed, and drops every other property: some libraries attach the request or its body to their errors.
 */
export function sanitizeCause(err: unknown, secrets: readonly string[], depth = 0): unknown {
  if (depth > 4) return undefined;
  if (!(err instanceof Error)) {
    return err === undefined ? undefined : new Error(scrubText(String(err), secrets));
  }
  const copy: Error =
    err instanceof AggregateError
      ? new AggregateError(
          err.errors.map((e) => sanitizeCause(e, secrets, depth + 1)),
          scrubText(err.message, secrets),
        )
      : new Error(scrubText(err.message, secrets));
  copy.name = err.name;
  copy.stack = scrubText(err.stack ?? '', secrets);
  const source = err as unknown as Record<string, unknown>;
  const target = copy as unknown as Record<string, unknown>;
  for (const key of ['code', 'errno', 'syscall', 'hostname', 'address', 'port']) {
    const value = source[key];
    if (typeof value === 'string') target[key] = scrubText(value, secrets);
    else if (typeof value === 'number') target[key] = value;
  }
  if (err.cause !== undefined && err.cause !== err) copy.cause = sanitizeCause(err.cause, secrets, depth + 1);
  return copy;
}

/** The same error with every kept string scrubbed of `secrets`. */
export function scrubMoodleError(err: MoodleError, secrets: readonly string[]): MoodleError {
  const s = (t: string) => scrubText(t, secrets);
  const scrubbed = new MoodleError({
    code: err.code,
    message: s(err.message),
    hint: s(err.hint),
    outcomeUnknown: err.outcomeUnknown,
    retryable: err.retryable,
    ...(err.wsfunction === undefined ? {} : { wsfunction: err.wsfunction }),
    ...(err.status === undefined ? {} : { status: err.status }),
    ...(err.transport === undefined ? {} : { transport: err.transport }),
    ...(err.envelope === undefined
      ? {}
      : {
          envelope: {
            exception: s(err.envelope.exception),
            errorcode: s(err.envelope.errorcode),
            message: s(err.envelope.message),
            ...(err.envelope.debuginfo === undefined ? {} : { debuginfo: s(err.envelope.debuginfo) }),
          },
        }),
    ...(err.warnings === undefined
      ? {}
      : { warnings: err.warnings.map((w) => ({ ...w, message: s(w.message), hint: s(w.hint) })) }),
    ...(err.bodyExcerpt === undefined ? {} : { bodyExcerpt: s(err.bodyExcerpt) }),
    ...(err.request === undefined ? {} : { request: err.request }),
    ...(err.cause === undefined ? {} : { cause: sanitizeCause(err.cause, secrets) }),
  });
  // The stack was captured here, not where the failure happened: keep the original frames, scrubbed.
  scrubbed.stack = s(err.stack ?? scrubbed.stack ?? '');
  return scrubbed;
}

/** A short plain-text excerpt of a body for diagnostics (tags stripped). */
export function excerptOf(body: string, max = 300): string {
  // Bounded first: an HTML page of megabytes says what it is within its first 20,000 characters.
  const text = dropElements(body.slice(0, 20_000), ['script', 'style'])
    .replace(/<[^<>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Removes <name …>…</name> elements in one pass (a lazy `<script[\s\S]*?</script>` rescans the rest per opening). */
function dropElements(html: string, names: readonly string[]): string {
  const lower = html.toLowerCase();
  // Where each name next opens; searched again only once passed, so each search covers new text.
  const opens = names.map((name) => lower.indexOf(`<${name}`));
  let out = '';
  let at = 0;
  for (;;) {
    for (const [i, name] of names.entries())
      if (opens[i]! >= 0 && opens[i]! < at) opens[i] = lower.indexOf(`<${name}`, at);
    const found = opens.filter((o) => o >= 0);
    if (found.length === 0) break;
    const next = Math.min(...found);
    const name = names[opens.indexOf(next)]!;
    out += `${html.slice(at, next)} `;
    const close = lower.indexOf(`</${name}>`, next);
    if (close < 0) return out;
    at = close + name.length + 3;
  }
  return out + html.slice(at);
}
