// Wires modal submissions (callback_ids from ids.ts) to their handlers. Only wiring here: one handler per file.
import type { App } from '@slack/bolt';
import { CALLBACK_IDS } from '../../ids.js';
import type { ListenerDeps } from '../deps.js';
import { createApproveCorrectionsSubmission } from './approve-corrections-submission.js';
import { createApproveRequestSubmission } from './approve-request-submission.js';
import { createDeleteUserSubmission } from './delete-user-submission.js';
import { createEditUserSubmission } from './edit-user-submission.js';
import { createExtendEndDateSubmission } from './extend-end-date-submission.js';
import { createFindUserSubmission } from './find-user-submission.js';
import { createImportPreviewSubmission } from './import-preview-submission.js';
import { createImportSubmission } from './import-submission.js';
import { createMembershipSubmission } from './membership-submission.js';
import { createNewUserSubmission } from './new-user-submission.js';
import { createRejectRequestSubmission } from './reject-request-submission.js';

export function register(app: App, deps: ListenerDeps): void {
  app.view(CALLBACK_IDS.newUserModal, createNewUserSubmission(deps));
  app.view(CALLBACK_IDS.approveRequestModal, createApproveRequestSubmission(deps));
  app.view(CALLBACK_IDS.approveCorrectionsModal, createApproveCorrectionsSubmission(deps));
  app.view(CALLBACK_IDS.rejectRequestModal, createRejectRequestSubmission(deps));
  app.view(CALLBACK_IDS.editUserModal, createEditUserSubmission(deps));
  app.view(CALLBACK_IDS.deleteUserConfirmModal, createDeleteUserSubmission(deps));
  app.view(CALLBACK_IDS.findUserModal, createFindUserSubmission(deps));
  app.view(CALLBACK_IDS.extendEndDateModal, createExtendEndDateSubmission(deps));
  app.view(CALLBACK_IDS.membershipModal, createMembershipSubmission(deps));
  app.view(CALLBACK_IDS.importModal, createImportSubmission(deps));
  app.view(CALLBACK_IDS.importPreviewModal, createImportPreviewSubmission(deps));
}
