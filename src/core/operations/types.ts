// What an operation is: one module per kind of request (create, suspend, enrol, ...) declares everything the
// lifecycle, the store, the cards and the background jobs need to know about it, so that none of them lists
// operations by name. See docs/ARCHITECTURE.md "Operations".
import type { z } from 'zod';
import type { Secret } from '../../secret.js';
import type { AccountScheduler } from '../account-schedule.js';
import type { ImportRunDeps } from '../import/run-import.js';
import type { MoodleGateway } from '../moodle-gateway.js';
import type { FieldChange } from '../profile.js';
import type { RequestTarget } from '../requests.js';

/** What operations need besides the gateway: site settings, never Slack. */
export interface OperationSettings {
  passwordMode: 'email' | 'generate';
  moodleUrl: string;
}

export interface OperationContext {
  gateway: MoodleGateway;
  settings: OperationSettings;
  /** Where end dates are kept (create with until=, expire, extend). */
  schedule?: AccountScheduler;
  /** What an import's execution needs (its rows' store, the batch helper, progress); absent where none runs. */
  imports?: ImportRunDeps;
}

/** Made before the Moodle call, so that a call whose answer is lost still has what it sent (a generated password). */
export interface Prepared {
  input?: unknown;
  password?: Secret;
}

/** What a look-up or a call found: whether the change is in Moodle, and the account's id when known. */
export interface Applied {
  applied: boolean;
  moodleId?: number;
}

export type CorrectionResult<P> =
  | { ok: true; diff: FieldChange[]; payload: P; target: RequestTarget }
  | { ok: false; message: string };

/** An operation's words for people: cards, replies, the notification channel and the audit log. */
export interface OperationWords {
  /** The verb in "ask to suspend", "may suspend without approval". */
  verb: string;
  /** A short title: "Suspend account". */
  title: string;
  /** What happened, after success: "suspended". */
  done: string;
  /** The outcome after success, for the card's first line: "account created". */
  outcome: string;
  /** What is not done yet when it failed, for the requester: "the account isn't created yet". */
  notYet: string;
  /** Said to everyone who sees the request before it runs, e.g. that a deletion cannot be undone. */
  warning?: string;
}

/** One line of what a request asks for, as a person reads it (plain text; the renderer escapes it). */
export interface RecordLine {
  label: string;
  value: string;
}

/** The part of a stored request an operation reads. */
export interface OperationRequest<P> {
  readonly id: string;
  readonly payload: P;
  readonly target: RequestTarget;
  /** Who asked (an end date's reminder goes to them). */
  readonly requester?: { readonly userId: string };
}

export interface OperationDefinition<P extends { operation: string } = { operation: string }> {
  readonly name: P['operation'];
  /** The APPROVAL_REQUIRED (and other per-operation settings) key that governs it, e.g. unsuspend → suspend. */
  readonly policyKey: string;
  readonly payloadSchema: z.ZodType<P>;
  /** `existing`: the request changes an account that exists, so protected accounts are refused at every step. */
  readonly target: 'new' | 'existing';
  /** Whether a person can be told exactly which fields an approver may correct (create, update). */
  readonly correctable: boolean;
  readonly words: OperationWords;
  /** Whether the account still exists afterwards (a profile link makes sense). */
  readonly keepsAccount: boolean;
  /** Hard to undo (delete, suspend): approving is styled as dangerous and the card shows the whole account. */
  readonly destructive?: boolean;
  /** The card's header, person first: "New Moodle account for Nora Teach", "Delete Moodle account: Lee Ver". */
  headline(payload: P, person: string): string;
  /** The person's name when the payload carries it (a new account); else the account looked up is named. */
  personOf?(payload: P): string | undefined;
  /** What the requester should know once it is done (the username, where the login details went), as sentences. */
  nextSteps?(payload: P, settings: Pick<OperationSettings, 'passwordMode'>): string[];
  /** What the request asks for, line by line, for cards and summaries. */
  describe(payload: P): RecordLine[];
  /** What the request changes, so that a second request for the same change is refused while one is in flight. */
  targetKey(payload: P, target: RequestTarget): string;
  prepare?(context: OperationContext, payload: P): Prepared;
  /** The Moodle call(s). Throws the gateway's error on failure; `prepared` is what prepare() returned. */
  execute(
    context: OperationContext,
    request: OperationRequest<P>,
    prepared: Prepared | undefined,
  ): Promise<{ moodleId?: number }>;
  /**
   * After a lost answer or a crash: is the change in Moodle? Changes nothing, except by repeating a call that
   * Moodle treats as idempotent when it offers no way to look (cohort membership).
   */
  lookUpOutcome(context: OperationContext, request: OperationRequest<P>): Promise<Applied>;
  /** An approver's corrections, checked and applied; absent: the operation has nothing to correct. */
  correct?(payload: P, target: RequestTarget, corrections: Readonly<Record<string, string>>): CorrectionResult<P>;
}
