// The doctor's Moodle checks, in the order an operator sets Moodle up (README "Set up Moodle"): reachable, web
// services, REST, token, the token's user, functions, capabilities. No probe changes anything on the site.
import type { MoodleCourse } from '../core/gateway/courses.js';
import type { MoodleGateway, SiteInfo } from '../core/moodle-gateway.js';
import { MoodleErrorCode } from '../moodle/errors.js';
import { checkCapabilities } from './capability-checks.js';
import type { CheckResult } from './checklist.js';
import { attempt, codeOf, FUNCTIONS_PAGE, hintOf, messageOf, ROLES_PAGE, TOKENS_PAGE } from './doctor-kit.js';
import { ENROLMENT_FUNCTIONS, runEnrolmentChecks } from './enrolment-checks.js';

export const REQUIRED_FUNCTIONS = [
  'core_user_create_users',
  'core_user_update_users',
  'core_user_delete_users',
] as const;
export const LOOKUP_FUNCTIONS = ['core_user_get_users_by_field', 'core_user_get_users'] as const;
export const SITE_INFO_FUNCTION = 'core_webservice_get_site_info';
const NEEDED_FUNCTIONS: readonly string[] = [
  ...REQUIRED_FUNCTIONS,
  ...LOOKUP_FUNCTIONS,
  SITE_INFO_FUNCTION,
  ...ENROLMENT_FUNCTIONS,
];

/** What the doctor needs beyond the gateway: a side-effect-free probe of the web-services switch. */
export interface DoctorMoodle extends MoodleGateway {
  /**
   * Tells "web services disabled" from "REST protocol disabled" after a 403 (both give an empty 403 on
   * server.php): true when web services are on, false when off, undefined when it cannot tell.
   */
  webServicesEnabled(): Promise<boolean | undefined>;
  /**
   * Whether the token's service holds the function, by calling it with no parameters: access control runs
   * before parameter validation, so "access denied" means absent and "invalid parameter" means present.
   */
  isFunctionInService(wsfunction: string): Promise<boolean>;
  /** The first course that is not the front page, as the token user sees it (lists every course once). */
  firstCourse(): Promise<MoodleCourse | undefined>;
  /** A moodle/cohort:assign check that changes nothing: resolves never; rejects with Moodle's answer. */
  probeCohortAssign(cohortId: number, userId: number): Promise<void>;
}

export interface MoodleCheckOptions {
  moodle: DoctorMoodle;
  url: string;
  /** ROLE_IDS, when valid: each role is checked to be assignable by the token user. */
  roleIds?: Readonly<Record<string, number>> | undefined;
}

export async function runMoodleChecks({ moodle, url, roleIds }: MoodleCheckOptions): Promise<CheckResult[]> {
  const connection = await checkConnection(moodle, url);
  if (connection.stop) return connection.results;
  const { info, probed } = connection;
  // Functions: from site info when we have it, otherwise by probing each.
  const available = probed ?? (info ? new Set(info.functions) : await probeFunctions(moodle));
  return [
    ...connection.results,
    ...(info ? siteResults(info) : []),
    ...functionResults(available, info),
    ...(await checkCapabilities(moodle, available)),
    ...(await runEnrolmentChecks({ moodle, available, tokenUserId: info?.userid, roleIds })),
  ];
}

/** How far the connection got: a stop (the later checks cannot run), or what they can use. */
type Connection =
  | { stop: true; results: CheckResult[] }
  | { stop: false; results: CheckResult[]; info: SiteInfo | undefined; probed: Set<string> | undefined };

/** The connection checks in order; when one fails, those after it are reported as skipped. */
const CONNECTION_STEPS = [
  ['moodle.reachable', 'Moodle reachable'],
  ['moodle.webservices', 'Moodle web services enabled'],
  ['moodle.rest', 'Moodle REST protocol enabled'],
  ['moodle.token', 'Moodle token'],
  ['moodle.functions', 'Functions in the external service'],
  ['moodle.capabilities', 'Capabilities of the web-service role'],
] as const;

function skippedAfter(step: (typeof CONNECTION_STEPS)[number][0], why: string): CheckResult[] {
  const from = CONNECTION_STEPS.findIndex(([id]) => id === step) + 1;
  return CONNECTION_STEPS.slice(from).map(([id, title]) => ({ id, status: 'skip', title, detail: why }));
}

