// The doctor's Moodle checks, in the order an operator sets Moodle up (README "Set up Moodle"): reachable,
// web services on, REST on, token valid, the token's user, the service's functions, the role's capabilities.
// Every probe is chosen so that it cannot change anything on the site, even when a capability is present:
// create a user named "guest" (always exists), update the guest with no fields (Moodle refuses guest updates),
// delete user id 0 (never exists), look the guest up.
import type { MoodleCourse } from '../core/gateway/courses.js';
import type { MoodleGateway, SiteInfo } from '../core/moodle-gateway.js';
import { MoodleErrorCode } from '../moodle/errors.js';
import type { CheckResult } from './checklist.js';
import {
  attempt,
  codeOf,
  FUNCTIONS_PAGE,
  hintOf,
  messageOf,
  type Outcome,
  ROLES_PAGE,
  TOKENS_PAGE,
} from './doctor-kit.js';
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
  const results: CheckResult[] = [];
  const skipRest = (from: string[], why: string) => {
    for (const [id, title] of [
      ['moodle.webservices', 'Moodle web services enabled'],
      ['moodle.rest', 'Moodle REST protocol enabled'],
      ['moodle.token', 'Moodle token'],
      ['moodle.functions', 'Functions in the external service'],
      ['moodle.capabilities', 'Capabilities of the web-service role'],
    ] as const) {
      if (from.includes(id)) results.push({ id, status: 'skip', title, detail: why });
    }
  };

  const site = await attempt(() => moodle.getSiteInfo());
  let info: SiteInfo | undefined;
  let probed: Set<string> | undefined;

  if (site.ok) {
    info = site.value;
    results.push({ id: 'moodle.reachable', status: 'ok', title: 'Moodle reachable', detail: url });
    results.push({ id: 'moodle.webservices', status: 'ok', title: 'Moodle web services enabled' });
    results.push({ id: 'moodle.rest', status: 'ok', title: 'Moodle REST protocol enabled' });
    results.push({ id: 'moodle.token', status: 'ok', title: 'Moodle token', detail: 'accepted' });
  } else {
    const code = codeOf(site.error);
    if (code === MoodleErrorCode.Unreachable || code === MoodleErrorCode.Timeout) {
      results.push({
        id: 'moodle.reachable',
        status: 'fail',
        title: 'Moodle reachable',
        detail: messageOf(site.error),
        fix: `${hintOf(site.error)} Check MOODLE_URL (${url}), DNS, firewall and the TLS certificate.`,
      });
      skipRest(
        ['moodle.webservices', 'moodle.rest', 'moodle.token', 'moodle.functions', 'moodle.capabilities'],
        'Moodle is not reachable',
      );
      return results;
    }
    if (code === MoodleErrorCode.WebServicesDisabled) {
      results.push({ id: 'moodle.reachable', status: 'ok', title: 'Moodle reachable', detail: url });
      const enabled = await moodle.webServicesEnabled().catch(() => undefined);
      if (enabled === false) {
        results.push({
          id: 'moodle.webservices',
          status: 'fail',
          title: 'Moodle web services enabled',
          detail: 'web services are disabled',
          fix: 'Site administration > General > Advanced features > Enable web services: tick it and save.',
        });
        results.push({
          id: 'moodle.rest',
          status: 'skip',
          title: 'Moodle REST protocol enabled',
          detail: 'checked once web services are on',
        });
      } else {
        results.push({
          id: 'moodle.webservices',
          status: enabled ? 'ok' : 'warn',
          title: 'Moodle web services enabled',
          ...(enabled ? {} : { detail: 'could not tell' }),
        });
        results.push({
          id: 'moodle.rest',
          status: 'fail',
          title: 'Moodle REST protocol enabled',
          detail: 'Moodle answered 403 Forbidden: the REST protocol is disabled',
          fix: 'Site administration > Server > Web services > Manage protocols: enable REST protocol.',
        });
      }
      skipRest(['moodle.token', 'moodle.functions', 'moodle.capabilities'], 'web services must answer first');
      return results;
    }
    if (
      code === MoodleErrorCode.Maintenance ||
      code === MoodleErrorCode.HttpStatus ||
      code === MoodleErrorCode.NotJson ||
      code === MoodleErrorCode.BadResponse
    ) {
      results.push({
        id: 'moodle.reachable',
        status: 'fail',
        title: 'Moodle reachable',
        detail: messageOf(site.error),
        fix: hintOf(site.error),
      });
      skipRest(
        ['moodle.webservices', 'moodle.rest', 'moodle.token', 'moodle.functions', 'moodle.capabilities'],
        'Moodle did not answer as a Moodle web service',
      );
      return results;
    }
    results.push({ id: 'moodle.reachable', status: 'ok', title: 'Moodle reachable', detail: url });
    results.push({ id: 'moodle.webservices', status: 'ok', title: 'Moodle web services enabled' });
    results.push({ id: 'moodle.rest', status: 'ok', title: 'Moodle REST protocol enabled' });
    if (code === MoodleErrorCode.InvalidToken) {
      results.push({
        id: 'moodle.token',
        status: 'fail',
        title: 'Moodle token',
        detail: 'Moodle does not know this token',
        fix: `${TOKENS_PAGE}: create a token for the web-service user and your service, and set MOODLE_TOKEN to it.`,
      });
      skipRest(['moodle.functions', 'moodle.capabilities'], 'needs a valid token');
      return results;
    }
    if (code === MoodleErrorCode.AccessException) {
      // Either get_site_info is not in the service, or the role lacks webservice/rest:use. A probe of
      // create_users with no parameters tells them apart: access control runs before parameter checks.
      probed = await probeFunctions(moodle);
      if (probed.size === 0) {
        results.push({
          id: 'moodle.token',
          status: 'fail',
          title: 'Moodle token',
          detail: 'the token is valid but may call nothing',
          fix: `${ROLES_PAGE}: allow webservice/rest:use, and make sure the service behind the token holds the functions (${FUNCTIONS_PAGE}).`,
        });
        skipRest(['moodle.functions', 'moodle.capabilities'], 'the token may call nothing');
        return results;
      }
      results.push({ id: 'moodle.token', status: 'ok', title: 'Moodle token', detail: 'accepted' });
      results.push({
        id: 'moodle.siteinfo',
        status: 'warn',
        title: `Function ${SITE_INFO_FUNCTION}`,
        detail: 'not in the service: the app cannot list its functions or see its own user',
        fix: `${FUNCTIONS_PAGE}: add ${SITE_INFO_FUNCTION}.`,
      });
    } else {
      results.push({
        id: 'moodle.token',
        status: 'fail',
        title: 'Moodle token',
        detail: messageOf(site.error),
        fix: hintOf(site.error),
      });
      skipRest(['moodle.functions', 'moodle.capabilities'], 'needs a working token');
      return results;
    }
  }

  if (info) {
    results.push({
      id: 'moodle.site',
      status: 'ok',
      title: 'Moodle site',
      detail: `"${info.sitename}", Moodle ${info.release}, token user ${info.username} (id ${info.userid})`,
    });
    if (info.userissiteadmin) {
      results.push({
        id: 'moodle.siteadmin',
        status: 'warn',
        title: 'Least privilege',
        detail: `the token user ${info.username} is a site administrator`,
        fix: 'Use a dedicated web-service user that is not a site admin, with a role holding only the capabilities the app needs (README, "Set up Moodle").',
      });
    }
  }

  // Functions: from site info when we have it, otherwise by probing each.
  const available = probed ?? (info ? new Set(info.functions) : await probeFunctions(moodle));
  for (const name of REQUIRED_FUNCTIONS) {
    results.push(
      available.has(name)
        ? { id: `moodle.function.${name}`, status: 'ok', title: `Function ${name}` }
        : {
            id: `moodle.function.${name}`,
            status: 'fail',
            title: `Function ${name}`,
            detail: 'not in the service',
            fix: `${FUNCTIONS_PAGE}: add ${name}.`,
          },
    );
  }
  for (const name of LOOKUP_FUNCTIONS) {
    results.push(
      available.has(name)
        ? { id: `moodle.function.${name}`, status: 'ok', title: `Function ${name}` }
        : {
            id: `moodle.function.${name}`,
            status: 'warn',
            title: `Function ${name}`,
            detail: 'not in the service: the app cannot check for existing usernames and emails before asking',
            fix: `${FUNCTIONS_PAGE}: add ${name}.`,
          },
    );
  }
  if (info) {
    const extra = info.functions.filter((f) => !NEEDED_FUNCTIONS.includes(f));
    if (extra.length > 0) {
      results.push({
        id: 'moodle.extrafunctions',
        status: 'warn',
        title: 'Least privilege',
        detail: `the service also offers ${extra.length} function(s) the app does not need: ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ', …' : ''}`,
        fix: `${FUNCTIONS_PAGE}: remove them, or give the app a service of its own.`,
      });
    }
  }

  results.push(...(await checkCapabilities(moodle, available)));
  results.push(...(await runEnrolmentChecks({ moodle, available, tokenUserId: info?.userid, roleIds })));
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

