// The Home tab's quick actions (and the help replies' buttons): New account opens the "New Moodle user" form, Import
// CSV the import form, Find a user a look-up form. The trigger_id lives 3 seconds, so the form opens at once; every
// check runs again at submission.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { isReasonRequired } from '../../../core/policy.js';
import { buildFindUserModal } from '../../blocks/find-user-modal.js';
import { buildNewUserModal } from '../../blocks/new-user-modal.js';
import type { ListenerDeps } from '../deps.js';
import { openImportForm } from '../import-form.js';
import { requestLogger } from '../request-context.js';
import { readButtonClick, tellPrivately } from './decision-flow.js';

export function createHomeQuickAction(
  deps: ListenerDeps,
  which: 'new_account' | 'import' | 'find_user',
): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = readButtonClick(body);
    if (!click) return;
    if (which === 'import') {
      const opened = await openImportForm(deps, client, { triggerId: click.triggerId }, logger);
      if (!opened.ok) {
        await tellPrivately(
          client,
          logger,
          { user: click.userId },
          'Sorry, the form could not be opened; click again.',
        );
      }
      return;
    }
    const view =
      which === 'find_user'
        ? buildFindUserModal()
        : buildNewUserModal({
            allowedAuth: deps.config.allowedAuth,
            defaultAuth: deps.config.defaultAuth,
            roles: Object.keys(deps.config.roleIds),
            reasonRequired: isReasonRequired(deps.config, 'create'),
            // From a help reply: a fallback reply goes where the command was typed.
            ...(click.channelId ? { metadata: { channelId: click.channelId } } : {}),
          });
    try {
      await client.views.open({ trigger_id: click.triggerId, view });
    } catch (err) {
      logger.warn({ err, which }, 'could not open the form from the Home tab');
      await tellPrivately(client, logger, { user: click.userId }, 'Sorry, the form could not be opened; click again.');
    }
  };
}
