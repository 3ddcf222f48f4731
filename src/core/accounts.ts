import type { Config } from '../config.js';
import { checkUpdateCollisions, createsInFlight, prepareUpdate } from './account-changes.js';
import {
  type AccountRef,
  describeAccount,
  describeRef,
  type LookupOutcome,
  lookUpAccount,
  parseAccountRef,
} from './account-ref.js';
import { currentEndDate } from './account-schedule.js';
import {
  type AccountView,
  keepHiddenFields,
  type LookupAuditOutcome,
  lookupFailureOutcome,
  mayReadDetails,
  recordLookup,
  redactForEdit,
  viewAccount,
  withAccount,
} from './account-view.js';
import { type Clock, systemClock } from './clock.js';
import type { UserCourse } from './gateway/enrolments.js';
import { type MoodleGateway, type MoodleUser, profileUrl } from './moodle-gateway.js';
import { operationOf, type RequestPayload } from './operations/registry.js';
import type { Permissions } from './permissions.js';
import type { FieldChange } from './profile.js';
import type { AccountGuard, Protection } from './protection.js';
import type { ProvisioningService, Refused, SubmitOutcome } from './provisioning.js';
import type { RequestService } from './request-service.js';
import type { PreflightSummary, RequesterContext, RequestOperation, RequestTarget } from './requests.js';
import type { RequestInFlight, Store } from './store.js';
import type { FieldProblem } from './user-record.js';

export interface AccountDeps {
  gateway: MoodleGateway;
  store: Store;
  requests: RequestService;
  provisioning: ProvisioningService;
  permissions: Permissions;
  config: Pick<Config, 'allowedAuth' | 'defaultAuth' | 'protectedUsers'> & { moodle: { url: string } };
  /** When look-ups are audited; the system clock by default. */
  clock?: Clock;
}

/** Why nothing was stored, in one sentence (the core's one refusal shape). */
export type Refusal = Refused;
export type NotOne = Exclude<LookupOutcome, { kind: 'found' }>;

export type AccountTarget = { kind: 'target'; user: MoodleUser };
/** An account to edit in a form: `redacted` when the reader may not see its private fields (shown blank). */
export type EditableAccount = AccountTarget & { redacted: boolean };

export type UpdatePlan = {
  kind: 'planned';
  user: MoodleUser;
  changes: FieldChange[];
  preflight: PreflightSummary;
};

export type PlanOutcome =
  | UpdatePlan
  | Refusal
  | NotOne
  | { kind: 'problems'; problems: FieldProblem[] }
  | { kind: 'unchanged'; message: string };

/** `show`: the account as this reader may see it, and its active courses (undefined when Moodle would not say). */
export interface AccountShown {
  kind: 'found';
  view: AccountView;
  profileUrl: string;
  protection: Protection;
  courses: UserCourse[] | undefined;
  /** The account's end date, when one is set (expire, extend, until= at creation). */
  endsAt: Date | undefined;
}

export type ChangeOutcome = SubmitOutcome | NotOne | { kind: 'unchanged'; message: string };

type ChangeOperation = Exclude<RequestOperation, 'create'>;

export function createAccountService(deps: AccountDeps): AccountService {
  return new AccountService(deps);
}

/** What the account subcommands call; each method refuses, looks up and checks before anything is stored. */
export class AccountService {
  readonly guard: AccountGuard;
  private readonly gateway: MoodleGateway;
  private readonly permissions: Permissions;
  private readonly requests: RequestService;
  private readonly provisioning: ProvisioningService;
  private readonly config: AccountDeps['config'];

  constructor(private readonly deps: AccountDeps) {
    this.gateway = deps.gateway;
    this.permissions = deps.permissions;
    this.requests = deps.requests;
    this.provisioning = deps.provisioning;
    this.config = deps.config;
    this.guard = deps.provisioning.guard;
  }

  private async mayRequest(userId: string, operation?: ChangeOperation): Promise<Refusal | undefined> {
    const check = await this.permissions.check(userId, 'requester');
    if (check.ok) return undefined;
    await this.requests.recordRefusal(userId, {
      reason: 'permission',
      detail: check.detail ?? check.reason,
      ...(operation ? { operation } : {}),
    });
    return { kind: 'refused', reason: check.reason };
  }

  /** Looks `<user>` up for a person, and audits who looked up which account for which command. */
  private async resolve(actor: string, refText: string | AccountRef, purpose: string): Promise<LookupOutcome> {
    const parsed: ReturnType<typeof parseAccountRef> =
      typeof refText === 'string' ? parseAccountRef(refText) : { ok: true, ref: refText };
    if (!parsed.ok) return { kind: 'bad_ref', message: parsed.message };
    const found = await lookUpAccount(this.gateway, parsed.ref);
    const outcome: LookupAuditOutcome =
      found.kind === 'unavailable' ? lookupFailureOutcome(found.code) : (found.kind as LookupAuditOutcome);
    await recordLookup(this.deps.store, this.deps.clock ?? systemClock, {
      actor,
      outcome,
      detail: `${purpose}: ${describeRef(parsed.ref)}${found.kind === 'ambiguous' ? ` matched ids ${found.users.map((u) => u.id).join(', ')}` : ''}`,
      ...(found.kind === 'found' ? { account: found.user } : {}),
    });
    return found;
  }

