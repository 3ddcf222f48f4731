// app_home_opened: publishes the person's Home tab (the Messages tab needs nothing).
import type { Middleware, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

export function createAppHomeOpened(deps: ListenerDeps): Middleware<SlackEventMiddlewareArgs<'app_home_opened'>> {
  return async ({ event }) => {
    if (event.tab !== 'home' || typeof event.user !== 'string') return;
    await deps.homeTabs.publish(event.user);
  };
}