async function checkCapabilities(moodle: DoctorMoodle, available: ReadonlySet<string>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const capability = (cap: string, granted: boolean | undefined, detail: string | undefined, why: string) => {
    const id = `moodle.capability.${cap}`;
    const title = `Capability ${cap}`;
    if (granted === true) results.push({ id, status: 'ok', title });
    else if (granted === false)
      results.push({ id, status: 'fail', title, detail: detail ?? why, fix: `${ROLES_PAGE}: allow ${cap}.` });
    else results.push({ id, status: 'warn', title, detail: detail ?? 'could not be checked' });
  };
  const verdict = (
    outcome: Outcome<unknown>,
    expected: readonly string[],
  ): [boolean | undefined, string | undefined] => {
    if (outcome.ok) return [true, undefined];
    const code = codeOf(outcome.error);
    if (code === MoodleErrorCode.NoPermissions) return [false, undefined];
    if (code && expected.includes(code)) return [true, undefined];
    return [undefined, `unexpected answer: ${messageOf(outcome.error)}`];
  };

  if (available.has('core_user_create_users')) {
    // "guest" always exists, so with the capability Moodle refuses the duplicate username (invalidparameter).
    const r = await attempt(() =>
      moodle.createUsers([
        {
          username: 'guest',
          firstname: 'Setup',
          lastname: 'Check',
          email: 'moodle-provisioner-doctor@example.invalid',
          auth: 'manual',
          createpassword: true,
        },
      ]),
    );
    const [granted, detail] = verdict(r, [MoodleErrorCode.InvalidParameter]);
    capability('moodle/user:create', granted, detail, 'the app cannot create users');
  }
  if (available.has('core_user_update_users')) {
    // Updating the guest is always refused with a warning, after the capability check.
    const r = await attempt(() => moodle.updateUsers([{ id: 1 }]));
    const [granted, detail] = verdict(r, [MoodleErrorCode.UpdateWarnings]);
    capability('moodle/user:update', granted, detail, 'the app cannot update or suspend users');
  }
  if (available.has('core_user_delete_users')) {
    // No user has id 0: with the capability Moodle answers "Invalid user".
    const r = await attempt(() => moodle.deleteUsers([0]));
    const [granted, detail] = verdict(r, [MoodleErrorCode.InvalidUser]);
    capability('moodle/user:delete', granted, detail, 'the app cannot delete users');
  }
  if (available.has('core_user_get_users_by_field')) {
    // Look-ups never throw for missing capabilities: Moodle hides what the caller may not see.
    const byId = await attempt(() => moodle.getUsersByField('id', [1]));
    const byName = await attempt(() => moodle.getUsersByField('username', ['guest']));
    // Without viewalldetails the guest comes back without its username, which the client refuses as a bad
    // response: the record was visible, so viewdetails is there.
    const byIdCode = byId.ok ? undefined : codeOf(byId.error);
    const seesGuest = byId.ok ? byId.value.length > 0 : byIdCode === MoodleErrorCode.BadResponse ? true : undefined;
    const seesUsername = byName.ok ? byName.value.some((u) => u.username === 'guest') : undefined;
    capability(
      'moodle/user:viewdetails',
      seesGuest,
      byId.ok || seesGuest ? undefined : messageOf(byId.error),
      'look-ups return nothing, so existing accounts cannot be found',
    );
    capability(
      'moodle/user:viewalldetails',
      seesUsername,
      byName.ok ? undefined : messageOf(byName.error),
      'look-ups by username return nothing, so a duplicate username would not be seen before asking',
    );
  }
  return results;
}
