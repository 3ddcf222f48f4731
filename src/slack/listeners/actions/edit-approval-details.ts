// Edit details on the approve summary: re-checks that the clicker may still approve, then pushes the corrections
// form over the summary with the click's trigger_id. The summary's metadata (request, card, corrections so far)
// goes along, with the summary's view id, so that saving the form can redraw it.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { buildCorrectionsModal } from '../../blocks/approve-corrections.js';
import { buildDecisionRefusedView, parseDecisionMetadata } from '../../blocks/decision-modals.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { refreshCard } from './decision-flow.js';

const clickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  trigger_id: z.string().min(1),
  view: z.looseObject({ id: z.string().min(1), private_metadata: z.string() }),
});

export function createEditApprovalDetailsAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = clickSchema.safeParse(body);
    const metadata = click.success ? parseDecisionMetadata(click.data.view.private_metadata) : undefined;
    if (!click.success || !metadata) {
      logger.warn('Edit details clicked without the expected payload');
      return;
    }
    const { user, trigger_id: triggerId, view } = click.data;
    try {
      const check = await deps.provisioning.checkDecision(metadata.requestId, user.id, 'approve');
      if (!check.ok) {
        await client.views.update({ view_id: view.id, view: buildDecisionRefusedView(check.reason) });
        await refreshCard(deps, client, logger, check.current, metadata.card);
        return;
      }
      const rules = { allowedAuth: deps.config.allowedAuth, defaultAuth: deps.config.defaultAuth };
      await client.views.push({
        trigger_id: triggerId,
        view: buildCorrectionsModal(check.request, { metadata: { ...metadata, summaryViewId: view.id }, rules }),
      });
    } catch (err) {
      logger.error({ err, requestId: metadata.requestId }, 'could not open Edit details');
    }
  };
}
