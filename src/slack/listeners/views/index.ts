// Wires modal submissions (callback_ids from ids.ts) to their handlers. Only wiring here: one handler per file.
// No modal is registered yet; the user-record, approval and confirmation modals plug in here.
import type { App } from '@slack/bolt';
import type { ListenerDeps } from '../deps.js';

export function register(_app: App, _deps: ListenerDeps): void {}
