// Wires Events API events (manifest.yml settings.event_subscriptions.bot_events) to their handlers.
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';
import { createAppHomeOpened } from './app-home-opened.js';

export function register(app: App, deps: ListenerDeps): void {
  app.event('app_home_opened', createAppHomeOpened(deps));
}
