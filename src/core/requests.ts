// The request lifecycle: what a stored request holds, which status changes are allowed, and the service that
// moves requests through them (submit, decide, execute, retry, expire, reconcile) over the Store and Clock ports.
// Permission checks (is this person an approver?) belong to the caller; the rules that hold for everyone
// (nobody decides their own request, only pending requests are decided, exactly one decision wins) live here.
// Knows neither Slack nor Moodle's wire format.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Operation } from '../config.js';
import { type NewAuditEvent, type RequestAuditDraft, SYSTEM_ACTOR, truncateDetail } from './audit.js';
import type { Clock } from './clock.js';
import { PROFILE_FIELDS, REQUIRED_PROFILE_FIELDS, type UserProfileFields } from './moodle-gateway.js';
import type { Store } from './store.js';

// ---------------------------------------------------------------------------------------------------------------
// Operations and statuses

export const REQUEST_OPERATIONS = ['create', 'update', 'suspend', 'unsuspend', 'delete'] as const;
export type RequestOperation = (typeof REQUEST_OPERATIONS)[number];

/** The APPROVAL_REQUIRED entry that governs an operation: unsuspend follows suspend's policy. */
export function policyOperation(operation: RequestOperation): Operation {
  return operation === 'unsuspend' ? 'suspend' : operation;
}

export const REQUEST_STATUSES = [
  'pending',
  'approved',
  'executing',
  'succeeded',
  'failed',
  'rejected',
  'cancelled',
  'expired',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Every allowed status change. A failed request goes back to executing only when an approver retries it. */
export const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  pending: ['approved', 'rejected', 'cancelled', 'expired'],
  approved: ['executing'],
  executing: ['succeeded', 'failed'],
  failed: ['executing'],
  succeeded: [],
  rejected: [],
  cancelled: [],
  expired: [],
};

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinalStatus(status: RequestStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Request ids: short enough to read out, random enough that nobody guesses another request's id

/** Crockford-style alphabet without 0/O, 1/I/L and U, so that an id read aloud or retyped stays the same id. */
const ID_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_LENGTH = 6;
const ID_PATTERN = new RegExp(`^R-[${ID_ALPHABET}]{${ID_LENGTH}}$`);

/** A fresh id such as `R-7K3QX9` (30^6 ≈ 7·10^8 possibilities; the store retries on the rare collision). */
export function generateRequestId(): string {
  let id = 'R-';
  for (let i = 0; i < ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** Normalises what a person typed (`r-7k3qx9`, ` R-7K3QX9 `) to an id, or undefined if it cannot be one. */
export function parseRequestId(text: string): string | undefined {
  const id = text.trim().toUpperCase();
  return ID_PATTERN.test(id) ? id : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// What a request holds. The payload schemas strip every key they do not name, so a password or token that
// slipped into an object on its way here is dropped before anything is written.

export { PROFILE_FIELDS };
export type ProfileField = (typeof PROFILE_FIELDS)[number];

const optionalText = z.string().exactOptional();
export const userProfileFieldsSchema = z.object({
  username: z.string(),
  email: z.string(),
  firstname: z.string(),
  lastname: z.string(),
  auth: z.string(),
  idnumber: optionalText,
  institution: optionalText,
  department: optionalText,
  city: optionalText,
  country: optionalText,
  lang: optionalText,
  timezone: optionalText,
  phone1: optionalText,
  phone2: optionalText,
  address: optionalText,
}) satisfies z.ZodType<UserProfileFields>;

/** One field's change; `before` is '' when the field was empty. Used for updates and for approver corrections. */
export interface FieldChange {
  field: ProfileField;
  before: string;
  after: string;
}
export const fieldChangeSchema = z.object({
  field: z.enum(PROFILE_FIELDS),
  before: z.string(),
  after: z.string(),
}) satisfies z.ZodType<FieldChange>;

export type RequestPayload =
  | { operation: 'create'; user: UserProfileFields }
  | { operation: 'update'; changes: FieldChange[] }
  | { operation: 'suspend' }
  | { operation: 'unsuspend' }
  | { operation: 'delete' };

export const requestPayloadSchema = z.discriminatedUnion('operation', [
  z.object({ operation: z.literal('create'), user: userProfileFieldsSchema }),
  z.object({ operation: z.literal('update'), changes: z.array(fieldChangeSchema) }),
  z.object({ operation: z.literal('suspend') }),
  z.object({ operation: z.literal('unsuspend') }),
  z.object({ operation: z.literal('delete') }),
]) satisfies z.ZodType<RequestPayload>;

/** The account a request is about. For create, the account does not exist yet: no moodleId. */
export interface RequestTarget {
  moodleId?: number;
  username?: string;
  email?: string;
}
export const requestTargetSchema = z.object({
  moodleId: z.number().int().exactOptional(),
  username: optionalText,
  email: optionalText,
}) satisfies z.ZodType<RequestTarget>;

/** What the pre-flight look-up found, in short, so that approvers see it on the card and it is on record. */
export interface PreflightSummary {
  /** False when the app could not look (missing Moodle function, Moodle unreachable). */
  checked: boolean;
  /** Sentences for a person, e.g. "No account uses this email." */
  notes: string[];
  /** Existing accounts that clash with the request (same username, email or ID number). */
  conflicts: Array<{
    moodleId: number;
    username: string;
    email?: string;
    matchedOn: 'username' | 'email' | 'idnumber';
  }>;
}
export const preflightSummarySchema = z.object({
  checked: z.boolean(),
  notes: z.array(z.string()),
  conflicts: z.array(
    z.object({
      moodleId: z.number().int(),
      username: z.string(),
      email: optionalText,
      matchedOn: z.enum(['username', 'email', 'idnumber']),
    }),
  ),
}) satisfies z.ZodType<PreflightSummary>;

/** How the Moodle call ended. `outcomeUnknown`: the call may have happened; look the user up before retrying. */
export type RequestResult =
  | { ok: true; moodleId?: number }
  | { ok: false; code: string; message: string; hint: string; outcomeUnknown: boolean };
export const requestResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), moodleId: z.number().int().exactOptional() }),
  z.object({
    ok: z.literal(false),
    code: z.string(),
    message: z.string(),
    hint: z.string(),
    outcomeUnknown: z.boolean(),
  }),
]) satisfies z.ZodType<RequestResult>;