const stop = (results: CheckResult[]): Connection => ({ stop: true, results });

/** Moodle answered as a web service: reachable, web services and REST on. */
const answered = (url: string): CheckResult[] => [
  { id: 'moodle.reachable', status: 'ok', title: 'Moodle reachable', detail: url },
  { id: 'moodle.webservices', status: 'ok', title: 'Moodle web services enabled' },
  { id: 'moodle.rest', status: 'ok', title: 'Moodle REST protocol enabled' },
];

const TOKEN_ACCEPTED: CheckResult = { id: 'moodle.token', status: 'ok', title: 'Moodle token', detail: 'accepted' };

/** Answers that did not come from a Moodle web service (maintenance, proxy pages, errors). */
const NOT_A_WEB_SERVICE: readonly string[] = [
  MoodleErrorCode.Maintenance,
  MoodleErrorCode.HttpStatus,
  MoodleErrorCode.NotJson,
  MoodleErrorCode.BadResponse,
];

/** Reachable, web services, REST and token, all told apart from one call to get_site_info and its error. */
async function checkConnection(moodle: DoctorMoodle, url: string): Promise<Connection> {
  const site = await attempt(() => moodle.getSiteInfo());
  if (site.ok) return { stop: false, results: [...answered(url), TOKEN_ACCEPTED], info: site.value, probed: undefined };
  const code = codeOf(site.error);
  if (code === MoodleErrorCode.Unreachable || code === MoodleErrorCode.Timeout) {
    return stop([
      {
        id: 'moodle.reachable',
        status: 'fail',
        title: 'Moodle reachable',
        detail: messageOf(site.error),
        fix: `${hintOf(site.error)} Check MOODLE_URL (${url}), DNS, firewall and the TLS certificate.`,
      },
      ...skippedAfter('moodle.reachable', 'Moodle is not reachable'),
    ]);
  }
  if (code === MoodleErrorCode.WebServicesDisabled) return stop(await checkWebServicesSwitch(moodle, url));
  if (code !== undefined && NOT_A_WEB_SERVICE.includes(code)) {
    return stop([
      {
        id: 'moodle.reachable',
        status: 'fail',
        title: 'Moodle reachable',
        detail: messageOf(site.error),
        fix: hintOf(site.error),
      },
      ...skippedAfter('moodle.reachable', 'Moodle did not answer as a Moodle web service'),
    ]);
  }
  if (code === MoodleErrorCode.AccessException) return checkTokenWithoutSiteInfo(moodle, url);
  return stop([...answered(url), ...tokenRefused(site.error, code)]);
}

/** An empty 403: web services off, or only REST off (the probe tells which). */
async function checkWebServicesSwitch(moodle: DoctorMoodle, url: string): Promise<CheckResult[]> {
  const reachable: CheckResult = { id: 'moodle.reachable', status: 'ok', title: 'Moodle reachable', detail: url };
  const skipped = skippedAfter('moodle.rest', 'web services must answer first');
  const enabled = await moodle.webServicesEnabled().catch(() => undefined);
  if (enabled === false) {
    return [
      reachable,
      {
        id: 'moodle.webservices',
        status: 'fail',
        title: 'Moodle web services enabled',
        detail: 'web services are disabled',
        fix: 'Site administration > General > Advanced features > Enable web services: tick it and save.',
      },
      {
        id: 'moodle.rest',
        status: 'skip',
        title: 'Moodle REST protocol enabled',
        detail: 'checked once web services are on',
      },
      ...skipped,
    ];
  }
  return [
    reachable,
    {
      id: 'moodle.webservices',
      status: enabled ? 'ok' : 'warn',
      title: 'Moodle web services enabled',
      ...(enabled ? {} : { detail: 'could not tell' }),
    },
    {
      id: 'moodle.rest',
      status: 'fail',
      title: 'Moodle REST protocol enabled',
      detail: 'Moodle answered 403 Forbidden: the REST protocol is disabled',
      fix: 'Site administration > Server > Web services > Manage protocols: enable REST protocol.',
    },
    ...skipped,
  ];
}

