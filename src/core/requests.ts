// What a stored request is: its statuses and allowed changes, its id, target, pre-flight, result and the fields a
// change may set. The payload belongs to the request's operation (src/core/operations); this file knows none of them.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { RequestOperation, RequestPayload } from './operations/registry.js';
import type { FieldChange } from './profile.js';

export type { RequestOperation, RequestPayload };

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

/** Asked for and not carried out yet: a second request for the same change would be a duplicate. */
export const IN_FLIGHT_STATUSES = ['pending', 'approved', 'executing'] as const;
export type InFlightStatus = (typeof IN_FLIGHT_STATUSES)[number];

/** Every allowed status change. A failed request goes back to executing only when an approver retries it. */
/** pending → pending: one approval of several (APPROVALS_REQUIRED) is recorded; only the version moves. */
export const TRANSITIONS: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  pending: ['pending', 'approved', 'rejected', 'cancelled', 'expired'],
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
// What a request holds

const optionalText = z.string().exactOptional();

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

/** The existing account a request is about, as the look-up found it when the request was made (for the card). */
export interface AccountSnapshot {
  fullname: string;
  username: string;
  email?: string;
  suspended: boolean;
  /** Unix seconds; absent or 0: never. */
  lastaccess?: number;
}
export const accountSnapshotSchema = z.object({
  fullname: z.string(),
  username: z.string(),
  email: optionalText,
  suspended: z.boolean(),
  lastaccess: z.number().int().exactOptional(),
}) satisfies z.ZodType<AccountSnapshot>;

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
  /** The existing account the request changes, as found when it was made. */
  account?: AccountSnapshot;
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
  account: accountSnapshotSchema.exactOptional(),
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
  /** Only describe the Moodle calls the request would make: nothing is stored or changed. Never stored. */
  dryRun?: boolean;
}

/** One approver's approval of a request that needs several (APPROVALS_REQUIRED). */
export interface Approval {
  by: string;
  at: Date;
  comment?: string;
}
export const approvalsSchema = z.array(
  z.object({ by: z.string(), at: z.coerce.date(), comment: z.string().exactOptional() }),
) satisfies z.ZodType<Approval[], unknown>;

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
  /** The approvals given so far, oldest first (several only where APPROVALS_REQUIRED asks for more than one). */
  readonly approvals: readonly Approval[];
  /** How many different approvers it needs (APPROVALS_REQUIRED when it was asked for). */
  readonly approvalsNeeded: number;
  /** When the approvers were last reminded of this pending request. */
  readonly remindedAt: Date | undefined;
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
  /** Different approvers needed (APPROVALS_REQUIRED); 1 when absent. */
  approvalsNeeded?: number;
}

/** Fields a transition may set along with the status; `null` clears a field. */
export interface RequestPatch {
  decidedAt?: Date;
  decidedBy?: string;
  decisionComment?: string;
  corrections?: FieldChange[];
  approvals?: readonly Approval[];
  payload?: RequestPayload;
  target?: RequestTarget;
  executedAt?: Date;
  result?: RequestResult | null;
  incrementAttempts?: boolean;
}
