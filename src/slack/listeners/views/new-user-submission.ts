// Placeholder: acks the submission (closing the modal) until the real handler is built.
import type { Middleware, SlackViewMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

export function createNewUserSubmission(_deps: ListenerDeps): Middleware<SlackViewMiddlewareArgs> {
  return async ({ ack }) => {
    await ack();
  };
}
