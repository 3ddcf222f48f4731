// The Store port: durable requests and the audit log, as the core needs them. src/store implements it
// (SQLite by default). Methods are async even where SQLite is not, so that a networked database can follow
// without touching the core.
import type { AuditEvent, NewAuditEvent, RequestAuditDraft } from './audit.js';
import type {
  MessageLocation,
  NewRequest,
  RequestOperation,
  RequestPatch,
  RequestRecord,
  RequestStatus,
} from './requests.js';

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

/** A create request that is pending, approved or executing: what identifies the account it would create. */
export interface CreateInFlight {
  id: string;
  status: Extract<RequestStatus, 'pending' | 'approved' | 'executing'>;
  requesterId: string;
  username: string;
  email: string;
}

/** What to look for among the creates in flight; an empty or missing list matches nothing. */
export interface CreatesInFlightMatch {
  usernames?: readonly string[];
  emails?: readonly string[];
}

export interface Store {
  /** Stores a new request with a fresh unique id, and its audit events, in one transaction. */
  createRequest(input: NewRequest, audit?: RequestAuditDraft[]): Promise<RequestRecord>;
  getRequest(id: string): Promise<RequestRecord | undefined>;
  /** Atomic compare-and-set on id + status + version; exactly one of any number of concurrent callers wins. */
  transition(id: string, change: TransitionChange): Promise<TransitionResult>;
  /** Where the approval card is, so it can be updated. Not a lifecycle change: the version stays. */
  setApprovalMessage(id: string, location: MessageLocation): Promise<void>;
  /** The notification line's ts. Not a lifecycle change: the version stays. */
  setNotificationTs(id: string, ts: string): Promise<void>;
  /** Newest first. */
  listRequests(query: ListRequestsQuery): Promise<RequestRecord[]>;
  /** Pending requests created before `olderThan`, oldest first. */
  findExpired(olderThan: Date): Promise<RequestRecord[]>;
  /** Oldest first. */
  findByStatus(status: RequestStatus): Promise<RequestRecord[]>;
  /**
   * Create requests not carried out yet (pending, approved or executing) whose current username is one of
   * `match.usernames` or whose current email is one of `match.emails`, ignoring case (emails are ASCII: see
   * user-record.ts). Pending first, then approved, then executing, each oldest first. An index look-up, so that
   * every new create can ask without reading every waiting request.
   */
  findCreatesInFlight(match: CreatesInFlightMatch): Promise<CreateInFlight[]>;
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Oldest first. */
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
  /** For /readyz: true while the database answers. */
  isHealthy(): Promise<boolean>;
  close(): Promise<void>;
}