  /**
   * Permission, look-up, protection and "already in flight": everything that refuses before a request exists.
   * `payload` names what the change is about beyond the account (a course, a cohort), for the in-flight check.
   */
  async target(
    requester: RequesterContext,
    ref: string | AccountRef,
    operation: ChangeOperation,
    payload?: RequestPayload,
  ): Promise<AccountTarget | Refusal | NotOne> {
    const refused = await this.mayRequest(requester.userId, operation);
    if (refused) return refused;
    const found = await this.resolve(requester.userId, ref, operation);
    if (found.kind !== 'found') return found;
    const refusal = await this.refuseChange(requester, found.user, operation, payload);
    return refusal ?? { kind: 'target', user: found.user };
  }

  /**
   * For a form whose change is chosen in it (courses and cohorts): permission, look-up and protection now; the
   * in-flight check waits for the submission, when the course or cohort is known.
   */
  async changeable(
    requester: RequesterContext,
    ref: string | AccountRef,
    operation: ChangeOperation,
  ): Promise<AccountTarget | Refusal | NotOne> {
    const refused = await this.mayRequest(requester.userId, operation);
    if (refused) return refused;
    const found = await this.resolve(requester.userId, ref, operation);
    if (found.kind !== 'found') return found;
    const refusal = await this.refuseProtected(requester, found.user, operation);
    return refusal ?? { kind: 'target', user: found.user };
  }

  private async refuseChange(
    requester: RequesterContext,
    user: MoodleUser,
    operation: ChangeOperation,
    payload: RequestPayload | undefined,
  ): Promise<Refusal | undefined> {
    const protectedRefusal = await this.refuseProtected(requester, user, operation);
    if (protectedRefusal) return protectedRefusal;
    const inFlight = await findChangeInFlight(this.deps.store, operation, this.targetOf(user), payload);
    if (inFlight) {
      const what = operationOf(operation).words.verb;
      return {
        kind: 'refused',
        reason: `${inFlight.id} already asks to ${what} ${user.username} and is ${inFlight.status === 'pending' ? 'waiting for an approver' : 'being carried out'}; nothing new was stored.`,
        inFlight: inFlight.id,
      };
    }
    return undefined;
  }

  private async refuseProtected(
    requester: RequesterContext,
    user: MoodleUser,
    operation: ChangeOperation,
  ): Promise<Refusal | undefined> {
    const protection = await this.guard.protectionOf(user);
    if (protection.protected !== false) {
      await this.requests.recordRefusal(requester.userId, {
        reason: protection.protected === true ? 'protected' : 'protection_unknown',
        operation,
        detail: `${protection.reason} (account ${user.username}, id ${user.id})`,
      });
      return { kind: 'refused', reason: protection.reason };
    }
    return undefined;
  }

  private targetOf(user: MoodleUser) {
    return { moodleId: user.id, username: user.username, email: user.email };
  }

  async planUpdate(
    requester: RequesterContext,
    ref: string | AccountRef,
    input: Record<string, string | undefined>,
  ): Promise<PlanOutcome> {
    const found = await this.target(requester, ref, 'update');
    if (found.kind !== 'target') return found;
    const prepared = prepareUpdate(found.user, input, this.config);
    if (prepared.ok === 'unchanged') return { kind: 'unchanged', message: prepared.message };
    if (!prepared.ok) return { kind: 'problems', problems: prepared.problems };
    const { problems, preflight } = await checkUpdateCollisions(
      this.gateway,
      found.user,
      prepared.changes,
      this.config.moodle.url,
    );
    problems.push(...(await createsInFlight(this.deps.store, prepared.changes)));
    if (problems.length > 0) return { kind: 'problems', problems };
    return { kind: 'planned', user: found.user, changes: prepared.changes, preflight };
  }

  submitUpdate(requester: RequesterContext, planned: UpdatePlan, reason?: string): Promise<SubmitOutcome> {
    return this.provisioning.submitRequest(
      requester,
      this.targetOf(planned.user),
      { operation: 'update', changes: planned.changes },
      withAccount(planned.preflight, planned.user),
      reason,
    );
  }

