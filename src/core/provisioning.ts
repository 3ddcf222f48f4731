// The provisioning service: the product's flow over the ports, composed from named use cases (use-cases/):
// submit, create-account, decide, execute, jobs, announce. It knows neither Slack nor Moodle's wire format.
import { createAccountScheduler } from './account-schedule.js';
import { createAccountGuard } from './protection.js';
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
}

export function createProvisioningService(deps: ProvisioningDeps): ProvisioningService {
  const ctx: UseCaseContext = {
    ...deps,
    formatActor: deps.formatActor ?? ((id: string) => id),
    log: deps.log ?? (() => {}),
    dryRun: deps.dryRun,
    guard: createAccountGuard(deps.gateway, deps.settings.protectedUsers),
    operations: {
      gateway: deps.gateway,
      settings: { passwordMode: deps.settings.passwordMode, moodleUrl: deps.settings.moodleUrl },
      schedule: createAccountScheduler(deps.store, deps.clock, { remindDays: deps.settings.expiryRemindDays ?? 7 }),
    },
  };
  const announcer = createAnnouncer(ctx);
  const executor = createExecutor(ctx, announcer);
  const submitter = createSubmitter(ctx, announcer, executor);
  return {
    guard: ctx.guard,
    submitRequest: submitter.submitRequest,
    ...createAccountCreation(ctx, submitter),
    ...createDecisions(ctx, announcer, executor, submitter),
    ...createJobs(ctx, announcer),
    ...createScheduledRunner(ctx, announcer, executor),
  };
}
