// Failures of a Moodle answer above the transport: an HTTP status other than 200, a body that is not JSON, JSON of
// the wrong shape; and a request the client refuses to send.
import { MoodleError, MoodleErrorCode, type RedactedRequest } from './errors.js';

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
    for (const [i, name] of names.entries()) {
      if (opens[i]! >= 0 && opens[i]! < at) opens[i] = lower.indexOf(`<${name}`, at);
    }
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
