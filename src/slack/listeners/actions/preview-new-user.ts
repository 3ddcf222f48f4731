// "Preview the Moodle calls" on the new-user form: the form's values as they stand go through the same create as
// Submit, as a dry run (nothing stored, Moodle only read); the calls it would make are shown over the form.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SubmitOutcome } from '../../../core/provisioning.js';
import { renderCreateOutcome } from '../../blocks/create-result.js';
import { NEW_USER_MODAL_TITLE } from '../../blocks/new-user-modal.js';
import { parseNewUserValues } from '../../views/new-user-values.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { showPreview } from './preview-flow.js';

export function createPreviewNewUserAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    await showPreview(client, requestLogger(context, deps.logger), body, NEW_USER_MODAL_TITLE, async (click) => {
      const parsed = parseNewUserValues(click.values);
      const fields = parsed.fields as Record<string, string | undefined>;
      const requester = { userId: click.userId, ...(click.teamId ? { teamId: click.teamId } : {}), dryRun: true };
      const outcome: SubmitOutcome =
        parsed.problems.length > 0
          ? { kind: 'invalid', problems: parsed.problems }
          : await deps.provisioning.submitCreate(requester, fields);
      const context = {
        moodleUrl: deps.config.moodle.url,
        approvalChannel: deps.config.approvalChannel,
        input: fields,
      };
      return renderCreateOutcome(outcome, context).blocks;
    });
  };
}
