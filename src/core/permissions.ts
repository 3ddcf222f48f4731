// Who may do what: the requester / approver / admin roles of SLACK_REQUESTERS, SLACK_APPROVERS and SLACK_ADMINS.
// Slack is reached through the SlackDirectory port (src/slack/slack-directory.ts implements it), so this policy
// stays testable and free of Bolt. A failed look-up never throws at the caller: it becomes a refusal that says
// what went wrong and who can fix it.
import type { Config, RoleEntry } from '../config.js';
import { type Clock, systemClock } from './clock.js';

export type Role = 'requester' | 'approver' | 'admin';

export interface DirectoryUser {
  id: string;
  isAdmin: boolean;
  /** Workspace owner or primary owner. */
  isOwner: boolean;
  isBot: boolean;
  isDeleted: boolean;
  /** Multi-channel guest. */
  isRestricted: boolean;
  /** Single-channel guest. */
  isUltraRestricted: boolean;
}

/** The Slack facts the policy needs. */
export interface SlackDirectory {
  getUser(userId: string): Promise<DirectoryUser>;
  getGroupMembers(groupId: string): Promise<string[]>;
}

export type DirectoryErrorCode =
  | 'plan_upgrade_required'
  | 'missing_scope'
  | 'user_not_found'
  | 'group_not_found'
  | 'unavailable';

/** The one error a SlackDirectory rejects with; `code` says what the policy should tell the person. */
export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    readonly details: { scope?: string; slackError?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `reason` is for the person refused: who can help, never a setting's name; `detail` names the setting, for the audit. */
export type PermissionCheck = { ok: true } | { ok: false; reason: string; detail?: string };

export interface Permissions {
  /** The roles this user certainly has; a role whose look-up failed is left out (fail closed). */
  rolesOf(userId: string): Promise<Set<Role>>;
  /** Never rejects: a refusal's reason names the role and who can help; its detail names the setting. */
  check(userId: string, role: Role): Promise<PermissionCheck>;
}

export interface PermissionsOptions {
  /** How long Slack's answers are reused; a changed group or admin flag is seen after at most this long. */
  cacheTtlMs?: number;
  clock?: Clock;
  /** How a refusal names the admins who can help (the Slack layer passes a mention); the raw id by default. */
  formatActor?: (userId: string) => string;
}

const SETTING: Record<Role, string> = {
  requester: 'SLACK_REQUESTERS',
  approver: 'SLACK_APPROVERS',
  admin: 'SLACK_ADMINS',
};
const ROLE_WORDS: Record<Role, string> = {
  requester: 'a requester',
  approver: 'an approver',
  admin: 'an admin of the Moodle provisioner',
};
const WHO_GRANTS = 'your Moodle provisioner admin';

/** "Ask @Ann or @Bob (admins of the Moodle provisioner) to …": the admins listed by id, else the generic words. */
function askAdmins(roles: Config['roles'], formatActor: (id: string) => string, what: string): string {
  let named: string[] = [];
  try {
    named = roles.admins.flatMap((e) => (e.kind === 'user' ? [formatActor(e.id)] : [])).slice(0, 5);
  } catch {
    // A list that cannot be read names nobody; the refusal still goes out.
  }
  if (named.length === 0) return `Ask ${WHO_GRANTS} to ${what}.`;
  const who = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} or ${named.at(-1)}`;
  return `Ask ${who} (${named.length === 1 ? 'an admin' : 'admins'} of the Moodle provisioner) to ${what}.`;
}

/** Reuses answers for `ttlMs` and shares one look-up between concurrent callers. Failures are not kept. */
function createTtlCache<T>(load: (key: string) => Promise<T>, ttlMs: number, now: () => number) {
  const values = new Map<string, { value: T; expiresAt: number }>();
  const pending = new Map<string, Promise<T>>();
  return (key: string): Promise<T> => {
    const hit = values.get(key);
    if (hit && hit.expiresAt > now()) return Promise.resolve(hit.value);
    const inFlight = pending.get(key);
    if (inFlight) return inFlight;
    const promise = (async () => {
      try {
        const value = await load(key);
        values.set(key, { value, expiresAt: now() + ttlMs });
        return value;
      } finally {
        pending.delete(key);
      }
    })();
    pending.set(key, promise);
    return promise;
  };
}

type Grant = { granted: true } | { granted: false; failure?: DirectoryError; guest?: boolean };

/** Only a DirectoryError's code is trusted: anything else a port throws reads as "Slack did not answer". */
function asDirectoryError(error: unknown): DirectoryError {
  if (error instanceof DirectoryError) return error;
  // Stryker disable next-line StringLiteral: equivalent, a refusal reads only the code and any unknown one reads as this
  return new DirectoryError('unavailable', 'The Slack directory look-up failed');
}

/** The technical cause of a failed look-up, naming the setting or scope: for the audit and the admins. */
function failureDetail(role: Role, error: DirectoryError): string | undefined {
  const setting = SETTING[role];
  switch (error.code) {
    case 'plan_upgrade_required':
      return `${setting} lists a Slack user group, and user groups need a paid Slack plan: list user ids in ${setting} instead.`;
    case 'missing_scope':
      return `The Slack app lacks the ${error.details.scope ?? 'needed'} permission (scope): add it in the app's settings and reinstall the app.`;
    case 'group_not_found':
      return `${setting} lists a user group that Slack does not know (it may have been deleted): correct ${setting}.`;
    case 'user_not_found':
      return "Slack does not know the person's account to this app: check the app's installation.";
    default:
      return undefined;
  }
}

