// The REST endpoint (webservice/rest/server.php) and login/token.php of the fake Moodle: request parsing,
// the error precedence of docs/moodle/ws-reference.md §6, and JSON/XML rendering as recorded in docs/moodle/real-responses.md.
import type { IncomingMessage } from 'node:http';
import { invalidParameterError, MoodleError, missingStringError, PhpError, type RequestContext } from './errors.js';
import { type Caller, FUNCTIONS } from './functions.js';
import { cleanReturnValue, type Desc, type Returned, validateParameters } from './params.js';
import {
  type PhpArray,
  type PhpData,
  parsePhpQuery,
  phpHtmlSpecialChars,
  phpJsonEncode,
  registerPhpVariable,
} from './php.js';
import { hashPassword } from './site.js';

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ParsedRequest {
  /** Query and body merged, body winning (array_merge($_GET, $_POST)). */
  vars: PhpArray;
  /** The decoded name=value pairs in arrival order, for the call log. */
  pairs: Array<[string, string]>;
}

function splitPairs(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const parsed = new URLSearchParams(query);
  for (const [k, v] of parsed) pairs.push([k, v]);
  return pairs;
}

/**
 * PHP's max_input_vars: variables past the limit are dropped (with a warning in the log only), so a call carrying
 * too many users reaches Moodle with its last users cut short and fails with the generic invalidparameter
 * (docs/moodle/bulk-timings.md).
 */
function capVariables(text: string, maxInputVars: number): string {
  let at = -1;
  for (let n = 0; n < maxInputVars; n++) {
    at = text.indexOf('&', at + 1);
    if (at < 0) return text;
  }
  return text.slice(0, at);
}

/** Reads GET and POST variables like PHP: urlencoded and multipart bodies only; a JSON body is ignored (§1.1). */
export async function parseRequest(req: IncomingMessage, body: Buffer, maxInputVars = 5_000): Promise<ParsedRequest> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const query = q === -1 ? '' : url.slice(q + 1);
  const get = parsePhpQuery(query);
  const pairs = splitPairs(query);
  let post: PhpArray = new Map();
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  if (req.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    const text = capVariables(body.toString('latin1'), maxInputVars);
    post = parsePhpQuery(text);
    pairs.push(...splitPairs(capVariables(body.toString('utf8'), maxInputVars)));
  } else if (req.method === 'POST' && contentType.startsWith('multipart/form-data')) {
    try {
      const form = await new Request('http://fake/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body,
      }).formData();
      for (const [name, v] of form) {
        // Uploaded files go to $_FILES, not $_POST.
        if (typeof v !== 'string') continue;
        registerPhpVariable(post, name, v);
        pairs.push([name, v]);
      }
    } catch {
      // PHP silently drops a malformed multipart body.
    }
  }
  const vars: PhpArray = new Map(get);
  for (const [k, v] of post) vars.set(k, v);
  return { vars, pairs };
}

const COMMON_HEADERS = {
  'Cache-Control': 'private, must-revalidate, pre-check=0, post-check=0, max-age=0',
  Expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
  Pragma: 'no-cache',
  'Accept-Ranges': 'none',
  'Access-Control-Allow-Origin': '*',
};

type Format = 'json' | 'xml';

function jsonResponse(body: string): FakeResponse {
  return { status: 200, headers: { ...COMMON_HEADERS, 'Content-Type': 'application/json' }, body };
}

function xmlResponse(inner: string): FakeResponse {
  return {
    status: 200,
    headers: {
      ...COMMON_HEADERS,
      'Content-Type': 'application/xml; charset=utf-8',
      'Content-Disposition': 'inline; filename="response.xml"',
    },
    body: `<?xml version="1.0" encoding="UTF-8" ?>\n${inner}`,
  };
}

/** send_error(): keys exception, errorcode, message[, debuginfo] (§1.3; g1, g6a-g6c, Appendix A/B). */
function renderError(ctx: RequestContext, error: MoodleError, format: Format): FakeResponse {
  const debugging = ctx.debug !== 'none';
  const php = error instanceof PhpError; // a6: no errorcode key
  if (format === 'json') {
    const obj: { [key: string]: PhpData } = php
      ? { exception: error.exception, message: error.message }
      : { exception: error.exception, errorcode: error.errorcode, message: error.message };
    if (debugging && error.debuginfo !== undefined) obj.debuginfo = error.debuginfo;
    return jsonResponse(phpJsonEncode(obj));
  }
  let xml = `<EXCEPTION class="${error.exception}">\n`;
  if (!php) xml += `<ERRORCODE>${phpHtmlSpecialChars(error.errorcode)}</ERRORCODE>\n`;
  xml += `<MESSAGE>${phpHtmlSpecialChars(error.message)}</MESSAGE>\n`;
  if (debugging && error.debuginfo !== undefined) {
    xml += `<DEBUGINFO>${phpHtmlSpecialChars(error.debuginfo)}</DEBUGINFO>\n`;
  }
  return xmlResponse(`${xml}</EXCEPTION>\n`);
}

