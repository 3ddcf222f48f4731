// Placeholder: acks the click until the real handler is built.
import type { Middleware, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

export function createRejectRequestAction(_deps: ListenerDeps): Middleware<SlackActionMiddlewareArgs> {
  return async ({ ack }) => {
    await ack();
  };
}
