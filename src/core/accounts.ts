// Existing Moodle accounts: finding the account a person means by `<user>` (username, email or id), the accounts
// this app must never change (its own token user, the guest, PROTECTED_USERS), and turning typed or edited fields
// into the changed fields only, checked for clashes, before provisioning.submitRequest stores anything.
// Framework-free: it knows neither Slack nor Moodle's wire format.
import { z } from 'zod';
import type { Config } from '../config.js';
import type { MoodleGateway, MoodleUser, SiteInfo } from './moodle-gateway.js';
import { suggestKey, tokenize, tooManyProblems, USER_ARG_KEYS } from './parse-args.js';
import type { Permissions } from './permissions.js';
import { isGatewayError, type ProvisioningService, profileUrl, type SubmitOutcome } from './provisioning.js';
import {
  type FieldChange,
  PROFILE_FIELDS,
  type PreflightSummary,
  type ProfileField,
  type RequesterContext,
  type RequestOperation,
  type RequestRecord,
  type RequestService,
} from './requests.js';
import type { Store } from './store.js';
import { type FieldProblem, quoteForMessage, validateUserUpdate } from './user-record.js';

// ---------------------------------------------------------------------------------------------------------------
// `<user>`: what a person typed, and the account it names

export type AccountRef =
  | { by: 'id'; id: number }
  | { by: 'email'; email: string }
  | { by: 'username'; username: string }
  /** Digits only: an id, or a username made of digits (student numbers). Both are looked up. */
  | { by: 'number'; id: number; username: string };

const refTextSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1, 'Say which account: a username, an email address or a Moodle id.').max(255));

/** `id:12`, `username:12`, `email:a@b.org` force one reading; otherwise digits are an id (or username), `@` an email. */
export function parseAccountRef(text: string): { ok: true; ref: AccountRef } | { ok: false; message: string } {
  const parsed = refTextSchema.safeParse(text);
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues[0]?.message ?? 'Say which account you mean.' };
  }
  const value = parsed.data;
  const prefixed = /^(id|username|email):(.+)$/i.exec(value);
  if (prefixed) {
    const kind = prefixed[1]!.toLowerCase();
    const rest = prefixed[2]!.trim();
    if (kind === 'id') {
      const id = parseId(rest);
      return id === undefined
        ? { ok: false, message: `${quoteForMessage(rest)} is not a Moodle user id (a whole number such as 42).` }
        : { ok: true, ref: { by: 'id', id } };
    }
    if (kind === 'email') return { ok: true, ref: { by: 'email', email: rest } };
    return { ok: true, ref: { by: 'username', username: rest.toLowerCase() } };
  }
  if (/^\d+$/.test(value)) {
    const id = parseId(value);
    if (id === undefined) return { ok: true, ref: { by: 'username', username: value } };
    return { ok: true, ref: { by: 'number', id, username: value } };
  }
  if (/^[^\s@]+@[^\s@]+$/.test(value)) return { ok: true, ref: { by: 'email', email: value } };
  // Moodle stores usernames in lowercase; JDoe means jdoe.
  return { ok: true, ref: { by: 'username', username: value.toLowerCase() } };
}

