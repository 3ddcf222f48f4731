// The Store port: durable requests, the audit log and leases, as the core and the background jobs need them.
// src/store implements it once for SQLite (the default) and PostgreSQL (several replicas on one database).
import type { AuditEvent, NewAuditEvent, RequestAuditDraft } from './audit.js';
import type { ImportRowStore } from './import/ports.js';
import type { ImportRowRecord } from './import/types.js';
import type {
  InFlightStatus,
  MessageLocation,
  NewRequest,
  RequestOperation,
  RequestPatch,
  RequestRecord,
  RequestStatus,
} from './requests.js';
import type { ScheduleStore } from './scheduled-actions.js';

export interface TransitionChange {
  /** The status the caller saw; the change happens only if the request still has it... */
  from: RequestStatus;
  /** ...and still has this version. Together they make the change a compare-and-set. */
  expectedVersion: number;
  to: RequestStatus;
  at: Date;
  patch?: RequestPatch;
  /** Written in the same database transaction as the change, and only if the change wins. */
  audit?: RequestAuditDraft[];
}

/** The loser of a compare-and-set learns the request as the winner left it (undefined: no such request). */
export type TransitionResult = { ok: true; request: RequestRecord } | { ok: false; current: RequestRecord | undefined };

export interface ListRequestsQuery {
  requester?: string;
  statuses?: readonly RequestStatus[];
  operation?: RequestOperation;
  /** The target account's Moodle id (requests about an existing account). */
  moodleId?: number;
  limit: number;
}

export interface AuditQuery {
  /** Inclusive. */
  since?: Date;
  /** Exclusive. */
  until?: Date;
  limit?: number;
}

/** A request that is pending, approved or executing, and the account it is about. */
export interface RequestInFlight {
  id: string;
  status: InFlightStatus;
  requesterId: string;
  /** The target's username and email ('' when the target has none). */
  username: string;
  email: string;
}

/** What to look for among one operation's requests in flight; an empty or missing list matches nothing. */
export interface InFlightMatch {
  operation: RequestOperation;
  usernames?: readonly string[];
  emails?: readonly string[];
  /** Target keys (OperationDefinition.targetKey). */
  targetKeys?: readonly string[];
}

/** Requests, audit, leases, the scheduled actions (ScheduleStore) and the rows of imports (ImportRowStore). */
export interface Store extends ScheduleStore, ImportRowStore {
  /**
   * Stores a new request with a fresh unique id, its audit events and, for an import, its rows (their requestId is
   * set from the new id), in one transaction.
   */
  createRequest(
    input: NewRequest,
    audit?: RequestAuditDraft[],
    importRows?: readonly ImportRowRecord[],
  ): Promise<RequestRecord>;
  getRequest(id: string): Promise<RequestRecord | undefined>;
  /** Atomic compare-and-set on id + status + version; exactly one of any number of concurrent callers wins. */
  transition(id: string, change: TransitionChange): Promise<TransitionResult>;
  /** Where the approval card is, so it can be updated. Not a lifecycle change: the version stays. */
  setApprovalMessage(id: string, location: MessageLocation): Promise<void>;
  /** The notification line's ts. Not a lifecycle change: the version stays. */
  setNotificationTs(id: string, ts: string): Promise<void>;
  /**
   * Claims a reminder for a pending request whose last reminder (or, without one, its creation) is before
   * `dueBefore` (or at it), recording `at` as its last reminder. Not a lifecycle change: the version stays. False when the
   * request is no longer pending or another run claimed this period's reminder first.
   */
  claimReminder(id: string, at: Date, dueBefore: Date): Promise<boolean>;
  /** Newest first. */
  listRequests(query: ListRequestsQuery): Promise<RequestRecord[]>;
  /** Pending requests created before `olderThan`, oldest first. */
  findExpired(olderThan: Date): Promise<RequestRecord[]>;
  /** Oldest first. */
  findByStatus(status: RequestStatus): Promise<RequestRecord[]>;
  /** How many requests have each status (statuses without any are left out). */
  countByStatus(): Promise<Partial<Record<RequestStatus, number>>>;
  /**
   * Requests of `match.operation` not carried out yet (pending, approved or executing) whose target has one of the
   * usernames, one of the emails (ignoring case; emails are ASCII: see user-record.ts) or one of the target keys.
   * Pending first, then approved, then executing, each oldest first. An index look-up, so that every new request
   * can ask without reading every waiting request.
   */
  findInFlight(match: InFlightMatch): Promise<RequestInFlight[]>;
  /**
   * Requests left executing by a process that is gone, oldest first: the process that started the execution holds
   * no live lease any more (it died, or stopped without finishing), or is not known. An execution still under way in
   * a live process (one that keeps a lease) is not among them.
   */
  findInterrupted(): Promise<RequestRecord[]>;
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Oldest first. */
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
  /**
   * Takes or renews the lease `name` for `holder` until `ttlMs` from now by the database's clock. False while another
   * holder's lease is live, unless `takeOver` (a restarted process taking back its own presence lease).
   */
  acquireLease(name: string, holder: string, ttlMs: number, options?: { takeOver?: boolean }): Promise<boolean>;
  /** Gives the lease up at once if `holder` still has it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** The live holder of `name`; undefined when it is free or expired. */
  findLeaseHolder(name: string): Promise<string | undefined>;
  /**
   * True when several processes may share this store (PostgreSQL): what one records, the others see at once. A SQLite
   * file serves one process.
   */
  readonly sharedAcrossProcesses: boolean;
  /**
   * Records a one-time key (the hash of a signed request taken) until `expiresAt`. True for the first claim, and for
   * a key whose claim had expired by `now` (the caller's clock); false while another claim is live. Atomic across
   * processes: of any number of concurrent claims of one key, exactly one is true.
   */
  claimSignature(hash: string, expiresAt: Date, now: Date): Promise<boolean>;
  /** Forgets the claims that expired before `before`; returns how many. */
  pruneSignatures(before: Date): Promise<number>;
  /** For /readyz: true while the database answers. */
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}
