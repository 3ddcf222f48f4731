// "Preview the Moodle calls" on the new-user form: the form's values as they stand go through the same create as
// Submit, as a dry run (nothing stored, Moodle only read), and the calls it would make are pushed over the form,
// which keeps what was typed. A "Checking Moodle…" view is pushed first: the trigger_id lives 3 s, Moodle may not.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { SubmitOutcome } from '../../../core/provisioning.js';
import { buildCreateResultView } from '../../blocks/create-result.js';
import { buildCheckingView } from '../../blocks/new-user-modal.js';
import { parseNewUserValues } from '../../views/new-user-values.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';

const clickSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1) }),
  team: z.looseObject({ id: z.string() }).nullish(),
  trigger_id: z.string().min(1),
  view: z.looseObject({ state: z.looseObject({ values: z.unknown() }).optional() }),
});

const openedSchema = z.looseObject({ view: z.looseObject({ id: z.string() }) });

export function createPreviewNewUserAction(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = clickSchema.safeParse(body);
    if (!click.success) {
      logger.warn('preview clicked without the expected payload');
      return;
    }
    const { user, team, trigger_id: triggerId, view } = click.data;
    try {
      const pushed = openedSchema.safeParse(
        await client.views.push({ trigger_id: triggerId, view: buildCheckingView() }),
      );
      const parsed = parseNewUserValues(view.state?.values);
      const fields = parsed.fields as Record<string, string | undefined>;
      const requester = { userId: user.id, ...(team?.id ? { teamId: team.id } : {}), dryRun: true };
      const outcome: SubmitOutcome =
        parsed.problems.length > 0
          ? { kind: 'invalid', problems: parsed.problems }
          : await deps.provisioning.submitCreate(requester, fields);
      if (!pushed.success) return;
      const result = buildCreateResultView(outcome, {
        moodleUrl: deps.config.moodle.url,
        approvalChannel: deps.config.approvalChannel,
        input: fields,
      });
      await client.views.update({
        view_id: pushed.data.view.id,
        view: { ...result, close: { type: 'plain_text', text: 'Back' } },
      });
    } catch (err) {
      logger.error({ err }, 'could not show the preview of the new user form');
    }
  };
}
