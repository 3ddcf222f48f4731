// Wires buttons (action_ids from ids.ts) to their handlers. Only wiring here: one handler per file.
import type { App } from '@slack/bolt';
import { ACTION_IDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { createApproveRequestAction } from './approve-request.js';
import { createCancelRequestAction } from './cancel-request.js';
import { createEditApprovalDetailsAction } from './edit-approval-details.js';
import { createExtendEndDateAction } from './extend-end-date.js';
import { createHomeQuickAction } from './home-quick-actions.js';
import { createImportCheckAction } from './import-check.js';
import { createLetItExpireAction } from './let-it-expire.js';
import { createMembershipFormButton } from './membership-form-button.js';
import { createPreviewEditUserAction } from './preview-edit-user.js';
import { createPreviewNewUserAction } from './preview-new-user.js';
import { createRejectRequestAction } from './reject-request.js';
import { createRetryRequestAction } from './retry-request.js';

export function register(app: App, deps: ListenerDeps): void {
  app.action(ACTION_IDS.approveRequestButton, createApproveRequestAction(deps));
  app.action(ACTION_IDS.approveEditDetailsButton, createEditApprovalDetailsAction(deps));
  app.action(ACTION_IDS.rejectRequestButton, createRejectRequestAction(deps));
  app.action(ACTION_IDS.retryRequestButton, createRetryRequestAction(deps));
  app.action(ACTION_IDS.cancelRequestButton, createCancelRequestAction(deps));
  app.action(ACTION_IDS.newUserPreviewButton, createPreviewNewUserAction(deps));
  app.action(ACTION_IDS.editUserPreviewButton, createPreviewEditUserAction(deps));
  app.action(ACTION_IDS.homeNewAccountButton, createHomeQuickAction(deps, 'new_account'));
  app.action(ACTION_IDS.homeFindUserButton, createHomeQuickAction(deps, 'find_user'));
  app.action(ACTION_IDS.extendEndDateButton, createExtendEndDateAction(deps));
  app.action(ACTION_IDS.letItExpireButton, createLetItExpireAction(deps));
  app.action(ACTION_IDS.membershipFormButton, createMembershipFormButton(deps));
  app.action(ACTION_IDS.helpNewUserFormButton, createHomeQuickAction(deps, 'new_account'));
  app.action(ACTION_IDS.helpFindUserButton, createHomeQuickAction(deps, 'find_user'));
  app.action(ACTION_IDS.homeImportButton, createHomeQuickAction(deps, 'import'));
  app.action(ACTION_IDS.importCheckButton, createImportCheckAction(deps));
}
