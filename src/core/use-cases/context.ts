// What every use case receives: the ports, the lifecycle service, the settings, and the shared helpers built once
// per app (the announcer, the protected-account guard).
import type { Config } from '../../config.js';
import type { Clock } from '../clock.js';
import type { DryRunGateway } from '../gateway/dry-run.js';
import type { BatchCreator } from '../import/ports.js';
import type { ImportTuning } from '../import/tuning.js';
import type { ImportProgress, ImportResult } from '../import/types.js';
import type { MoodleGateway } from '../moodle-gateway.js';
import type { OperationContext } from '../operations/types.js';
import type { Permissions } from '../permissions.js';
import type { AccountGuard } from '../protection.js';
import type { RequestService } from '../request-service.js';
import type { FormatActor } from '../request-words.js';
import type { MessageLocation, RequestRecord } from '../requests.js';
import type { ScheduledAction } from '../scheduled-actions.js';
import type { Store } from '../store.js';

/** What happened to a request, for the people who must hear of it. */
export type RequestEvent = 'executed' | 'failed' | 'rejected' | 'expired' | 'cancelled';

/** How the core tells people things. src/slack implements it with cards, DMs and a notification channel. */
export interface Notifier {
  /** Posts the approval card for a new pending request; returns where it is so it can be updated. */
  postApprovalCard(request: RequestRecord): Promise<MessageLocation>;
  /** Redraws the card from the request's current state (decided, executed, failed, expired, cancelled). */
  updateApprovalCard(request: RequestRecord): Promise<void>;
  /** A direct message to the requester about their request. */
  notifyRequester(request: RequestRecord, event: RequestEvent): Promise<void>;
  /** One line in the notification channel; returns its ts when known. */
  announce(request: RequestRecord, event: RequestEvent): Promise<string | undefined>;
  /** Reminds the approvers of a request still waiting, in its card's thread. */
  remindApprovers(request: RequestRecord): Promise<void>;
  /** Tells an end date's requester it is near (EXPIRY_REMIND_DAYS), with Extend… and Let it expire. */
  remindEndDate?(action: ScheduledAction): Promise<void>;
  /** An import under way: redraw its card ("412 of 1,000 created"). At most every IMPORT_PROGRESS_INTERVAL_MS. */
  importProgress?(request: RequestRecord, progress: ImportProgress): Promise<void>;
  /**
   * An import's execution ended (succeeded, or failed and retryable), after announceOutcome: DM the requester the
   * totals and the result CSV. Called again after a retry or a resume ends.
   */
  importFinished?(request: RequestRecord, result: ImportResult): Promise<void>;
}

export type ProvisioningSettings = Pick<
  Config,
  'approvalRequired' | 'passwordMode' | 'allowedAuth' | 'defaultAuth' | 'protectedUsers'
> & {
  moodleUrl: string;
  /** Moodle role ids by short name (ROLE_IDS), for a new account's enrolments. */
  roleIds?: Readonly<Record<string, number>>;
} & Partial<
    Pick<Config, 'reasonRequired' | 'approvalsRequired' | 'remindAfterHours' | 'expiryAction' | 'expiryRemindDays'>
  >;

export type LogFn = (level: 'warn' | 'error', message: string, context?: Record<string, unknown>) => void;

export interface ProvisioningDeps {
  gateway: MoodleGateway;
  requests: RequestService;
  store: Store;
  permissions: Permissions;
  notifier: Notifier;
  clock: Clock;
  settings: ProvisioningSettings;
  /** How refusal sentences name a person (the Slack layer passes a mention); the raw id by default. */
  formatActor?: FormatActor;
  /** Where problems that reach nobody else are written (a failed DM, say). Never given secrets. */
  log?: LogFn;
  /** A fresh gateway for a dry run (reads go to Moodle, writes are recorded); without it dry runs are refused. */
  dryRun?: () => DryRunGateway;
  /** src/moodle's createUsersInBatches, for imports (the core cannot import the adapter). */
  createInBatches?: BatchCreator;
  /** Overrides of how imports are cut into calls (the bench tries others). */
  importTuning?: Partial<ImportTuning>;
}

/** The dependencies with their defaults filled in, and the helpers every use case shares. */
export interface UseCaseContext
  extends Required<Omit<ProvisioningDeps, 'formatActor' | 'log' | 'dryRun' | 'createInBatches' | 'importTuning'>> {
  dryRun: ProvisioningDeps['dryRun'];
  createInBatches?: BatchCreator;
  formatActor: FormatActor;
  log: LogFn;
  guard: AccountGuard;
  operations: OperationContext;
}