export interface RequesterContext {
  userId: string;
  teamId?: string;
  /** Where the request was made, so that replies can go back there. */
  channelId?: string;
}

export interface MessageLocation {
  channel: string;
  ts: string;
}

export interface RequestRecord {
  readonly id: string;
  readonly operation: RequestOperation;
  readonly status: RequestStatus;
  /** Counts lifecycle changes; every status change is a compare-and-set on it. */
  readonly version: number;
  readonly requester: RequesterContext;
  readonly target: RequestTarget;
  readonly payload: RequestPayload;
  readonly preflight: PreflightSummary | undefined;
  /** The requester's reason, if they gave one. */
  readonly reason: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly decidedAt: Date | undefined;
  readonly decidedBy: string | undefined;
  /** The approver's comment, or the rejection reason. */
  readonly decisionComment: string | undefined;
  readonly corrections: FieldChange[] | undefined;
  readonly executedAt: Date | undefined;
  readonly result: RequestResult | undefined;
  readonly approvalMessage: MessageLocation | undefined;
  readonly notificationTs: string | undefined;
  /** How many times the Moodle call was started. */
  readonly attempts: number;
}

/** What the store needs to create a request. The operation is the payload's. */
export interface NewRequest {
  requester: RequesterContext;
  target: RequestTarget;
  payload: RequestPayload;
  preflight?: PreflightSummary;
  reason?: string;
  createdAt: Date;
  /** `approved` for an admin's direct execution, which is decided by the admin at creation. */
  initialStatus?: 'pending' | 'approved';
  decidedBy?: string;
}

