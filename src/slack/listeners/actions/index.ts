// Wires buttons (action_ids from ids.ts) to their handlers. Only wiring here: one handler per file.
import type { App } from '@slack/bolt';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { createApproveRequestAction } from './approve-request.js';
import { createCancelRequestAction } from './cancel-request.js';
import { createHomeQuickAction } from './home-quick-actions.js';
import { createMembershipFormButton } from './membership-form-button.js';
import { createRejectRequestAction } from './reject-request.js';
import { createRetryRequestAction } from './retry-request.js';

export function register(app: App, deps: ListenerDeps): void {
  app.action(ACTION_IDS.approveRequestButton, createApproveRequestAction(deps));
  app.action(ACTION_IDS.rejectRequestButton, createRejectRequestAction(deps));
  app.action(ACTION_IDS.retryRequestButton, createRetryRequestAction(deps));
  app.action(ACTION_IDS.cancelRequestButton, createCancelRequestAction(deps));
  app.action(ACTION_IDS.homeNewAccountButton, createHomeQuickAction(deps, 'new_account'));
  app.action(ACTION_IDS.homeFindUserButton, createHomeQuickAction(deps, 'find_user'));
  app.action(ACTION_IDS.membershipFormButton, createMembershipFormButton(deps));
  app.action(ACTION_IDS.helpNewUserFormButton, createHomeQuickAction(deps, 'new_account'));
  app.action(ACTION_IDS.helpFindUserButton, createHomeQuickAction(deps, 'find_user'));
}
