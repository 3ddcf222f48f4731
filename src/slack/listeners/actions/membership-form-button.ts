// "Courses and cohorts…" on the /moodle-user show card: opens the account's courses-and-cohorts form. The button's
// value (the Moodle id) is untrusted: it only names which account to look up; every check runs again.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import type { ListenerDeps } from '../deps.js';
import { openMembershipForm } from '../membership-form.js';
import { requestLogger } from '../request-context.js';
import { readButtonClick, tellPrivately } from './decision-flow.js';

const valueSchema = z.looseObject({
  actions: z.tuple([z.looseObject({ value: z.string().regex(/^\d{1,9}$/) })]),
  view: z.looseObject({ id: z.string() }).optional(),
});

export function createMembershipFormButton(deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack, body, client, context }) => {
    await ack();
    const logger = requestLogger(context, deps.logger);
    const click = readButtonClick(body);
    const value = valueSchema.safeParse(body);
    if (!click || !value.success) {
      logger.warn('membership form button without a valid account id; ignored');
      return;
    }
    const to = { user: click.userId, channel: click.channelId };
    const tell = (text: string) => tellPrivately(client, logger, to, text);
    const requester = { userId: click.userId, ...(click.channelId ? { channelId: click.channelId } : {}) };
    const id = Number(value.data.actions[0].value);
    const surface = { triggerId: click.triggerId, client, logger, tell, push: value.data.view !== undefined };
    await openMembershipForm(surface, deps, requester, { by: 'id', id }, 'enrol');
  };
}
