// Create an account: validate (deriving a free username when none is given), refuse a twin of a create already in
// flight, look Moodle up for clashes, then submit. Input keys are the profile fields plus `reason`.

import { mayReadDetails, recordLookup, viewConflicts } from '../account-view.js';
import { checkReason } from '../free-text.js';
import type { UserProfileFields } from '../moodle-gateway.js';
import { createUser, describeConflicts, preflightCreate } from '../operations/create-user.js';
import type { PreflightSummary, RequesterContext } from '../requests.js';
import { type FieldProblem, validateNewUser } from '../user-record.js';
import { deriveUsername, pickFreeUsername, withSuffix } from '../username.js';
import type { UseCaseContext } from './context.js';
import { failureOf } from './execute.js';
import type { SubmitOutcome } from './outcomes.js';
import type { Submitter } from './submit.js';

/** How many derived usernames (jdoe, jdoe2 … jdoe50) a create tries before asking the requester to choose one. */
const USERNAME_TRIES = 50;

export type CreateValidation = ({ ok: true; record: UserProfileFields } | { ok: false; problems: FieldProblem[] }) & {
  derived: boolean;
};

export interface AccountCreation {
  /** Checks a new user against Moodle's rules without asking Moodle (fast enough for a modal's 3-second ack). */
  validateCreate(input: Record<string, string | undefined>): CreateValidation;
  /** Accounts that would clash with creating this user. */
  preflightCreate(user: UserProfileFields): Promise<PreflightSummary>;
  /** May this person use the create form at all? Checked before a form is opened. */
  canRequest(userId: string): Promise<{ ok: true } | { ok: false; reason: string }>;
  submitCreate(requester: RequesterContext, input: Record<string, string | undefined>): Promise<SubmitOutcome>;
}

export function createAccountCreation(ctx: UseCaseContext, submitter: Submitter): AccountCreation {
  const { gateway, store, settings, formatActor, clock, permissions } = ctx;

  function validateCreate(input: Record<string, string | undefined>): CreateValidation {
    const derived = !input.username?.trim();
    const candidate = derived && input.email?.trim() ? { ...input, username: deriveUsername(input.email) } : input;
    const checked = validateNewUser(candidate, {
      allowedAuth: settings.allowedAuth,
      defaultAuth: settings.defaultAuth,
    });
    const reason = checkReason(input.reason);
    if (!reason) return { ...checked, derived };
    return { ok: false, problems: [...(checked.ok ? [] : checked.problems), reason], derived };
  }

  /**
   * A derived username that a waiting create will take counts as taken: Moodle does not know it yet. One indexed
   * look-up for all the candidates, made before Moodle is asked, so a store failure is not reported as Moodle's.
   */
  async function waitingUsernames(base: string): Promise<Set<string>> {
    const candidates = Array.from({ length: USERNAME_TRIES }, (_, i) => withSuffix(base, i + 1));
    const inFlight = await store.findInFlight({ operation: createUser.name, usernames: candidates });
    return new Set(inFlight.map((r) => r.username));
  }

  /** The first create in flight (pending, approved, executing; oldest first) with this username or email. */
  async function twinRefusal(user: UserProfileFields): Promise<SubmitOutcome | undefined> {
    const [twin] = await store.findInFlight({
      operation: createUser.name,
      usernames: [user.username],
      emails: [user.email],
    });
    if (!twin) return undefined;
    const same = twin.username === user.username ? `the username ${user.username}` : 'this email address';
    return {
      kind: 'refused',
      reason:
        `A request to create an account with ${same} is already in progress: ${twin.id}, asked by ` +
        `${formatActor(twin.requesterId)} (${twin.status}). Nothing new was requested; ` +
        'an approver decides the existing one, or its requester cancels it.',
      inFlight: twin.id,
    };
  }

  /**
   * The create pre-flight for a person: existing accounts it names are audited and shown with their details only to
   * approvers and admins; a look-up too broad to trust refuses the create.
   */
  async function preflightForPerson(
    actor: string,
    user: UserProfileFields,
  ): Promise<PreflightSummary | Extract<SubmitOutcome, { kind: 'exists' | 'unavailable' }>> {
    let preflight: PreflightSummary;
    try {
      preflight = await preflightCreate(gateway, user);
    } catch (err) {
      const detail = `create: username ${user.username}, email ${user.email}`;
      await recordLookup(store, clock, { actor, outcome: 'too_broad', detail });
      return { kind: 'unavailable', message: failureOf(err).hint };
    }
    if (preflight.conflicts.length === 0) return preflight;
    for (const c of preflight.conflicts) {
      const account = { id: c.moodleId, username: c.username };
      await recordLookup(store, clock, { actor, outcome: 'exists', detail: `create: same ${c.matchedOn}`, account });
    }
    const full = await mayReadDetails(permissions, actor);
    return {
      kind: 'exists',
      message: describeConflicts(settings.moodleUrl, preflight.conflicts),
      conflicts: viewConflicts(preflight.conflicts, full),
    };
  }

  return {
    validateCreate,
    preflightCreate: (user) => preflightCreate(gateway, user),
    canRequest: (userId) => submitter.requireRole(userId, 'requester', 'create'),

    async submitCreate(requester, input) {
      const allowed = await submitter.requireRole(requester.userId, 'requester', 'create');
      if (!allowed.ok) return { kind: 'refused', reason: allowed.reason };
      const validated = validateCreate(input);
      if (!validated.ok) return { kind: 'invalid', problems: validated.problems };
      let user = validated.record;
      if (validated.derived) {
        const waiting = await waitingUsernames(user.username);
        let free: string | undefined;
        try {
          const taken = async (u: string) =>
            waiting.has(u) || (await gateway.getUsersByField('username', [u])).length > 0;
          free = await pickFreeUsername(user.username, taken, USERNAME_TRIES);
        } catch (err) {
          return { kind: 'unavailable', message: failureOf(err).hint };
        }
        if (!free) {
          return {
            kind: 'invalid',
            problems: [
              { field: 'username', message: `Usernames based on ${user.username} are all taken; choose one.` },
            ],
          };
        }
        user = { ...user, username: free };
      }
      const twin = await twinRefusal(user);
      if (twin) return twin;
      const preflight = await preflightForPerson(requester.userId, user);
      if ('kind' in preflight) return preflight;
      const reason = input.reason?.trim() || undefined;
      const target = { username: user.username, email: user.email };
      return submitter.submitRequest(requester, target, { operation: 'create', user }, preflight, reason);
    },
  };
}
