// The approve summary's account: for a request on an existing account, the summary opens at once from the stored
// request (the trigger_id lives 3 s) and is redrawn with the account as Moodle has it now (name, status, last
// access). The redraw also follows Edit details, which replaces the summary with the corrections applied.
import type { webApi } from '@slack/bolt';
import type { MoodleUser } from '../../../core/moodle-gateway.js';
import { currentAccount } from '../../../core/operations/account-target.js';
import { operationOf } from '../../../core/operations/registry.js';
import type { RequestRecord } from '../../../core/requests.js';
import type { Logger } from '../../../logger.js';
import { buildApproveModal, type DecisionMetadata } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';

/** The account a request changes, or undefined (a new account, or Moodle could not say: the stored facts show). */
export async function summaryAccount(
  deps: ListenerDeps,
  logger: Logger,
  request: RequestRecord,
): Promise<MoodleUser | undefined> {
  if (operationOf(request.operation).target !== 'existing' || request.target.moodleId === undefined) return undefined;
  try {
    return await currentAccount(deps.gateway, request);
  } catch (err) {
    logger.warn({ err, requestId: request.id }, 'could not look the account up for the approve summary');
    return undefined;
  }
}

/**
 * Redraws the summary `viewId`. With `hash`, only if nobody changed it meanwhile (an Edit details that came first
 * wins); a failure is logged, the summary already shown stays usable.
 */
export async function redrawSummary(
  deps: ListenerDeps,
  client: webApi.WebClient,
  logger: Logger,
  view: { request: RequestRecord; viewId: string; hash?: string | undefined; metadata: DecisionMetadata },
  account: MoodleUser | undefined,
): Promise<void> {
  try {
    await client.views.update({
      view_id: view.viewId,
      ...(view.hash ? { hash: view.hash } : {}),
      view: buildApproveModal(view.request, {
        moodleUrl: deps.config.moodle.url,
        metadata: view.metadata,
        ...(account ? { account } : {}),
      }),
    });
  } catch (err) {
    logger.warn({ err, requestId: view.request.id }, 'could not redraw the approve summary');
  }
}
