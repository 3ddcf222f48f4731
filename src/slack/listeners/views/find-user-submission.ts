// The Home tab's "Find a user" submission: "Looking up…" at once, then the account as `/moodle-user show` shows it
// to this reader (the core decides how much), or why none was found.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import { accountServiceFor } from '../../../core/accounts.js';
import { buildLoadingModal } from '../../blocks/edit-user-modal.js';
import { buildFoundUserModal } from '../../blocks/find-user-modal.js';
import { buildShowReply } from '../../blocks/user-card.js';
import { BLOCK_IDS, INPUT_ACTION_IDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { requestLogger } from '../request-context.js';
import { readText } from './edit-user-submission.js';

export function createFindUserSubmission(deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack, body, view, client, context }) => {
    const logger = requestLogger(context, deps.logger);
    const ref = readText(view.state.values, BLOCK_IDS.findUserBlock, INPUT_ACTION_IDS.findUserInput).trim();
    if (ref === '') {
      await ack({ response_action: 'errors', errors: { [BLOCK_IDS.findUserBlock]: 'Type a username, email or id.' } });
      return;
    }
    await ack({ response_action: 'update', view: buildLoadingModal('Find a Moodle user', 'the account') });
    try {
      const result = await accountServiceFor(deps).show(body.user.id, ref);
      const reply = buildShowReply(result);
      await client.views.update({ view_id: view.id, view: buildFoundUserModal(reply.blocks, reply.text) });
    } catch (err) {
      logger.error({ err }, 'finding a user from the Home tab failed');
      await client.views
        .update({ view_id: view.id, view: buildFoundUserModal(undefined, 'Sorry, the look-up failed; try again.') })
        .catch(() => {});
    }
  };
}