/** xmlize_result(): every description key is written, absent ones as `<VALUE null="null"/>` (g6d, g11). */
function xmlize(desc: Desc, data: Returned): string {
  if (desc.kind === 'value') {
    if (data === null || data === undefined) return '<VALUE null="null"/>\n';
    const text = typeof data === 'boolean' ? (data ? '1' : '0') : String(data);
    return `<VALUE>${phpHtmlSpecialChars(text)}</VALUE>\n`;
  }
  if (desc.kind === 'multiple') {
    const items = Array.isArray(data) ? data : [];
    return `<MULTIPLE>\n${items.map((item) => xmlize(desc.content, item)).join('')}</MULTIPLE>\n`;
  }
  const record = (data && typeof data === 'object' && !Array.isArray(data) ? data : {}) as { [k: string]: Returned };
  const keys = desc.keys.map(([key, sub]) => `<KEY name="${key}">${xmlize(sub, record[key])}</KEY>\n`).join('');
  return `<SINGLE>\n${keys}</SINGLE>\n`;
}

function toPhpData(data: Returned): PhpData {
  if (data === undefined) return null;
  if (Array.isArray(data)) return data.map(toPhpData);
  if (data !== null && typeof data === 'object') {
    const out: { [key: string]: PhpData } = {};
    for (const [k, v] of Object.entries(data)) if (v !== undefined) out[k] = toPhpData(v);
    return out;
  }
  return data;
}

function scalar(vars: PhpArray, key: string): string | undefined {
  const v = vars.get(key);
  return typeof v === 'string' ? v : undefined;
}

/** Resolves the token to its user and service, with the §3.1 user-state checks and webservice/rest:use. */
function authenticate(ctx: RequestContext, token: string | undefined): Caller {
  const site = ctx.site;
  const row = token === undefined || token === '' ? undefined : site.tokens.find((t) => t.token === token);
  const user = row ? site.getUser(row.userid) : undefined;
  if (!row || !user) {
    // g1, g1b
    throw new MoodleError(ctx, 'core\\exception\\moodle_exception', 'invalidtoken', 'Invalid token - token not found');
  }
  const refuse = (code: string, what: string) =>
    new MoodleError(
      ctx,
      'core\\exception\\moodle_exception',
      code,
      `Refused web service access for ${what} username: ${user.username}`,
    );
  if (user.deleted) throw refuse('wsaccessuserdeleted', 'deleted');
  if (!user.confirmed) throw refuse('wsaccessuserunconfirmed', 'unconfirmed');
  if (user.suspended) throw refuse('wsaccessusersuspended', 'suspended');
  if (user.auth === 'nologin') throw refuse('wsaccessusernologin', 'nologin authentication');
  if (!site.hasCapability(user.id, 'webservice/rest:use')) {
    // g9
    throw new MoodleError(
      ctx,
      'webservice_access_exception',
      'accessexception',
      'Access control exception',
      'You are not allowed to use the rest protocol (missing capability: webservice/rest:use)',
    );
  }
  return { userid: user.id, service: row.service };
}

// B-g2: the fixed text of webservice_access_exception in load_function_info(), indentation included.
function accessDeniedText(functionname: string): string {
  const pad = '                     ';
  return [
    `Access to the function ${functionname}() is not allowed.`,
    `${pad}There could be multiple reasons for this:`,
    `${pad}1. The service linked to the user token does not contain the function.`,
    `${pad}2. The service is user-restricted and the user is not listed.`,
    `${pad}3. The service is IP-restricted and the user IP is not listed.`,
    `${pad}4. The service is time-restricted and the time has expired.`,
    `${pad}5. The token is time-restricted and the time has expired.`,
    `${pad}6. The service requires a specific capability which the user does not have.`,
    `${pad}7. The function is called with username/password (no user token is sent)`,
    `${pad}and none of the services has the function to allow the user.`,
    `${pad}These settings can be found in Administration > Site administration`,
    `${pad}> Server > Web services > External services and Manage tokens.`,
  ].join('\n');
}