function tokenRefused(error: unknown, code: string | undefined): CheckResult[] {
  if (code === MoodleErrorCode.InvalidToken) {
    return [
      {
        id: 'moodle.token',
        status: 'fail',
        title: 'Moodle token',
        detail: 'Moodle does not know this token',
        fix: `${TOKENS_PAGE}: create a token for the web-service user and your service, and set MOODLE_TOKEN to it.`,
      },
      ...skippedAfter('moodle.token', 'needs a valid token'),
    ];
  }
  return [
    { id: 'moodle.token', status: 'fail', title: 'Moodle token', detail: messageOf(error), fix: hintOf(error) },
    ...skippedAfter('moodle.token', 'needs a working token'),
  ];
}

/**
 * Access denied on get_site_info: either it is not in the service, or the role lacks webservice/rest:use. Probing
 * the functions tells them apart: access control runs before parameter checks.
 */
async function checkTokenWithoutSiteInfo(moodle: DoctorMoodle, url: string): Promise<Connection> {
  const probed = await probeFunctions(moodle);
  if (probed.size === 0) {
    return stop([
      ...answered(url),
      {
        id: 'moodle.token',
        status: 'fail',
        title: 'Moodle token',
        detail: 'the token is valid but may call nothing',
        fix: `${ROLES_PAGE}: allow webservice/rest:use, and make sure the service behind the token holds the functions (${FUNCTIONS_PAGE}).`,
      },
      ...skippedAfter('moodle.token', 'the token may call nothing'),
    ]);
  }
  const results: CheckResult[] = [
    ...answered(url),
    TOKEN_ACCEPTED,
    {
      id: 'moodle.siteinfo',
      status: 'warn',
      title: `Function ${SITE_INFO_FUNCTION}`,
      detail: 'not in the service: the app cannot list its functions or see its own user',
      fix: `${FUNCTIONS_PAGE}: add ${SITE_INFO_FUNCTION}.`,
    },
  ];
  return { stop: false, results, info: undefined, probed };
}

/** The site and its token user, warning when that user is a site administrator. */
function siteResults(info: SiteInfo): CheckResult[] {
  const results: CheckResult[] = [
    {
      id: 'moodle.site',
      status: 'ok',
      title: 'Moodle site',
      detail: `"${info.sitename}", Moodle ${info.release}, token user ${info.username} (id ${info.userid})`,
    },
  ];
  if (info.userissiteadmin) {
    results.push({
      id: 'moodle.siteadmin',
      status: 'warn',
      title: 'Least privilege',
      detail: `the token user ${info.username} is a site administrator`,
      fix: 'Use a dedicated web-service user that is not a site admin, with a role holding only the capabilities the app needs (README, "Set up Moodle").',
    });
  }
  return results;
}

/** The user functions in the service (✗ without a required one, ! without a look-up) and any it does not need. */
function functionResults(available: ReadonlySet<string>, info: SiteInfo | undefined): CheckResult[] {
  const missing = (name: string, status: 'fail' | 'warn', detail: string): CheckResult => ({
    id: `moodle.function.${name}`,
    status,
    title: `Function ${name}`,
    detail,
    fix: `${FUNCTIONS_PAGE}: add ${name}.`,
  });
  const present = (name: string): CheckResult => ({
    id: `moodle.function.${name}`,
    status: 'ok',
    title: `Function ${name}`,
  });
  const results: CheckResult[] = [
    ...REQUIRED_FUNCTIONS.map((name) =>
      available.has(name) ? present(name) : missing(name, 'fail', 'not in the service'),
    ),
    ...LOOKUP_FUNCTIONS.map((name) =>
      available.has(name)
        ? present(name)
        : missing(
            name,
            'warn',
            'not in the service: the app cannot check for existing usernames and emails before asking',
          ),
    ),
  ];
  const extra = info ? info.functions.filter((f) => !NEEDED_FUNCTIONS.includes(f)) : [];
  if (extra.length > 0) {
    results.push({
      id: 'moodle.extrafunctions',
      status: 'warn',
      title: 'Least privilege',
      detail: `the service also offers ${extra.length} function(s) the app does not need: ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', …' : ''}`,
      fix: `${FUNCTIONS_PAGE}: remove them, or give the app a service of its own.`,
    });
  }
  return results;
}

async function probeFunctions(moodle: DoctorMoodle): Promise<Set<string>> {
  const available = new Set<string>();
  for (const name of [...REQUIRED_FUNCTIONS, ...LOOKUP_FUNCTIONS, ...ENROLMENT_FUNCTIONS]) {
    const r = await attempt(() => moodle.isFunctionInService(name));
    if (!r.ok || r.value) available.add(name);
  }
  return available;
}
