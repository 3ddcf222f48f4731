// /moodle-user cancel <id>: the requester withdraws their own pending request. The core refuses anyone else and
// any request that is no longer pending (saying who decided it); the card is redrawn by the core.
import { parseRequestId } from '../../../../core/requests.js';
import { escapeMrkdwn, escapeSentence } from '../../../blocks/untrusted.js';
import { COMMANDS } from '../../../ids.js';
import type { SubcommandContext } from './types.js';

export async function handleCancel(ctx: SubcommandContext): Promise<void> {
  const { deps, command, respond } = ctx;
  const typed = ctx.args.trim();
  const id = parseRequestId(typed);
  if (!id) {
    await respond({
      response_type: 'ephemeral',
      text:
        typed === ''
          ? `Say which request to cancel, e.g. \`${COMMANDS.user} cancel R-7K3QX9\`. \`${COMMANDS.user} requests\` lists yours.`
          : `"${escapeMrkdwn(typed.slice(0, 40))}" is not a request id (they look like R-7K3QX9). \`${COMMANDS.user} requests\` lists yours.`,
    });
    return;
  }
  const result = await deps.provisioning.cancel(id, command.user_id);
  await respond({
    response_type: 'ephemeral',
    text: result.ok
      ? `:leftwards_arrow_with_hook: ${id} is cancelled; the approvers' card says so.`
      : `:no_entry_sign: ${escapeSentence(result.message)}`,
  });
}