/** webservice_rest_server::run() for one parsed request (§1.2 order, §6 precedence). */
export function handleRest(ctx: RequestContext, vars: PhpArray): FakeResponse {
  const site = ctx.site;
  const protocols = site.settings.webserviceprotocols.split(',').map((p) => p.trim());
  if (!site.settings.enablewebservices || !protocols.includes('rest')) {
    // g3, g4: 403, empty body; the reason is only logged.
    return { status: 403, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '' };
  }
  const format: Format = scalar(vars, 'moodlewsrestformat') === 'json' ? 'json' : 'xml'; // g6a-g6f, g11
  const params: PhpArray = new Map(vars);
  for (const key of [...params.keys()]) {
    if (
      key === 'wstoken' ||
      key === 'wsfunction' ||
      key === 'moodlewsrestformat' ||
      key.startsWith('moodlewssetting')
    ) {
      params.delete(key);
    }
  }
  try {
    const caller = authenticate(ctx, scalar(vars, 'wstoken'));
    const fnValue = vars.get('wsfunction');
    const functionname = typeof fnValue === 'string' ? fnValue : '';
    if (functionname === '' || functionname === '0') {
      // g5b
      throw invalidParameterError(ctx, 'Missing function name');
    }
    const fn = FUNCTIONS[functionname];
    if (!fn) {
      // g5, g6a
      throw new MoodleError(
        ctx,
        'dml_missing_record_exception',
        'invalidrecord',
        "Can't find data record in database table external_functions.",
        `SELECT * FROM {external_functions} WHERE name = ?\n[array (\n  0 => '${functionname.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}',\n)]`,
      );
    }
    if (!(site.services.get(caller.service) ?? []).includes(functionname)) {
      // g2
      throw new MoodleError(
        ctx,
        'webservice_access_exception',
        'accessexception',
        'Access control exception',
        accessDeniedText(functionname),
      );
    }
    const validated = validateParameters(fn.parameters, params, ctx) as { [key: string]: never };
    const result = fn.run(ctx, caller, validated);
    if (fn.returns === null) {
      // f1 (JSON `null`), g6f (empty RESPONSE)
      return format === 'json' ? jsonResponse('null') : xmlResponse('<RESPONSE>\n</RESPONSE>\n');
    }
    const cleaned = cleanReturnValue(fn.returns, result, ctx);
    return format === 'json'
      ? jsonResponse(phpJsonEncode(toPhpData(cleaned)))
      : xmlResponse(`<RESPONSE>\n${xmlize(fn.returns, cleaned)}</RESPONSE>\n`);
  } catch (error) {
    if (error instanceof MoodleError) return renderError(ctx, error, format);
    throw error;
  }
}

// Appendix B, h3/h4/h6/h7: the DEVELOPER-mode stack traces of login/token.php, verbatim.
const TOKEN_STACKTRACES: Record<string, string> = {
  missingparam:
    '* line 574 of /lib/classes/param.php: core\\exception\\moodle_exception thrown\n* line 452 of /lib/classes/param.php: call to core\\param->get_request_parameter()\n* line 646 of /lib/moodlelib.php: call to core\\param->required_param()\n* line 46 of /login/token.php: call to required_param()\n',
  invalidlogin: '* line 112 of /login/token.php: core\\exception\\moodle_exception thrown\n',
  servicenotavailable: '* line 92 of /login/token.php: core\\exception\\moodle_exception thrown\n',
  cannotcreatetoken:
    '* line 446 of /lib/external/classes/util.php: core\\exception\\moodle_exception thrown\n* line 96 of /login/token.php: call to core_external\\util::generate_token_for_current_user()\n',
  enablewsdescription: '',
};

/** login/token.php (h1-h7): AJAX-renderer errors, JSON with `; charset=utf-8`. */
export function handleTokenPhp(ctx: RequestContext, vars: PhpArray): FakeResponse {
  const site = ctx.site;
  const respond = (obj: { [key: string]: PhpData }): FakeResponse => ({
    status: 200,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: phpJsonEncode(obj),
  });
  const fail = (error: string, errorcode: string) => {
    const developer = ctx.debug === 'developer';
    return respond({
      error,
      errorcode,
      stacktrace: developer ? (TOKEN_STACKTRACES[errorcode] ?? null) : null,
      debuginfo: developer ? `\nError code: ${errorcode}` : null,
      reproductionlink: developer ? `${ctx.wwwroot}/` : null,
    });
  };
  if (!site.settings.enablewebservices)
    return fail('Web services must be enabled in Advanced features.', 'enablewsdescription');
  for (const name of ['username', 'password', 'service']) {
    if (scalar(vars, name) === undefined) return fail(`A required parameter (${name}) was missing`, 'missingparam'); // h3
  }
  const username = scalar(vars, 'username')!.trim().toLowerCase();
  const password = scalar(vars, 'password')!;
  const service = scalar(vars, 'service')!;
  const user = site.users.find((u) => u.username === username && !u.deleted);
  if (!user || user.passwordHash === '' || user.passwordHash !== hashPassword(password) || user.suspended) {
    return fail('Invalid login, please try again', 'invalidlogin'); // h4
  }
  if (!site.services.has(service)) {
    return fail("Web service is not available. (It doesn't exist or might be disabled.)", 'servicenotavailable'); // h6
  }
  const existing = site.tokens.find((t) => t.userid === user.id && t.service === service);
  if (existing) return respond({ token: existing.token, privatetoken: null }); // h1, h2, h5
  if (site.isSiteAdmin(user.id) || !site.hasCapability(user.id, 'moodle/webservice:createtoken')) {
    return fail(`No permission to create web service token for the service ${service}.`, 'cannotcreatetoken'); // h7
  }
  return respond({ token: site.addToken(user.id, service), privatetoken: null });
}

export { missingStringError };
