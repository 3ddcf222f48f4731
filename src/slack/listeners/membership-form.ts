// Opens the "Courses and cohorts" form of an existing account, from /moodle-user enrol|unenrol <user>, cohort
// add|remove <user>, or the show card's button. The account is checked first (permission, look-up, protection); the
// course or cohort, and whether the same change is in flight, are checked when the form is submitted.
import type { AccountRef } from '../../core/account-ref.js';
import { accountServiceFor } from '../../core/accounts.js';
import { membershipServiceFor } from '../../core/memberships.js';
import { isReasonRequired } from '../../core/policy.js';
import type { RequesterContext } from '../../core/requests.js';
import { buildMembershipModal, MEMBERSHIP_MODAL_TITLE, type MembershipAction } from '../blocks/membership-modal.js';
import type { ListenerDeps } from './deps.js';
import { type LookupModalSurface, openLookupModal } from './lookup-modal.js';

export function openMembershipForm(
  surface: LookupModalSurface,
  deps: ListenerDeps,
  requester: RequesterContext,
  user: string | AccountRef,
  action: MembershipAction,
): Promise<void> {
  const shown = typeof user === 'string' ? user : `the account with id ${user.by === 'id' ? user.id : '?'}`;
  return openLookupModal(
    surface,
    MEMBERSHIP_MODAL_TITLE,
    shown,
    async () => {
      const found = await accountServiceFor(deps).changeable(requester, user, action);
      if (found.kind !== 'target') return found;
      return { ...found, cohorts: await membershipServiceFor(deps).cohortChoices() };
    },
    (target) =>
      buildMembershipModal(
        target.user,
        {
          moodleId: target.user.id,
          username: target.user.username,
          ...(requester.channelId ? { channelId: requester.channelId } : {}),
        },
        {
          roles: Object.keys(deps.config.roleIds),
          cohorts: target.cohorts,
          action,
          reasonRequired: isReasonRequired(deps.config, action),
        },
      ),
  );
}
