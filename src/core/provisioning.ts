// The provisioning service: the product's flow over the ports, composed from named use cases (use-cases/):
// submit, create-account, decide, execute, jobs, announce. It knows neither Slack nor Moodle's wire format.
import { createAccountScheduler } from './account-schedule.js';
import type { ImportService } from './import/ports.js';
import type { ImportRunDeps } from './import/run-import.js';
import { createImportService } from './import/service.js';
import { DEFAULT_IMPORT_TUNING } from './import/tuning.js';
import { createAccountGuard } from './protection.js';
import type { RequestRecord } from './requests.js';
import { createAnnouncer } from './use-cases/announce.js';
import type { ProvisioningDeps, UseCaseContext } from './use-cases/context.js';
import { type AccountCreation, createAccountCreation } from './use-cases/create-account.js';
import { createDecisions, type Decisions } from './use-cases/decide.js';
import { createExecutor } from './use-cases/execute.js';
import { createJobs, type Jobs } from './use-cases/jobs.js';
import { createScheduledRunner, type ScheduledRunner } from './use-cases/scheduled.js';
import { createSubmitter, type Submitter } from './use-cases/submit.js';

export type {
  LogFn,
  Notifier,
  ProvisioningDeps,
  ProvisioningSettings,
  RequestEvent,
} from './use-cases/context.js';
export type {
  DecisionCheck,
  DecisionOutcome,
  DecisionVerb,
  Execution,
  Refused,
  SubmitOutcome,
} from './use-cases/outcomes.js';

export interface ProvisioningService
  extends AccountCreation,
    Decisions,
    Jobs,
    ScheduledRunner,
    Pick<Submitter, 'submitRequest'> {
  /** The protected-account guard, shared with the account service so that the token user is learnt once. */
  readonly guard: UseCaseContext['guard'];
  /** Bulk imports from a CSV file (src/core/import). */
  readonly imports: ImportService;
}

/** What an import's execution needs, when the batch helper is given (src/main.ts gives it). */
function importRunDeps(deps: ProvisioningDeps, ctx: Omit<UseCaseContext, 'operations'>): ImportRunDeps | undefined {
  const { createInBatches } = deps;
  if (!createInBatches) return undefined;
  const tell = async (requestId: string, fn: (request: RequestRecord) => Promise<void> | undefined) => {
    const request = await deps.store.getRequest(requestId);
    if (request) await fn(request);
  };
  return {
    rows: deps.store,
    createInBatches,
    clock: deps.clock,
    tuning: { ...DEFAULT_IMPORT_TUNING, ...deps.importTuning },
    onProgress: (id, progress) => tell(id, (r) => deps.notifier.importProgress?.(r, progress)),
    onFinished: (id, result) => tell(id, (r) => deps.notifier.importFinished?.(r, result)),
    log: (message, context) => ctx.log('warn', message, context),
  };
}

export function createProvisioningService(deps: ProvisioningDeps): ProvisioningService {
  const base = {
    ...deps,
    formatActor: deps.formatActor ?? ((id: string) => id),
    log: deps.log ?? (() => {}),
    dryRun: deps.dryRun,
    guard: createAccountGuard(deps.gateway, deps.settings.protectedUsers),
  };
  const imports = importRunDeps(deps, base);
  const ctx: UseCaseContext = {
    ...base,
    operations: {
      gateway: deps.gateway,
      settings: { passwordMode: deps.settings.passwordMode, moodleUrl: deps.settings.moodleUrl },
      schedule: createAccountScheduler(deps.store, deps.clock, { remindDays: deps.settings.expiryRemindDays ?? 7 }),
      ...(imports ? { imports } : {}),
    },
  };
  const announcer = createAnnouncer(ctx);
  const executor = createExecutor(ctx, announcer);
  const submitter = createSubmitter(ctx, announcer, executor);
  return {
    guard: ctx.guard,
    imports: createImportService(ctx, submitter),
    submitRequest: submitter.submitRequest,
    ...createAccountCreation(ctx, submitter),
    ...createDecisions(ctx, announcer, executor, submitter),
    ...createJobs(ctx, announcer),
    ...createScheduledRunner(ctx, announcer, executor),
  };
}
