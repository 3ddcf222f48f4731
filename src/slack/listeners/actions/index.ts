// Wires buttons and selects (action_ids from ids.ts) to their handlers. Only wiring here: one handler per file.
// No action is registered yet; Approve…/Reject…/Retry on the approval card plug in here.
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

export function register(_app: App, _deps: ListenerDeps): void {}
