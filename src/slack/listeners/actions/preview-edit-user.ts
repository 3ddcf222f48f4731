// "Preview the Moodle calls" on the edit form: the form's values as they stand are planned like Save (only the
// changed fields, the same checks and clashes) and submitted as a dry run; the calls are shown over the form.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { accountServiceFor } from '../../../core/accounts.js';
import { decodeAccountMetadata } from '../../blocks/edit-user-modal.js';
import { mrkdwn } from '../../blocks/text.js';
import { buildChangeReply } from '../../blocks/user-card.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { readEditValues } from '../views/edit-user-submission.js';
import { showPreview } from './preview-flow.js';

export function createPreviewEditUserAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    await showPreview(client, requestLogger(context, deps.logger), body, 'Edit Moodle user', async (click) => {
      const metadata = decodeAccountMetadata(click.privateMetadata);
      if (!metadata) return [{ type: 'section', text: mrkdwn('This form is out of date. Run the command again.') }];
      const { fields, reason } = readEditValues(click.values);
      const requester = {
        userId: click.userId,
        ...(click.teamId ? { teamId: click.teamId } : {}),
        ...(metadata.channelId ? { channelId: metadata.channelId } : {}),
        dryRun: true,
      };
      const accounts = accountServiceFor(deps);
      const planned = await accounts.planFormUpdate(requester, { by: 'id', id: metadata.moodleId }, fields);
      const outcome =
        planned.kind === 'planned'
          ? await accounts.submitUpdate(requester, planned, reason || undefined)
          : planned.kind === 'problems'
            ? { kind: 'invalid' as const, problems: planned.problems }
            : planned;
      const reply = buildChangeReply(outcome, 'update', metadata.username);
      return reply.blocks ?? [{ type: 'section', text: mrkdwn(reply.text) }];
    });
  };
}
