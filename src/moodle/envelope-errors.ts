// Moodle's exception envelopes and update warnings turned into MoodleErrors with a hint a person can act on,
// naming the Moodle admin page; the course, enrolment and cohort codes come from enrolment-errors.ts.
import { explainEnrolmentError } from './enrolment-errors.js';
import {
  MoodleError,
  MoodleErrorCode,
  type MoodleExceptionEnvelope,
  type RedactedRequest,
  type UpdateWarning,
} from './errors.js';

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
  'enrol users': 'enrol/manual:enrol',
  'unenrol users from the course': 'enrol/manual:unenrol',
  'add and remove cohort members': 'moodle/cohort:assign',
  'view site-wide cohorts': 'moodle/cohort:view',
  'view courses without participation': 'moodle/course:view',
  'assign roles to users': 'moodle/role:assign',
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
  return (
    html
      .replace(/<\/(div|p|li)>|<br\s*\/?>/gi, '\n')
      // <[^<>]*>, not <[^>]*>: a scan stops at the next <, so a text full of unclosed < stays linear.
      .replace(/<[^<>]*>/g, '')
      .replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#0?39;/g, "'")
      .replace(/&amp;/g, '&')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '')
  );
}

function isPasswordPolicy(envelope: MoodleExceptionEnvelope): boolean {
  // Real errorcodes are identifiers; the policy failure puts its HTML text there (real-responses c6).
  const code = envelope.errorcode;
  return /<div>/i.test(code) || (/\s/.test(code) && /passw/i.test(code));
}

const LIKELY_INVALID_PARAMETER_CAUSES =
  'Moodle rejected the data without saying why (sites without debugging send no details). The usual causes: the username or the email already belongs to another account (emails compare ignoring case); the username has uppercase letters, spaces or characters other than a-z 0-9 - . _ @; the email address is invalid; a name is blank or missing; the auth method is not installed; neither a password nor createpassword was sent. Look the username and email up in Moodle; to see the exact reason, an administrator can set Site administration > Development > Debugging > Debug messages to NORMAL.';

/** debuginfo of an invalidparameter error, in plain words (Appendix A of docs/moodle/real-responses.md). */
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

/** debuginfo of an invalidparameter error, in plain words (Appendix A of docs/moodle/real-responses.md). */
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

interface Explained {
  code: MoodleErrorCode;
  hint: string;
  outcomeUnknown: boolean;
}

/** The code and hint of the errorcodes every function may answer. */
function explainGeneral(envelope: MoodleExceptionEnvelope, fn: string, write: boolean): Explained {
  const { errorcode, message, debuginfo } = envelope;
  let code: MoodleErrorCode;
  let hint: string;
  let outcomeUnknown = false;
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
      if (errorcode === 'invalidresponse') outcomeUnknown = write;
  }
  return { code, hint, outcomeUnknown };
}

/** Turns an exception envelope into a MoodleError with a code and a hint. */
export function envelopeError(
  envelope: MoodleExceptionEnvelope,
  ctx: { wsfunction: string; write: boolean; request?: RedactedRequest },
): MoodleError {
  const { errorcode, message } = envelope;
  const fn = ctx.wsfunction;
  let explained: Explained;
  let shownCode = errorcode === '' ? envelope.exception : errorcode;
  const enrolment = explainEnrolmentError(envelope, fn);
  if (enrolment) {
    explained = { ...enrolment, outcomeUnknown: false };
  } else if (isPasswordPolicy(envelope)) {
    const lines = htmlToPlainLines(errorcode);
    explained = {
      code: MoodleErrorCode.PasswordPolicy,
      hint: `The password does not meet the site's password policy: ${lines.join(' ')} (Site administration > Security > Site security settings > Password policy).`,
      outcomeUnknown: false,
    };
    shownCode = 'password policy';
  } else {
    explained = explainGeneral(envelope, fn, ctx.write);
  }
  const { code, outcomeUnknown } = explained;
  let hint = explained.hint;
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