/** Fields a transition may set along with the status; `null` clears a field. */
export interface RequestPatch {
  decidedAt?: Date;
  decidedBy?: string;
  decisionComment?: string;
  corrections?: FieldChange[];
  payload?: RequestPayload;
  target?: RequestTarget;
  executedAt?: Date;
  result?: RequestResult | null;
  incrementAttempts?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Human sentences about a request's state (the caller decides how to show a person: formatActor)

export type FormatActor = (actorId: string) => string;

/** One sentence that explains why a request can no longer be decided, e.g. "R-7K3QX9 was already approved by U123." */
export function describeStatus(request: RequestRecord, formatActor: FormatActor = (id) => id): string {
  const by = request.decidedBy ? ` by ${formatActor(request.decidedBy)}` : '';
  switch (request.status) {
    case 'pending':
      return `${request.id} is still waiting for a decision.`;
    case 'approved':
      return `${request.id} was already approved${by}.`;
    case 'executing':
      return `${request.id} was already approved${by} and is being carried out now.`;
    case 'succeeded':
      return `${request.id} was already approved${by} and carried out.`;
    case 'failed':
      return `${request.id} was approved${by} but failed in Moodle; an approver can retry it.`;
    case 'rejected':
      return `${request.id} was already rejected${by}.`;
    case 'cancelled':
      return `${request.id} was cancelled by its requester.`;
    case 'expired':
      return `${request.id} expired without a decision.`;
  }
}

/** Why the requester cannot approve or reject their own request; the lifecycle and the early check say the same. */
export function describeSelfDecision(request: RequestRecord, verb: 'approve' | 'reject'): string {
  return (
    `You asked for ${request.id} yourself, so another approver has to ${verb} it.` +
    (request.status === 'pending' ? ' To withdraw it, cancel it instead.' : '')
  );
}

/** Why a request that is not failed cannot be retried. */
export function describeNotRetryable(request: RequestRecord, formatActor: FormatActor = (id) => id): string {
  return `Only a failed request can be retried. ${describeStatus(request, formatActor)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The lifecycle service

export const REFUSAL_CODES = [
  'not_found',
  'self_decision',
  'not_pending',
  'not_requester',
  'not_approved',
  'not_executing',
  'not_failed',
  'reason_required',
  'invalid_corrections',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  ok: false;
  code: RefusalCode;
  /** A sentence to show the person who asked. */
  message: string;
  /** The request as it is now, so that the caller can refresh a stale card. */
  current: RequestRecord | undefined;
}
export type LifecycleResult = { ok: true; request: RequestRecord } | Refusal;

export interface SubmitInput {
  requester: RequesterContext;
  target: RequestTarget;
  payload: RequestPayload;
  preflight?: PreflightSummary;
  reason?: string;
}

/** New values an approver typed over the requested ones. Empty string clears an optional field. */
export type Corrections = Partial<UserProfileFields>;

export interface ApproveOptions {
  corrections?: Corrections;
  comment?: string;
}

export interface FailureInput {
  code: string;
  message: string;
  hint: string;
  outcomeUnknown: boolean;
}

/** What a look-up in Moodle showed about an execution interrupted by a crash. */
export type ReconcileOutcome =
  | { applied: true; moodleId?: number; detail?: string }
  | { applied: false; detail?: string };

export interface RequestServiceOptions {
  store: Store;
  clock: Clock;
  ttlHours: number;
  /** How refusal sentences name a person (the Slack layer passes a mention); the raw id by default. */
  formatActor?: FormatActor;
}

export interface RequestService {
  /** Stores a request (before anyone is told its id). `direct`: an admin acting without approval. */
  submit(input: SubmitInput, options?: { direct?: boolean }): Promise<RequestRecord>;
  approve(id: string, actor: string, options?: ApproveOptions): Promise<LifecycleResult>;
  reject(id: string, actor: string, reason: string): Promise<LifecycleResult>;
  /** Only the requester, only while pending. */
  cancel(id: string, actor: string): Promise<LifecycleResult>;
  /** approved → executing. Whoever gets `ok: true` makes the one Moodle call. */
  startExecution(id: string, actor?: string): Promise<LifecycleResult>;
  recordSuccess(id: string, outcome?: { moodleId?: number }): Promise<LifecycleResult>;
  recordFailure(id: string, failure: FailureInput): Promise<LifecycleResult>;
  /** failed → executing, by an approver. Whoever gets `ok: true` makes the Moodle call again. */
  retry(id: string, actor: string): Promise<LifecycleResult>;
  /** Expires every pending request older than the TTL; returns the ones this call expired. */
  expireDue(): Promise<RequestRecord[]>;
  /** Requests left executing by a crash: look each up in Moodle, then reconcile(). */
  findInterrupted(): Promise<RequestRecord[]>;
  reconcile(id: string, outcome: ReconcileOutcome): Promise<LifecycleResult>;
  /** Audits a refusal decided by the caller (e.g. "not an approver"). */
  recordRefusal(
    actor: string,
    refusal: { reason: string; requestId?: string; operation?: RequestOperation; detail?: string },
  ): Promise<void>;
}

export function createRequestService(options: RequestServiceOptions): RequestService {
  const { store, clock } = options;
  const formatActor = options.formatActor ?? ((id: string) => id);
  const ttlMs = options.ttlHours * 60 * 60 * 1000;

  async function refuse(
    code: RefusalCode,
    message: string,
    actor: string,
    current: RequestRecord | undefined,
    requestId?: string,
  ): Promise<Refusal> {
    const event: NewAuditEvent = { at: clock.now(), actor, kind: 'refusal', outcome: code, detail: message };
    if (current) {
      event.requestId = current.id;
      event.operation = current.operation;
      event.target = current.target;
    } else if (requestId !== undefined) {
      event.detail = truncateDetail(`${message} (asked for ${requestId})`) ?? message;
    }
    await store.appendAudit(event);
    return { ok: false, code, message, current };
  }

  async function load(id: string, actor: string): Promise<RequestRecord | Refusal> {
    const request = await store.getRequest(id);
    if (request) return request;
    return refuse('not_found', `There is no request ${id}.`, actor, undefined, id);
  }

  /** The compare-and-set; on losing, the refusal carries the state the winner left. */
  async function move(
    request: RequestRecord,
    to: RequestStatus,
    actor: string,
    lostCode: RefusalCode,
    patch: RequestPatch,
    audit: RequestAuditDraft[],
  ): Promise<LifecycleResult> {
    const result = await store.transition(request.id, {
      from: request.status,
      expectedVersion: request.version,
      to,
      at: clock.now(),
      patch,
      audit,
    });
    if (result.ok) return result;
    const current = result.current;
    return refuse(
      current ? lostCode : 'not_found',
      current ? describeStatus(current, formatActor) : `There is no request ${request.id}.`,
      actor,
      current,
      request.id,
    );
  }

  /** The patch of executing → succeeded; a create learns its new account's id here. */
  function succeeded(request: RequestRecord, found: number | undefined): { moodleId?: number; patch: RequestPatch } {
    const moodleId = found ?? request.target.moodleId;
    if (moodleId === undefined) return { patch: { executedAt: clock.now(), result: { ok: true } } };
    const patch: RequestPatch = { executedAt: clock.now(), result: { ok: true, moodleId } };
    if (request.target.moodleId === undefined) patch.target = { ...request.target, moodleId };
    return { moodleId, patch };
  }

  async function decide(
    id: string,
    actor: string,
    verb: 'approve' | 'reject',
    build: (request: RequestRecord) => Refusal | { patch: RequestPatch; audit: RequestAuditDraft[] },
  ): Promise<LifecycleResult> {
    const request = await load(id, actor);
    if ('ok' in request) return request;
    if (request.requester.userId === actor) {
      return refuse('self_decision', describeSelfDecision(request, verb), actor, request);
    }
    if (request.status !== 'pending') {
      return refuse('not_pending', describeStatus(request, formatActor), actor, request);
    }
    const built = build(request);
    if ('ok' in built) return built;
    return move(request, verb === 'approve' ? 'approved' : 'rejected', actor, 'not_pending', built.patch, built.audit);
  }

  return {
    async submit(input, submitOptions = {}) {
      const direct = submitOptions.direct === true;
      const now = clock.now();
      const draft: NewRequest = {
        requester: input.requester,
        target: input.target,
        payload: input.payload,
        createdAt: now,
        initialStatus: direct ? 'approved' : 'pending',
      };
      if (input.preflight) draft.preflight = input.preflight;
      if (input.reason !== undefined) draft.reason = input.reason;
      if (direct) draft.decidedBy = input.requester.userId;
      // The requester's reason goes into the audit too, so that the log alone says why (e.g. why a suspension).
      const reasonDetail = truncateDetail(input.reason?.trim() || undefined);
      const audit: RequestAuditDraft[] = [
        {
          actor: input.requester.userId,
          kind: 'request',
          outcome: direct ? 'approved' : 'pending',
          ...(reasonDetail === undefined ? {} : { detail: `Reason: ${reasonDetail}` }),
        },
      ];
      if (direct) {
        audit.push({
          actor: input.requester.userId,
          kind: 'direct_execution',
          outcome: 'allowed',
          detail: `An admin may ${input.payload.operation} without approval (APPROVAL_REQUIRED).`,
        });
      }
      return store.createRequest(draft, audit);
    },

    approve(id, actor, approveOptions = {}) {
      return decide(id, actor, 'approve', (request) => {
        const corrected = applyCorrections(request, approveOptions.corrections ?? {});
        if (!corrected.ok) {
          return { ok: false, code: 'invalid_corrections', message: corrected.message, current: request };
        }
        const now = clock.now();
        const patch: RequestPatch = { decidedAt: now, decidedBy: actor };
        const comment = approveOptions.comment?.trim();
        if (comment) patch.decisionComment = comment;
        const audit: RequestAuditDraft[] = [];
        if (corrected.diff.length > 0) {
          patch.corrections = corrected.diff;
          patch.payload = corrected.payload;
          patch.target = corrected.target;
          audit.push({ actor, kind: 'correction', outcome: 'corrected', detail: JSON.stringify(corrected.diff) });
        }
        const decision: RequestAuditDraft = { actor, kind: 'decision', outcome: 'approved' };
        if (comment) decision.detail = comment;
        audit.push(decision);
        return { patch, audit };
      });
    },

    reject(id, actor, reason) {
      return decide(id, actor, 'reject', (request) => {
        const text = reason.trim();
        if (text === '') {
          return {
            ok: false,
            code: 'reason_required',
            message: 'Say why you reject the request; the requester will see it.',
            current: request,
          };
        }
        return {
          patch: { decidedAt: clock.now(), decidedBy: actor, decisionComment: text },
          audit: [{ actor, kind: 'decision', outcome: 'rejected', detail: text }],
        };
      });
    },

    async cancel(id, actor) {
      const request = await load(id, actor);
      if ('ok' in request) return request;
      if (request.requester.userId !== actor) {
        return refuse('not_requester', `Only the person who asked for ${request.id} can cancel it.`, actor, request);
      }
      if (request.status !== 'pending') {
        return refuse('not_pending', describeStatus(request, formatActor), actor, request);
      }
      return move(request, 'cancelled', actor, 'not_pending', { decidedAt: clock.now(), decidedBy: actor }, [
        { actor, kind: 'cancellation', outcome: 'cancelled' },
      ]);
    },

    async startExecution(id, actor = SYSTEM_ACTOR) {
      const request = await load(id, actor);
      if ('ok' in request) return request;
      if (request.status !== 'approved') {
        return refuse('not_approved', describeStatus(request, formatActor), actor, request);
      }
      return move(request, 'executing', actor, 'not_approved', { incrementAttempts: true, result: null }, [
        { actor, kind: 'execution', outcome: 'started' },
      ]);
    },

    async recordSuccess(id, outcome = {}) {
      const request = await load(id, SYSTEM_ACTOR);
      if ('ok' in request) return request;
      if (request.status !== 'executing') {
        return refuse('not_executing', describeStatus(request, formatActor), SYSTEM_ACTOR, request);
      }
      const { moodleId, patch } = succeeded(request, outcome.moodleId);
      const event: RequestAuditDraft = { actor: SYSTEM_ACTOR, kind: 'execution', outcome: 'succeeded' };
      if (moodleId !== undefined) event.moodleId = moodleId;
      return move(request, 'succeeded', SYSTEM_ACTOR, 'not_executing', patch, [event]);
    },

    async recordFailure(id, failure) {
      const request = await load(id, SYSTEM_ACTOR);
      if ('ok' in request) return request;
      if (request.status !== 'executing') {
        return refuse('not_executing', describeStatus(request, formatActor), SYSTEM_ACTOR, request);
      }
      const result: RequestResult = {
        ok: false,
        code: failure.code,
        message: failure.message,
        hint: failure.hint,
        outcomeUnknown: failure.outcomeUnknown,
      };
      const detail = truncateDetail(`${failure.code}: ${failure.message}`);
      return move(request, 'failed', SYSTEM_ACTOR, 'not_executing', { executedAt: clock.now(), result }, [
        {
          actor: SYSTEM_ACTOR,
          kind: 'execution',
          outcome: failure.outcomeUnknown ? 'outcome_unknown' : 'failed',
          ...(detail === undefined ? {} : { detail }),
        },
      ]);
    },

    async retry(id, actor) {
      const request = await load(id, actor);
      if ('ok' in request) return request;
      if (request.status !== 'failed') {
        return refuse('not_failed', describeNotRetryable(request, formatActor), actor, request);
      }
      return move(request, 'executing', actor, 'not_failed', { incrementAttempts: true, result: null }, [
        { actor, kind: 'retry', outcome: 'retried', detail: `attempt ${request.attempts + 1}` },
        { actor, kind: 'execution', outcome: 'started' },
      ]);
    },

    async expireDue() {
      const cutoff = new Date(clock.now().getTime() - ttlMs);
      const due = await store.findExpired(cutoff);
      const expired: RequestRecord[] = [];
      for (const request of due) {
        const result = await store.transition(request.id, {
          from: 'pending',
          expectedVersion: request.version,
          to: 'expired',
          at: clock.now(),
          patch: { decidedAt: clock.now() },
          audit: [
            {
              actor: SYSTEM_ACTOR,
              kind: 'expiry',
              outcome: 'expired',
              detail: `No decision within ${options.ttlHours} hours.`,
            },
          ],
        });
        // Losing here means someone decided it in the meantime: their decision stands.
        if (result.ok) expired.push(result.request);
      }
      return expired;
    },

    findInterrupted() {
      return store.findByStatus('executing');
    },

    async reconcile(id, outcome) {
      const request = await load(id, SYSTEM_ACTOR);
      if ('ok' in request) return request;
      if (request.status !== 'executing') {
        return refuse('not_executing', describeStatus(request, formatActor), SYSTEM_ACTOR, request);
      }
      const base: RequestAuditDraft = {
        actor: SYSTEM_ACTOR,
        kind: 'reconciliation',
        outcome: outcome.applied ? 'applied' : 'not_applied',
      };
      if (outcome.detail !== undefined) base.detail = outcome.detail;
      if (outcome.applied) {
        const { moodleId, patch } = succeeded(request, outcome.moodleId);
        if (moodleId !== undefined) base.moodleId = moodleId;
        return move(request, 'succeeded', SYSTEM_ACTOR, 'not_executing', patch, [base]);
      }
      return move(
        request,
        'failed',
        SYSTEM_ACTOR,
        'not_executing',
        {
          executedAt: clock.now(),
          result: {
            ok: false,
            code: 'interrupted',
            message: 'The app stopped while carrying out this request, and Moodle shows it was not done.',
            hint: 'An approver can retry it from the card.',
            outcomeUnknown: false,
          },
        },
        [base],
      );
    },

    async recordRefusal(actor, refusal) {
      const event: NewAuditEvent = { at: clock.now(), actor, kind: 'refusal', outcome: refusal.reason };
      if (refusal.requestId !== undefined) {
        const request = await store.getRequest(refusal.requestId);
        if (request) {
          event.requestId = request.id;
          event.operation = request.operation;
          event.target = request.target;
        }
      }
      if (refusal.operation !== undefined && event.operation === undefined) event.operation = refusal.operation;
      const detail = truncateDetail(refusal.detail);
      if (detail !== undefined) event.detail = detail;
      await store.appendAudit(event);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Approver corrections

type CorrectionResult =
  | { ok: true; diff: FieldChange[]; payload: RequestPayload; target: RequestTarget }
  | { ok: false; message: string };

/**
 * Applies an approver's corrections and returns the before → after diff. Only real changes count, so that
 * an approver who submits the modal unchanged leaves no correction on record. Field rules (username
 * characters, email format, ...) are checked by the caller with the same validation as the request itself.
 */
export function applyCorrections(request: RequestRecord, corrections: Corrections): CorrectionResult {
  const entries = PROFILE_FIELDS.flatMap((field) => {
    const value = corrections[field];
    return value === undefined ? [] : [[field, value.trim()] as const];
  });
  if (entries.length === 0) return { ok: true, diff: [], payload: request.payload, target: request.target };
  const payload = request.payload;
  if (payload.operation === 'create') {
    const user: UserProfileFields = { ...payload.user };
    const diff: FieldChange[] = [];
    for (const [field, after] of entries) {
      const before = user[field] ?? '';
      if (before === after) continue;
      if (after === '' && (REQUIRED_PROFILE_FIELDS as readonly ProfileField[]).includes(field)) {
        return { ok: false, message: `${field} cannot be empty for a new account.` };
      }
      if (after === '') delete user[field as Exclude<ProfileField, (typeof REQUIRED_PROFILE_FIELDS)[number]>];
      else user[field] = after;
      diff.push({ field, before, after });
    }
    const target: RequestTarget = { ...request.target, username: user.username, email: user.email };
    return { ok: true, diff, payload: { operation: 'create', user }, target };
  }
  if (payload.operation === 'update') {
    const changes = payload.changes.map((c) => ({ ...c }));
    const diff: FieldChange[] = [];
    for (const [field, after] of entries) {
      const change = changes.find((c) => c.field === field);
      if (!change) {
        return {
          ok: false,
          message: `The request does not change ${field}; an approver can only correct the fields the requester asked to change.`,
        };
      }
      if (change.after === after) continue;
      diff.push({ field, before: change.after, after });
      change.after = after;
    }
    return { ok: true, diff, payload: { operation: 'update', changes }, target: request.target };
  }
  return { ok: false, message: `A ${payload.operation} request has no fields to correct.` };
}
