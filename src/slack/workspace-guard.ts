// One workspace: the app serves the workspace (or, for an org-wide install, the Enterprise Grid org) its bot token
// belongs to, learnt from auth.test at start-up. A command, action or view submission from anywhere else (another
// workspace's user in a Slack Connect channel, an app installed in several workspaces) is refused in this global
// middleware before any listener runs: nothing is executed, the person is told where a reply is possible, and the
// refusal is audited with the outcome code `workspace`.
import type { AnyMiddlewareArgs, Context, Middleware } from '@slack/bolt';
import type { RefusalAuditCode, RequestService } from '../core/request-service.js';
import type { Logger } from '../logger.js';
import { buildNoticeModal } from './blocks/edit-user-modal.js';
import { describeRequest, requestLogger } from './listeners/request-context.js';

export interface InstalledWorkspace {
  teamId: string | undefined;
  enterpriseId: string | undefined;
  /** An org-wide install serves every workspace of its org: the enterprise is compared, not the team. */
  isEnterpriseInstall: boolean;
}

export const FOREIGN_WORKSPACE_MESSAGE =
  'This app is installed for another workspace: it cannot act on requests from yours. Nothing was done.';
export const WORKSPACE_REFUSAL = 'workspace' satisfies RefusalAuditCode;

/** The workspace auth.test describes, or undefined when it names none (nothing can then be matched). */
export function readInstalledWorkspace(authTest: {
  team_id?: string | undefined;
  enterprise_id?: string | undefined;
  is_enterprise_install?: boolean | undefined;
}): InstalledWorkspace | undefined {
  const teamId = authTest.team_id || undefined;
  const enterpriseId = authTest.enterprise_id || undefined;
  const isEnterpriseInstall = authTest.is_enterprise_install === true;
  if (isEnterpriseInstall ? enterpriseId === undefined : teamId === undefined) return undefined;
  return { teamId, enterpriseId, isEnterpriseInstall };
}

/** Whether a request's team (or enterprise, for an org install) is the installed one. Unknown means no. */
export function isFromInstalledWorkspace(
  installed: InstalledWorkspace,
  source: Pick<Context, 'teamId' | 'enterpriseId'>,
): boolean {
  if (installed.isEnterpriseInstall) return source.enterpriseId === installed.enterpriseId;
  return source.teamId !== undefined && source.teamId === installed.teamId;
}

type ReplyArgs = {
  ack?: (response?: unknown) => Promise<void>;
  respond?: (message: { response_type: 'ephemeral'; replace_original: false; text: string }) => Promise<unknown>;
};

/** Answers in the way each surface allows: the command's ack, the message's response_url, the modal itself. */
async function answerForeign(args: AnyMiddlewareArgs & ReplyArgs, log: Logger): Promise<void> {
  const body = args.body as { type?: unknown; command?: unknown; response_url?: unknown };
  if (typeof body.command === 'string') {
    await args.ack?.({ response_type: 'ephemeral', text: FOREIGN_WORKSPACE_MESSAGE });
    return;
  }
  if (body.type === 'view_submission') {
    await args.ack?.({
      response_action: 'update',
      view: buildNoticeModal('Not available', FOREIGN_WORKSPACE_MESSAGE),
    });
    return;
  }
  await args.ack?.();
  if (body.type === 'block_actions' && typeof body.response_url === 'string' && args.respond) {
    await args
      .respond({ response_type: 'ephemeral', replace_original: false, text: FOREIGN_WORKSPACE_MESSAGE })
      .catch((error: unknown) => log.warn({ err: error }, 'could not tell a person from another workspace'));
  }
}

export function createWorkspaceMiddleware(options: {
  /** Known once start-up has called auth.test; until then every request is refused. */
  installed: () => InstalledWorkspace | undefined;
  requests: Pick<RequestService, 'recordRefusal'>;
  logger: Logger;
}): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { context, body, next } = args;
    const installed = options.installed();
    if (installed && isFromInstalledWorkspace(installed, context)) {
      await next();
      return;
    }
    const log = requestLogger(context, options.logger);
    const what = describeRequest(body);
    const from = context.isEnterpriseInstall
      ? `enterprise ${context.enterpriseId ?? 'unknown'}`
      : `team ${context.teamId ?? 'unknown'}${context.enterpriseId ? ` (enterprise ${context.enterpriseId})` : ''}`;
    const home = installed?.isEnterpriseInstall
      ? `enterprise ${installed.enterpriseId}`
      : `team ${installed?.teamId ?? 'unknown'}`;
    log.warn({ refusal: WORKSPACE_REFUSAL, ...what }, `request from ${from} refused: the app is installed for ${home}`);
    // Answered first: Slack waits at most 3 s; a failing audit still reaches the error handler and the log.
    await answerForeign(args as AnyMiddlewareArgs & ReplyArgs, log);
    await options.requests.recordRefusal(context.userId ?? 'unknown', {
      reason: WORKSPACE_REFUSAL,
      detail: `${what.kind}${what.target ? ` ${what.target}` : ''} from ${from}; the app is installed for ${home}`,
    });
  };
}
