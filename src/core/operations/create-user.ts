// create: a new Moodle account. The pre-flight (no account has the username, email or ID number) runs before anyone approves
// and again right before the call; the password, when the app makes one, is prepared before the call so that a
// create whose answer is lost but which Moodle committed still has the password it sent.
import { z } from 'zod';
import type { Secret } from '../../secret.js';
import { accountEndSchema, describeEnd } from '../account-schedule.js';
import {
  type CreateUserInput,
  isGatewayError,
  LOOKUP_TOO_BROAD,
  type MoodleGateway,
  type MoodleUser,
  profileUrl,
  REQUIRED_PROFILE_FIELDS,
  type UserProfileFields,
} from '../moodle-gateway.js';
import { generatePassword } from '../password.js';
import { type FieldChange, PROFILE_FIELDS, type ProfileField, userProfileFieldsSchema } from '../profile.js';
import { authName, fieldValueWords } from '../record-words.js';
import type { PreflightSummary } from '../requests.js';
import { FIELD_LABELS } from '../user-record.js';
import { hasEnd, scheduleEnd } from './account-end.js';
import {
  addToCohorts,
  cohortRefSchema,
  enrolledCourseIds,
  enrolmentInput,
  enrolmentSpecSchema,
  membershipLines,
} from './memberships.js';
import type { OperationContext, OperationDefinition, OperationSettings } from './types.js';

export const createPayloadSchema = z.object({
  operation: z.literal('create'),
  user: userProfileFieldsSchema,
  /** Added after the account is made, in this order; a failure there leaves the account and says what is missing. */
  enrolments: z.array(enrolmentSpecSchema).exactOptional(),
  cohorts: z.array(cohortRefSchema).exactOptional(),
  /** The account's end date (until=), scheduled once the account exists. */
  end: accountEndSchema.exactOptional(),
});
export type CreatePayload = z.infer<typeof createPayloadSchema>;

/** Auth plugins whose users log in with a Moodle password: PASSWORD_MODE applies to them. */
const LOCAL_PASSWORD_AUTHS = new Set(['manual', 'email']);
/** Plugins Moodle treats as internal (it demands a password) whose users never log in with it: a random one. */
const INTERNAL_NO_LOGIN_AUTHS = new Set(['oauth2', 'lti', 'nologin', 'none', 'db']);

export function createInputFor(
  user: UserProfileFields,
  passwordMode: OperationSettings['passwordMode'],
): { input: CreateUserInput; password?: Secret } {
  if (LOCAL_PASSWORD_AUTHS.has(user.auth)) {
    if (passwordMode === 'email') return { input: { ...user, createpassword: true } };
    const password = generatePassword();
    return {
      input: { ...user, password: password.reveal(), preferences: [{ type: 'auth_forcepasswordchange', value: '1' }] },
      password,
    };
  }
  if (INTERNAL_NO_LOGIN_AUTHS.has(user.auth)) return { input: { ...user, password: generatePassword().reveal() } };
  return { input: { ...user } };
}

type Conflict = PreflightSummary['conflicts'][number];

function conflictOf(u: MoodleUser, matchedOn: Conflict['matchedOn']): Conflict {
  return { moodleId: u.id, username: u.username, email: u.email, matchedOn };
}

const CONFLICT_WORDS = { username: 'The username', email: 'The email', idnumber: 'The ID number' } as const;

/**
 * Accounts that would clash with creating `user`: same username, same email ignoring case, or same ID number (sites
 * key enrolment and sync on it, though Moodle does not make it unique). A look-up too broad to trust is thrown, never
 * reported as "could not check": nothing goes ahead on it.
 */
export async function preflightCreate(gateway: MoodleGateway, user: UserProfileFields): Promise<PreflightSummary> {
  const conflicts: PreflightSummary['conflicts'] = [];
  const notes: string[] = [];
  try {
    const [byName, byEmail, byIdnumber] = await Promise.all([
      gateway.getUsersByField('username', [user.username]),
      gateway.findUsersByEmail(user.email),
      user.idnumber ? gateway.getUsersByField('idnumber', [user.idnumber]) : Promise.resolve([]),
    ]);
    for (const u of byName) conflicts.push(conflictOf(u, 'username'));
    for (const u of byEmail) if (!byName.some((n) => n.id === u.id)) conflicts.push(conflictOf(u, 'email'));
    for (const u of byIdnumber) conflicts.push(conflictOf(u, 'idnumber'));
    if (conflicts.length === 0) {
      notes.push(
        `No Moodle account uses the username ${user.username} or this email${user.idnumber ? ' or ID number' : ''}.`,
      );
    }
    return { checked: true, notes, conflicts };
  } catch (err) {
    if (isGatewayError(err) && err.code === LOOKUP_TOO_BROAD) throw err;
    const hint = isGatewayError(err) ? err.hint : 'Look at the app log for this request id, then retry.';
    return { checked: false, notes: [`Could not check Moodle for existing accounts: ${hint}`], conflicts };
  }
}

export function describeConflicts(moodleUrl: string, conflicts: PreflightSummary['conflicts']): string {
  return conflicts
    .map(
      (c) =>
        `${CONFLICT_WORDS[c.matchedOn]} is already used by Moodle account ${c.username} (id ${c.moodleId}, ${profileUrl(moodleUrl, c.moodleId)}).`,
    )
    .join(' ');
}

