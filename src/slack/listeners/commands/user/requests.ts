// /moodle-user requests [mine|pending]: lists requests privately (id, operation, target, status, age). `mine` (the
// default) is the person's own requests, with a Cancel button on the pending ones; `pending` is the approvers'
// queue, for approvers and admins only, since it shows other people's requests.
import { listExpiring } from '../../../../core/account-end-dates.js';
import { expiringLine } from '../../../blocks/end-dates.js';
import { buildRequestsList, REQUESTS_LIST_LIMIT, type RequestsScope } from '../../../blocks/requests-list.js';
import { mrkdwn } from '../../../blocks/text.js';
import { escapeMrkdwn } from '../../../blocks/untrusted.js';
import { COMMANDS } from '../../../ids.js';
import type { SubcommandContext } from './types.js';

export async function handleRequests(ctx: SubcommandContext): Promise<void> {
  const { deps, command, respond } = ctx;
  const word = ctx.args.trim().toLowerCase();
  if (word !== '' && word !== 'mine' && word !== 'pending') {
    await respond({
      response_type: 'ephemeral',
      text: `\`${COMMANDS.user} requests\` takes \`mine\` (your requests, the default) or \`pending\` (waiting for an approver), not "${escapeMrkdwn(ctx.args.trim().slice(0, 40))}".`,
    });
    return;
  }
  const scope: RequestsScope = word === 'pending' ? 'pending' : 'mine';
  const viewer = command.user_id;
  if (scope === 'pending') {
    const approver = await deps.permissions.check(viewer, 'approver');
    if (!approver.ok && !(await deps.permissions.check(viewer, 'admin')).ok) {
      await deps.requests.recordRefusal(viewer, { reason: 'permission', detail: 'asked to list pending requests' });
      await respond({
        response_type: 'ephemeral',
        text: `${approver.reason} Your own requests are listed by \`${COMMANDS.user} requests mine\`.`,
      });
      return;
    }
  }
  const found = await deps.store.listRequests({
    ...(scope === 'pending' ? { statuses: ['pending'] as const } : { requester: viewer }),
    limit: REQUESTS_LIST_LIMIT + 1,
  });
  const list = buildRequestsList(found, {
    scope,
    viewer,
    now: deps.clock.now(),
    more: found.length > REQUESTS_LIST_LIMIT,
  });
  // The accounts whose end dates this person set and that end within 30 days: theirs to extend or let go.
  const ending = scope === 'mine' ? await listExpiring(deps, { requesterId: viewer, limit: 10 }) : [];
  if (ending.length > 0) {
    list.blocks.push(
      { type: 'section', text: mrkdwn('*Accounts you asked for that end in the next 30 days*') },
      ...ending.map((action) => ({ type: 'section' as const, text: mrkdwn(expiringLine(action)) })),
    );
  }
  await respond(list);
}