  /** The account for the edit form, as this reader may see it (see redactForEdit). */
  async editable(requester: RequesterContext, ref: string | AccountRef): Promise<EditableAccount | Refusal | NotOne> {
    const found = await this.target(requester, ref, 'update');
    if (found.kind !== 'target') return found;
    if (await mayReadDetails(this.permissions, requester.userId)) return { ...found, redacted: false };
    return { kind: 'target', user: redactForEdit(found.user), redacted: true };
  }

  /** Plans an edit made in the form: a plain requester's blank private fields mean "keep", not "clear". */
  async planFormUpdate(
    requester: RequesterContext,
    ref: string | AccountRef,
    input: Readonly<Record<string, string>>,
  ): Promise<PlanOutcome> {
    const full = await mayReadDetails(this.permissions, requester.userId);
    return this.planUpdate(requester, ref, full ? input : keepHiddenFields(input));
  }

  /**
   * `show`: requester and above; returns the account as this reader may see it (everything for approvers and
   * admins, the summary for a plain requester), its profile link and whether it is protected.
   */
  async show(requesterId: string, ref: string): Promise<Refusal | NotOne | AccountShown> {
    const refused = await this.mayRequest(requesterId);
    if (refused) return refused;
    const found = await this.resolve(requesterId, ref, 'show');
    if (found.kind !== 'found') return found;
    const [protection, courses, end] = await Promise.all([
      this.guard.protectionOf(found.user),
      this.gateway.getUserCourses(found.user.id).catch(() => undefined),
      currentEndDate(this.deps.store, found.user.id),
    ]);
    return {
      kind: 'found',
      view: viewAccount(found.user, await mayReadDetails(this.permissions, requesterId)),
      profileUrl: profileUrl(this.config.moodle.url, found.user.id),
      protection,
      courses,
      endsAt: end?.endAt,
    };
  }

  async requestUpdate(
    requester: RequesterContext,
    ref: string | AccountRef,
    input: Record<string, string | undefined>,
    reason?: string,
  ): Promise<ChangeOutcome> {
    const planned = await this.planUpdate(requester, ref, input);
    if (planned.kind === 'problems') return { kind: 'invalid', problems: planned.problems };
    if (planned.kind !== 'planned') return planned;
    return this.submitUpdate(requester, planned, reason);
  }

  async requestSuspension(
    requester: RequesterContext,
    ref: string | AccountRef,
    operation: 'suspend' | 'unsuspend',
    reason?: string,
  ): Promise<ChangeOutcome> {
    const found = await this.target(requester, ref, operation);
    if (found.kind !== 'target') return found;
    const wanted = operation === 'suspend';
    if (found.user.suspended === wanted) {
      return {
        kind: 'unchanged',
        message: `${describeAccount(found.user)} is already ${wanted ? 'suspended' : 'active (not suspended)'}; nothing to do.`,
      };
    }
    const preflight = withAccount(undefined, found.user);
    return this.provisioning.submitRequest(requester, this.targetOf(found.user), { operation }, preflight, reason);
  }

  /**
   * Delete, from the confirmation modal: the typed username must equal the account's exactly. The account is
   * looked up again by id so that a rename or a deletion since the modal opened is noticed. Stores nothing.
   */
  async planDeletion(
    requester: RequesterContext,
    moodleId: number,
    typedUsername: string,
  ): Promise<AccountTarget | Refusal | NotOne | { kind: 'mismatch'; message: string }> {
    const found = await this.target(requester, { by: 'id', id: moodleId }, 'delete');
    if (found.kind !== 'target') return found;
    if (typedUsername.trim() !== found.user.username) {
      return {
        kind: 'mismatch',
        message: `Type the username exactly as shown (${found.user.username}) to confirm the deletion.`,
      };
    }
    return found;
  }

  /** Stores the deletion of an account planDeletion returned (APPROVAL_REQUIRED applies, delete by default). */
  submitDeletion(requester: RequesterContext, user: MoodleUser, reason?: string): Promise<SubmitOutcome> {
    const preflight = withAccount(undefined, user);
    return this.provisioning.submitRequest(requester, this.targetOf(user), { operation: 'delete' }, preflight, reason);
  }
}

const services = new WeakMap<object, AccountService>();

/** One service per dependency set, so that the token user's cached site info lives as long as the app. */
export function accountServiceFor(deps: AccountDeps): AccountService {
  let service = services.get(deps);
  if (!service) {
    service = createAccountService(deps);
    services.set(deps, service);
  }
  return service;
}

/** A request for the same change (operation and target key: the account, and the course or cohort) in flight. */
export async function findChangeInFlight(
  store: Store,
  operation: ChangeOperation,
  target: RequestTarget,
  payload?: RequestPayload,
): Promise<RequestInFlight | undefined> {
  const key = operationOf(operation).targetKey(payload ?? ({ operation } as RequestPayload), target);
  const [first] = await store.findInFlight({ operation, targetKeys: [key] });
  return first;
}