/** The person learns what went wrong in their words and who can help; the setting goes into the detail. */
function failureRefusal(role: Role, error: DirectoryError, help: (what: string) => string): PermissionCheck {
  const what = `I could not check whether you are ${ROLE_WORDS[role]}`;
  const detail = failureDetail(role, error);
  if (!detail) return { ok: false, reason: `${what}: Slack did not answer. Please try again in a minute.` };
  const cause =
    error.code === 'user_not_found'
      ? 'Slack does not know your account to this app'
      : 'the app’s Slack settings need a fix';
  return { ok: false, reason: `${what}: ${cause}. ${help('fix it')}`, detail };
}

const isGuest = (user: DirectoryUser): boolean => user.isRestricted || user.isUltraRestricted;
const isActiveHuman = (user: DirectoryUser): boolean => !user.isBot && !user.isDeleted;

function notGranted(role: Role, guest: boolean, help: (what: string) => string): PermissionCheck {
  const guestNote = guest
    ? ' Guest accounts are not included automatically, so an admin would have to add you by name.'
    : '';
  return {
    ok: false,
    reason: `You need to be ${ROLE_WORDS[role]} for this. ${help('give you access')}${guestNote}`,
    detail: `Not listed in ${SETTING[role]}${guest ? ' (a guest: "everyone" and "workspace_admins" leave guests out)' : ''}.`,
  };
}

/**
 * `workspace_admins`: admins and owners who are active people, never guests, bots or deactivated accounts.
 * `everyone`: every active member except guests. Guests are outside collaborators (contractors, parents,
 * partner staff) limited to a few channels; letting them request Moodle accounts because a setting says
 * "everyone" would surprise the admin who wrote it. A guest can still be listed by user id.
 */
export function createPermissions(
  roles: Config['roles'],
  directory: SlackDirectory,
  options: PermissionsOptions = {},
): Permissions {
  const ttl = options.cacheTtlMs ?? 5 * 60_000;
  const formatActor = options.formatActor ?? ((id: string) => id);
  const help = (what: string): string => askAdmins(roles, formatActor, what);
  const clock = options.clock ?? systemClock;
  const now = (): number => clock.now().getTime();
  const getUser = createTtlCache((id) => directory.getUser(id), ttl, now);
  const getMembers = createTtlCache(async (id) => new Set(await directory.getGroupMembers(id)), ttl, now);

  const listsFor = (role: Role): readonly RoleEntry[] => {
    // Admins and approvers may also ask for changes.
    if (role === 'requester') return [...roles.requesters, ...roles.approvers, ...roles.admins];
    return role === 'approver' ? roles.approvers : roles.admins;
  };

  async function evaluate(userId: string, role: Role): Promise<Grant> {
    const entries = listsFor(role);
    // Cheapest first: ids need no look-up; the user's own record is one call; groups are rate-limited (Tier 2).
    if (entries.some((e) => e.kind === 'user' && e.id === userId)) return { granted: true };
    let failure: DirectoryError | undefined;
    let guest = false;
    if (entries.some((e) => e.kind === 'everyone' || e.kind === 'workspace_admins')) {
      try {
        const user = await getUser(userId);
        if (isActiveHuman(user)) {
          if (isGuest(user)) guest = true;
          else if (entries.some((e) => e.kind === 'everyone')) return { granted: true };
          // Without "everyone", the entries that brought us here hold workspace_admins.
          else if (user.isAdmin || user.isOwner) return { granted: true };
        }
      } catch (error) {
        failure = asDirectoryError(error);
      }
    }
    for (const entry of entries) {
      if (entry.kind !== 'group') continue;
      try {
        if ((await getMembers(entry.id)).has(userId)) return { granted: true };
      } catch (error) {
        failure ??= asDirectoryError(error);
      }
    }
    return failure ? { granted: false, failure, guest } : { granted: false, guest };
  }

  return {
    async rolesOf(userId) {
      const result = new Set<Role>();
      for (const role of ['requester', 'approver', 'admin'] as const) {
        if ((await evaluate(userId, role)).granted) result.add(role);
      }
      return result;
    },
    async check(userId, role) {
      let grant: Grant;
      try {
        grant = await evaluate(userId, role);
      } catch (error) {
        grant = { granted: false, failure: asDirectoryError(error) };
      }
      if (grant.granted) return { ok: true };
      if (grant.failure) return failureRefusal(role, grant.failure, help);
      return notGranted(role, grant.guest === true, help);
    },
  };
}