function parseId(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function describeRef(ref: AccountRef): string {
  switch (ref.by) {
    case 'id':
      return `id ${ref.id}`;
    case 'number':
      return `id or username ${ref.username}`;
    case 'email':
      return `email ${quoteForMessage(ref.email)}`;
    case 'username':
      return `username ${quoteForMessage(ref.username)}`;
  }
}

/** "jdoe (Jane Doe, id 42)" */
export function describeAccount(user: Pick<MoodleUser, 'username' | 'id' | 'fullname'>): string {
  const name = user.fullname.trim();
  return `${user.username} (${name ? `${name}, ` : ''}id ${user.id})`;
}

export type LookupOutcome =
  | { kind: 'found'; user: MoodleUser }
  | { kind: 'not_found'; message: string }
  /** Several accounts match (two accounts sharing an email, or an id and a numeric username). */
  | { kind: 'ambiguous'; users: MoodleUser[]; message: string }
  | { kind: 'bad_ref'; message: string }
  | { kind: 'unavailable'; message: string };

function unavailable(err: unknown, what: string): { kind: 'unavailable'; message: string } {
  const hint = isGatewayError(err) ? err.hint : 'Something unexpected went wrong; see the app log.';
  return { kind: 'unavailable', message: `Could not ${what} in Moodle: ${hint}` };
}

function dedupe(users: MoodleUser[]): MoodleUser[] {
  return [...new Map(users.map((u) => [u.id, u])).values()];
}

/** Looks `<user>` up: by id, by username, or by email ignoring case (like Moodle's own duplicate check). */
export async function lookUpAccount(gateway: MoodleGateway, ref: AccountRef): Promise<LookupOutcome> {
  let users: MoodleUser[];
  try {
    switch (ref.by) {
      case 'id':
        users = await gateway.getUsersByField('id', [ref.id]);
        break;
      case 'username':
        users = await gateway.getUsersByField('username', [ref.username]);
        break;
      case 'number': {
        const [byId, byName] = await Promise.all([
          gateway.getUsersByField('id', [ref.id]),
          gateway.getUsersByField('username', [ref.username]),
        ]);
        users = dedupe([...byId, ...byName]);
        break;
      }
      case 'email': {
        // A username may contain @ too; an email match comes first.
        const [byEmail, byName] = await Promise.all([
          gateway.findUsersByEmail(ref.email),
          gateway.getUsersByField('username', [ref.email.toLowerCase()]),
        ]);
        users = byEmail.length > 0 ? byEmail : byName;
        break;
      }
    }
  } catch (err) {
    return unavailable(err, `look up ${describeRef(ref)}`);
  }
  const [first] = users;
  if (users.length === 0 || first === undefined) {
    return {
      kind: 'not_found',
      message: `No Moodle account has the ${describeRef(ref)}.${ref.by === 'id' || ref.by === 'number' ? '' : ' Check the spelling, or use the Moodle id.'}`,
    };
  }
  if (users.length === 1) return { kind: 'found', user: first };
  const listed = users.map(describeAccount).join(', ');
  const message =
    ref.by === 'email'
      ? `${users.length} Moodle accounts share the email ${quoteForMessage(ref.email)}: ${listed}. Say which one with its username.`
      : `${ref.by === 'number' ? ref.username : 'That'} is the id of one account and the username of another: ${listed}. Write id:${ref.by === 'number' ? ref.id : ''} or username:${ref.by === 'number' ? ref.username : ''} to say which.`;
  return { kind: 'ambiguous', users, message };
}

// ---------------------------------------------------------------------------------------------------------------
// Protected accounts

export const GUEST_USER_ID = 1;
export const GUEST_USERNAME = 'guest';

export type Protection =
  | { protected: false }
  | { protected: true; reason: string }
  /** The token's user could not be learnt (get_site_info failed), so nothing may be changed yet. */
  | { protected: 'unknown'; reason: string };

/**
 * The accounts this app never changes. The token's own user comes from get_site_info and is cached for the
 * process's life (a token belongs to one user); a failed call is not cached, so the next one asks again.
 */
export function createAccountGuard(gateway: MoodleGateway, protectedUsers: readonly string[]) {
  const listed = new Set(protectedUsers.map((u) => u.trim().toLowerCase()).filter((u) => u !== ''));
  let siteInfo: Promise<SiteInfo> | undefined;

  function tokenUser(): Promise<SiteInfo> {
    if (!siteInfo) {
      siteInfo = gateway.getSiteInfo();
      siteInfo.catch(() => {
        siteInfo = undefined;
      });
    }
    return siteInfo;
  }

  return {
    async protectionOf(user: Pick<MoodleUser, 'id' | 'username'>): Promise<Protection> {
      const username = user.username.toLowerCase();
      if (user.id === GUEST_USER_ID || username === GUEST_USERNAME) {
        return {
          protected: true,
          reason: `${user.username} is Moodle's guest account, which Moodle itself needs; this app never changes it.`,
        };
      }
      if (listed.has(username)) {
        return {
          protected: true,
          reason: `${user.username} is listed in PROTECTED_USERS, so this app never updates, suspends or deletes it.`,
        };
      }
      let info: SiteInfo;
      try {
        info = await tokenUser();
      } catch (err) {
        const hint = isGatewayError(err) ? err.hint : 'see the app log';
        return {
          protected: 'unknown',
          reason: `Could not confirm that ${user.username} is not the app's own Moodle account (core_webservice_get_site_info failed: ${hint}). Nothing was stored.`,
        };
      }
      if (info.userid === user.id || info.username.toLowerCase() === username) {
        return {
          protected: true,
          reason: `${user.username} is the Moodle account this app's web-service token belongs to; changing it could lock the app out of Moodle, so it is never changed from here.`,
        };
      }
      return { protected: false };
    },
  };
}
export type AccountGuard = ReturnType<typeof createAccountGuard>;

// ---------------------------------------------------------------------------------------------------------------
// Arguments of /moodle-user subcommands: `<user> [key=value ...] [reason="..."]`

export interface AccountArgs {
  /** The `<user>` word, as typed. */
  user: string | undefined;
  fields: Record<string, string>;
  reason: string | undefined;
  problems: string[];
}

const FIELD_KEYS = new Set<string>(PROFILE_FIELDS);

/** Parses the text after the subcommand word. Fields are accepted only when `allowFields` (update). */
export function parseAccountArgs(text: string, options: { allowFields: boolean; allowReason: boolean }): AccountArgs {
  const { tokens, problems } = tokenize(text);
  const fields: Record<string, string> = {};
  let user: string | undefined;
  let reason: string | undefined;
  const extra: string[] = [];
  for (const token of tokens) {
    if (tooManyProblems(problems)) break;
    if (token.key === undefined) {
      if (user === undefined && Object.keys(fields).length === 0 && reason === undefined) user = token.value;
      else extra.push(token.value);
      continue;
    }
    const key = token.key;
    if (key === '') {
      problems.push(`${quoteForMessage(token.text)} has no key before the =; write it as key=value.`);
    } else if (key === 'reason' && options.allowReason) {
      if (reason !== undefined) problems.push('The key reason is given more than once; give it once.');
      else reason = token.value.trim();
    } else if (options.allowFields && FIELD_KEYS.has(key)) {
      if (Object.hasOwn(fields, key)) problems.push(`The key ${key} is given more than once; give it once.`);
      else fields[key] = token.value;
    } else if (!options.allowFields && (USER_ARG_KEYS as readonly string[]).includes(key)) {
      problems.push(
        options.allowReason
          ? `Only reason="..." can follow the account here, not ${key}=.`
          : `Nothing can follow the account here, not ${key}=.`,
      );
    } else {
      const suggestion = suggestKey(key);
      const keys = [...(options.allowFields ? PROFILE_FIELDS : []), ...(options.allowReason ? ['reason'] : [])];
      problems.push(
        `Unknown key ${quoteForMessage(key)}${suggestion && keys.includes(suggestion) ? ` (did you mean ${suggestion}?)` : ''}.${keys.length > 0 ? ` The keys are ${keys.join(', ')}.` : ''}`,
      );
    }
  }
  if (extra.length > 0) {
    problems.push(
      `Only one account can be named; ${extra.map((e) => quoteForMessage(e)).join(', ')} ${extra.length === 1 ? 'is' : 'are'} extra. Put values with spaces in quotes, as key="two words".`,
    );
  }
  return { user, fields, reason: reason === '' ? undefined : reason, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// Changes

/** The value Moodle holds for a field ('' when it omits it). */
export function currentValue(user: MoodleUser, field: ProfileField): string {
  const value = user[field];
  return typeof value === 'string' ? value : '';
}

export type UpdatePreparation =
  | { ok: true; changes: FieldChange[] }
  | { ok: false; problems: FieldProblem[] }
  | { ok: 'unchanged'; message: string };

/**
 * Validates only the fields that differ from the account (an odd value already in Moodle does not block an
 * unrelated edit) with the create rules, then keeps the fields whose normalised value still differs.
 */
export function prepareUpdate(
  current: MoodleUser,
  input: Record<string, string | undefined>,
  options: Pick<Config, 'allowedAuth' | 'defaultAuth'>,
): UpdatePreparation {
  const differing: Record<string, string> = {};
  const unknown: Record<string, string> = {};
  for (const [key, raw] of Object.entries(input)) {
    if (raw === undefined) continue;
    if (!FIELD_KEYS.has(key)) {
      unknown[key] = raw;
      continue;
    }
    if (raw.trim() !== currentValue(current, key as ProfileField)) differing[key] = raw;
  }
  if (Object.keys(unknown).length > 0 || Object.keys(differing).length > 0) {
    const validated = validateUserUpdate({ ...differing, ...unknown }, options);
    if (!validated.ok) return { ok: false, problems: validated.problems };
    const changes: FieldChange[] = [];
    for (const field of PROFILE_FIELDS) {
      const after = validated.record[field];
      if (after === undefined) continue;
      const before = currentValue(current, field);
      if (after !== before) changes.push({ field, before, after });
    }
    if (changes.length > 0) return { ok: true, changes };
  }
  return {
    ok: 'unchanged',
    message: `Nothing to change: ${describeAccount(current)} already has ${Object.keys(input).length > 0 ? 'these values' : 'the values given'}.`,
  };
}

/**
 * A rename or an email change onto another account's username or email (ignoring case, like Moodle) is a problem
 * on that field. When a look-up cannot be made, the request may still go ahead: the summary says what was not
 * checked, and Moodle's own check refuses a clash at execution.
 */
export async function checkUpdateCollisions(
  gateway: MoodleGateway,
  current: MoodleUser,
  changes: readonly FieldChange[],
  moodleUrl: string,
): Promise<{ problems: FieldProblem[]; preflight: PreflightSummary }> {
  const problems: FieldProblem[] = [];
  const preflight: PreflightSummary = { checked: true, notes: [], conflicts: [] };
  const others = (users: MoodleUser[]) => users.filter((u) => u.id !== current.id);
  const clash = (u: MoodleUser) => `${describeAccount(u)}, ${profileUrl(moodleUrl, u.id)}`;
  for (const change of changes) {
    if (change.field !== 'username' && change.field !== 'email') continue;
    try {
      const found =
        change.field === 'username'
          ? others(await gateway.getUsersByField('username', [change.after]))
          : others(await gateway.findUsersByEmail(change.after));
      for (const u of found) {
        preflight.conflicts.push({ moodleId: u.id, username: u.username, email: u.email, matchedOn: change.field });
        problems.push({
          field: change.field,
          message:
            change.field === 'username'
              ? `The username ${change.after} is already used by ${clash(u)}.`
              : `The email ${change.after} is already used by ${clash(u)} (Moodle compares emails ignoring case).`,
        });
      }
      if (found.length === 0) {
        preflight.notes.push(
          `No other Moodle account uses the ${change.field === 'username' ? 'username' : 'email'} ${change.after}.`,
        );
      }
    } catch (err) {
      preflight.checked = false;
      const hint = isGatewayError(err) ? err.hint : 'see the app log';
      preflight.notes.push(`Could not check whether another account uses the new ${change.field}: ${hint}`);
    }
  }
  return { problems, preflight };
}

// ---------------------------------------------------------------------------------------------------------------
// The service the /moodle-user listeners call

export interface AccountDeps {
  gateway: MoodleGateway;
  store: Store;
  requests: RequestService;
  provisioning: ProvisioningService;
  permissions: Permissions;
  config: Pick<Config, 'allowedAuth' | 'defaultAuth' | 'protectedUsers'> & { moodle: { url: string } };
}

/** Why nothing was stored, in one sentence; or the lookup that did not find exactly one account. */
export type Refusal = { kind: 'refused'; reason: string };
export type NotOne = Exclude<LookupOutcome, { kind: 'found' }>;

export type AccountTarget = { kind: 'target'; user: MoodleUser };

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

export type ChangeOutcome = SubmitOutcome | NotOne | { kind: 'unchanged'; message: string };

type ChangeOperation = Exclude<RequestOperation, 'create'>;

const IN_FLIGHT: RequestRecord['status'][] = ['pending', 'approved', 'executing'];

export function createAccountService(deps: AccountDeps) {
  const { gateway, permissions, requests, provisioning, config } = deps;
  const guard = createAccountGuard(gateway, config.protectedUsers);

  async function mayRequest(userId: string, operation?: ChangeOperation): Promise<Refusal | undefined> {
    const check = await permissions.check(userId, 'requester');
    if (check.ok) return undefined;
    await requests.recordRefusal(userId, { reason: check.reason, ...(operation ? { operation } : {}) });
    return { kind: 'refused', reason: check.reason };
  }

  async function resolve(refText: string | AccountRef): Promise<LookupOutcome> {
    if (typeof refText !== 'string') return lookUpAccount(gateway, refText);
    const parsed = parseAccountRef(refText);
    if (!parsed.ok) return { kind: 'bad_ref', message: parsed.message };
    return lookUpAccount(gateway, parsed.ref);
  }

  /** Permission, look-up, protection and "already in flight": everything that refuses before a request exists. */
  async function target(
    requester: RequesterContext,
    ref: string | AccountRef,
    operation: ChangeOperation,
  ): Promise<AccountTarget | Refusal | NotOne> {
    const refused = await mayRequest(requester.userId, operation);
    if (refused) return refused;
    const found = await resolve(ref);
    if (found.kind !== 'found') return found;
    const refusal = await refuseChange(requester, found.user, operation);
    return refusal ?? { kind: 'target', user: found.user };
  }

  async function refuseChange(
    requester: RequesterContext,
    user: MoodleUser,
    operation: ChangeOperation,
  ): Promise<Refusal | undefined> {
    const protection = await guard.protectionOf(user);
    if (protection.protected !== false) {
      await requests.recordRefusal(requester.userId, {
        reason: protection.reason,
        operation,
        detail: `protected account ${user.username} (id ${user.id})`,
      });
      return { kind: 'refused', reason: protection.reason };
    }
    const inFlight = await findChangeInFlight(deps.store, user.id, operation);
    if (inFlight) {
      return {
        kind: 'refused',
        reason: `${inFlight.id} already asks to ${operation} ${user.username} and is ${inFlight.status === 'pending' ? 'waiting for an approver' : 'being carried out'}; nothing new was stored.`,
      };
    }
    return undefined;
  }

  function targetOf(user: MoodleUser) {
    return { moodleId: user.id, username: user.username, email: user.email };
  }

  async function plan(
    requester: RequesterContext,
    ref: string | AccountRef,
    input: Record<string, string | undefined>,
  ): Promise<PlanOutcome> {
    const found = await target(requester, ref, 'update');
    if (found.kind !== 'target') return found;
    const prepared = prepareUpdate(found.user, input, config);
    if (prepared.ok === 'unchanged') return { kind: 'unchanged', message: prepared.message };
    if (!prepared.ok) return { kind: 'problems', problems: prepared.problems };
    const { problems, preflight } = await checkUpdateCollisions(
      gateway,
      found.user,
      prepared.changes,
      config.moodle.url,
    );
    if (problems.length > 0) return { kind: 'problems', problems };
    return { kind: 'planned', user: found.user, changes: prepared.changes, preflight };
  }

  function submitUpdate(requester: RequesterContext, planned: UpdatePlan, reason?: string): Promise<SubmitOutcome> {
    return provisioning.submitRequest(
      requester,
      targetOf(planned.user),
      { operation: 'update', changes: planned.changes },
      planned.preflight,
      reason,
    );
  }

  return {
    guard,

    /** `show`: requester and above; returns the account, its profile link and whether it is protected. */
    async show(
      requesterId: string,
      ref: string,
    ): Promise<Refusal | NotOne | { kind: 'found'; user: MoodleUser; profileUrl: string; protection: Protection }> {
      const refused = await mayRequest(requesterId);
      if (refused) return refused;
      const found = await resolve(ref);
      if (found.kind !== 'found') return found;
      return {
        kind: 'found',
        user: found.user,
        profileUrl: profileUrl(config.moodle.url, found.user.id),
        protection: await guard.protectionOf(found.user),
      };
    },

    /** For the edit and delete modals: the account, once permission and protection allow a change. */
    target,

    /** Validates, computes the changed fields and checks clashes; stores nothing. */
    planUpdate: plan,

    /** Stores (and executes or posts for approval) a plan made by planUpdate. */
    submitUpdate,

    async requestUpdate(
      requester: RequesterContext,
      ref: string | AccountRef,
      input: Record<string, string | undefined>,
      reason?: string,
    ): Promise<ChangeOutcome> {
      const planned = await plan(requester, ref, input);
      if (planned.kind === 'problems') return { kind: 'invalid', problems: planned.problems };
      if (planned.kind !== 'planned') return planned;
      return submitUpdate(requester, planned, reason);
    },

    async requestSuspension(
      requester: RequesterContext,
      ref: string | AccountRef,
      operation: 'suspend' | 'unsuspend',
      reason?: string,
    ): Promise<ChangeOutcome> {
      const found = await target(requester, ref, operation);
      if (found.kind !== 'target') return found;
      const wanted = operation === 'suspend';
      if (found.user.suspended === wanted) {
        return {
          kind: 'unchanged',
          message: `${describeAccount(found.user)} is already ${wanted ? 'suspended' : 'active (not suspended)'}; nothing to do.`,
        };
      }
      return provisioning.submitRequest(requester, targetOf(found.user), { operation }, undefined, reason);
    },

    /**
     * Delete, from the confirmation modal: the typed username must equal the account's exactly. The account is
     * looked up again by id so that a rename or a deletion since the modal opened is noticed. Stores nothing.
     */
    async planDeletion(
      requester: RequesterContext,
      moodleId: number,
      typedUsername: string,
    ): Promise<AccountTarget | Refusal | NotOne | { kind: 'mismatch'; message: string }> {
      const found = await target(requester, { by: 'id', id: moodleId }, 'delete');
      if (found.kind !== 'target') return found;
      if (typedUsername.trim() !== found.user.username) {
        return {
          kind: 'mismatch',
          message: `Type the username exactly as shown (${found.user.username}) to confirm the deletion.`,
        };
      }
      return found;
    },

    /** Stores the deletion of an account planDeletion returned (APPROVAL_REQUIRED applies, delete by default). */
    submitDeletion(requester: RequesterContext, user: MoodleUser, reason?: string): Promise<SubmitOutcome> {
      return provisioning.submitRequest(requester, targetOf(user), { operation: 'delete' }, undefined, reason);
    },
  };
}
export type AccountService = ReturnType<typeof createAccountService>;

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

/** A request for the same account and operation that is still waiting or running, if any. */
export async function findChangeInFlight(
  store: Store,
  moodleId: number,
  operation: ChangeOperation,
): Promise<RequestRecord | undefined> {
  const [newest] = await store.listRequests({ statuses: IN_FLIGHT, operation, moodleId, limit: 1 });
  return newest;
}