/** The account exists; its enrolments, then its cohorts. A failure names the account it leaves behind. */
async function addMemberships(context: OperationContext, payload: CreatePayload, moodleId: number): Promise<void> {
  const { enrolments = [], cohorts = [] } = payload;
  try {
    if (enrolments.length > 0) await context.gateway.enrolUsers(enrolments.map((e) => enrolmentInput(moodleId, e)));
    await addToCohorts(context.gateway, moodleId, cohorts);
  } catch (err) {
    const cause = isGatewayError(err) ? err : undefined;
    throw Object.assign(
      new Error(
        `The account ${payload.user.username} was created (id ${moodleId}), but not all of its courses and cohorts ` +
          `were added: ${err instanceof Error ? err.message : String(err)}`,
      ),
      {
        code: cause?.code ?? 'memberships_failed',
        hint: `${cause?.hint ?? 'Look at the app log for this request id.'} A retry adds what is missing; the account is not created again.`,
        outcomeUnknown: cause?.outcomeUnknown ?? true,
        moodleId,
      },
    );
  }
}

type OptionalField = Exclude<ProfileField, (typeof REQUIRED_PROFILE_FIELDS)[number]>;

export const createUser = {
  name: 'create',
  policyKey: 'create',
  payloadSchema: createPayloadSchema,
  target: 'new',
  correctable: true,
  words: {
    verb: 'create',
    title: 'Create account',
    done: 'created',
    outcome: 'account created',
    notYet: 'the account isn’t created yet',
  },
  keepsAccount: true,
  headline: (_payload, person) => `New Moodle account for ${person}`,
  personOf: (payload) => `${payload.user.firstname} ${payload.user.lastname}`.trim() || payload.user.username,

  describe: (payload) => [
    ...PROFILE_FIELDS.flatMap((field) => {
      const value = payload.user[field];
      return value === undefined || value === ''
        ? []
        : [{ label: FIELD_LABELS[field], value: fieldValueWords(field, value) }];
    }),
    ...membershipLines(payload.enrolments ?? [], payload.cohorts ?? []),
    ...(payload.end ? [{ label: 'End date', value: describeEnd(payload.end) }] : []),
  ],

  nextSteps: (payload, { passwordMode }) => {
    const { username, email, auth, firstname } = payload.user;
    const steps = [`The username is ${username}.`];
    if (!LOCAL_PASSWORD_AUTHS.has(auth)) {
      steps.push(`${firstname || username} signs in with ${authName(auth)}; no Moodle password is needed.`);
    } else if (passwordMode === 'email') {
      steps.push(`Moodle has emailed the login details to ${email}.`);
    } else {
      steps.push(
        'The person who approved it was shown a temporary password once, to pass on privately; Moodle asks for a new one at the first login.',
      );
    }
    return steps;
  },

  targetKey: (payload) => `username:${payload.user.username}`,

  prepare: (context, payload) => createInputFor(payload.user, context.settings.passwordMode),

  /** An earlier attempt that made the account (its id is on the target) is not repeated: only what is missing. */
  async execute(context, request, prepared) {
    const { gateway, settings } = context;
    let moodleId = request.target.moodleId;
    if (moodleId === undefined) {
      const preflight = await preflightCreate(gateway, request.payload.user);
      if (preflight.conflicts.length > 0) {
        throw Object.assign(new Error(describeConflicts(settings.moodleUrl, preflight.conflicts)), {
          code: 'already_exists',
          hint: 'Nothing was created. Use the existing account, or change the username, email or ID number and ask again.',
          outcomeUnknown: false,
        });
      }
      const input =
        (prepared?.input as CreateUserInput | undefined) ??
        createInputFor(request.payload.user, settings.passwordMode).input;
      const [created] = await gateway.createUsers([input]);
      if (!created) return {};
      moodleId = created.id;
    }
    await addMemberships(context, request.payload, moodleId);
    const { end, user } = request.payload;
    if (end) await scheduleEnd(context, request, moodleId, user.username, end);
    return { moodleId };
  },

  /** The account by its username; with enrolments, also every course (cohorts cannot be read: re-sent on retry). */
  async lookUpOutcome(context, request) {
    const { gateway } = context;
    const [user] = await gateway.getUsersByField('username', [request.payload.user.username]);
    if (!user) return { applied: false };
    const { enrolments = [], cohorts = [], end } = request.payload;
    if (cohorts.length > 0) return { applied: false, moodleId: user.id };
    if (end && !(await hasEnd(context, user.id, end))) return { applied: false, moodleId: user.id };
    if (enrolments.length > 0) {
      const courses = await enrolledCourseIds(gateway, user.id);
      if (!enrolments.every((e) => courses.has(e.course.id))) return { applied: false, moodleId: user.id };
    }
    return { applied: true, moodleId: user.id };
  },

  correct(payload, target, corrections) {
    const user: UserProfileFields = { ...payload.user };
    const diff: FieldChange[] = [];
    for (const field of PROFILE_FIELDS) {
      const typed = corrections[field];
      if (typed === undefined) continue;
      const after = typed.trim();
      const before = user[field] ?? '';
      if (before === after) continue;
      if (after === '' && (REQUIRED_PROFILE_FIELDS as readonly ProfileField[]).includes(field)) {
        return { ok: false, message: `${field} cannot be empty for a new account.` };
      }
      if (after === '') delete user[field as OptionalField];
      else user[field] = after;
      diff.push({ field, before, after });
    }
    return {
      ok: true,
      diff,
      payload: { ...payload, user },
      target: { ...target, username: user.username, email: user.email },
    };
  },
} satisfies OperationDefinition<CreatePayload>;
