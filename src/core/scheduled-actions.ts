// Scheduled actions: what must happen to an account on a date (its end date's reminder, then its expiry), kept in the
// store so that a restart loses nothing and two processes never both run one. See docs/scheduled-actions.md.

export const SCHEDULED_KINDS = ['expire', 'remind'] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];

/**
 * `scheduled` waits for its next try; `running` is claimed by one process (its lease); `done` and `cancelled`
 * (replaced by a new end date) are final; `failed` gave up after its last try and waits for an approver's Retry.
 */
export const SCHEDULED_STATES = ['scheduled', 'running', 'done', 'failed', 'cancelled'] as const;
export type ScheduledState = (typeof SCHEDULED_STATES)[number];

/** The states of an action that still has something to do (it counts as the account's end date). */
export const OPEN_STATES: readonly ScheduledState[] = ['scheduled', 'running', 'failed'];

export interface ScheduledAction {
  readonly id: string;
  readonly kind: ScheduledKind;
  readonly moodleId: number;
  readonly username: string;
  /** The account's end date (for a reminder too: the date it reminds of), UTC. */
  readonly endAt: Date;
  /** When it is due: the end date for expire, some days before it for remind. */
  readonly dueAt: Date;
  /** The request that set the end date, and who asked for it. */
  readonly requestId: string;
  readonly requesterId: string;
  readonly state: ScheduledState;
  readonly attempts: number;
  readonly nextTryAt: Date;
  readonly leaseHolder: string | undefined;
  readonly leaseUntil: Date | undefined;
  readonly lastError: string | undefined;
  /** The suspend or delete request an expiry made, so that a later try settles that one instead of asking again. */
  readonly resultRequestId: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface NewScheduledAction {
  kind: ScheduledKind;
  moodleId: number;
  username: string;
  endAt: Date;
  dueAt: Date;
  requestId: string;
  requesterId: string;
}

/** How a claimed action's try ended: done, to be tried again at `nextTryAt`, or given up (shown to approvers). */
export type ActionSettlement =
  | { state: 'done'; resultRequestId?: string }
  | { state: 'scheduled'; nextTryAt: Date; lastError: string; resultRequestId?: string }
  | { state: 'failed'; lastError: string; resultRequestId?: string };

export interface ListActionsQuery {
  moodleIds?: readonly number[];
  states?: readonly ScheduledState[];
  kind?: ScheduledKind;
  requesterId?: string;
  /** Due before this instant (exclusive). */
  dueBefore?: Date;
  limit?: number;
}

/** The store's part for scheduled actions (src/store implements it for both databases). */
export interface ScheduleStore {
  /**
   * Cancels the account's open actions and stores `actions`, in one transaction: a new end date replaces the old
   * one whole, and two processes setting dates for one account leave one set, never a mix.
   */
  replaceSchedule(moodleId: number, actions: readonly NewScheduledAction[], at: Date): Promise<ScheduledAction[]>;
  /** Scheduled actions whose next try is due at `at`, and running ones whose lease ran out (their process died). */
  findDueActions(at: Date, limit: number): Promise<ScheduledAction[]>;
  /**
   * Claims a due action for this process until `leaseUntil`, counting the try: a conditional UPDATE, so exactly
   * one of any number of processes gets it. Undefined when another process claimed it first or it is not due.
   */
  claimAction(id: string, at: Date, leaseUntil: Date): Promise<ScheduledAction | undefined>;
  /** Records the request an expiry made while this process holds the action. False when it no longer does. */
  setActionRequest(id: string, requestId: string, at: Date): Promise<boolean>;
  /** Ends this process's claim with `settlement`. False when the claim was lost (the action was replaced, say). */
  settleAction(id: string, settlement: ActionSettlement, at: Date): Promise<boolean>;
  /** A failed expiry whose request an approver retried with success: done. False when it was not failed. */
  closeFailedAction(id: string, at: Date): Promise<boolean>;
  getAction(id: string): Promise<ScheduledAction | undefined>;
  /** Ordered by due date, then id. */
  listActions(query: ListActionsQuery): Promise<ScheduledAction[]>;
}
