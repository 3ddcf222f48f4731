// Publishes each person's App Home (blocks/home-tab.ts): when they open it, and again whenever a request they see
// changes (the notifier calls refresh()), so that the tab is never stale. Remembers who has opened it since the app
// started (a bounded set) and the setup check's last result for admins. A failure is logged, never thrown.
import type { webApi } from '@slack/bolt';
import { listExpiring } from '../core/account-end-dates.js';
import type { AuditEvent } from '../core/audit.js';
import type { Clock } from '../core/clock.js';
import type { Permissions } from '../core/permissions.js';
import type { RequestRecord } from '../core/requests.js';
import type { Store } from '../core/store.js';
import type { DoctorReport } from '../doctor/checklist.js';
import type { Logger } from '../logger.js';
import { mayConcernEndDate } from './blocks/activity-words.js';
import { buildHomeView, HOME_LIST_LIMIT, type HomeContent } from './blocks/home-tab.js';

export interface HomeTabs {
  publish(userId: string): Promise<void>;
  /** Republishes the Home of everyone who opened it and sees this request (its requester, the approvers). */
  refresh(request: RequestRecord): Promise<void>;
  rememberDoctor(report: DoctorReport): void;
}

export interface HomeTabsDeps {
  client: webApi.WebClient;
  store: Store;
  permissions: Permissions;
  clock: Clock;
  logger: Logger;
}

/** Homes kept fresh: the most recent viewers, so that memory stays bounded on a large workspace. */
const MAX_VIEWERS = 500;
const ACTIVITY_DAYS = 7;

/** The requests the end-date events among `activity` name, so that the list can say which date and who asked. */
async function endDateRequests(store: Store, activity: readonly AuditEvent[]): Promise<Map<string, RequestRecord>> {
  const ids = new Set(activity.filter(mayConcernEndDate).map((event) => event.requestId ?? ''));
  const found = new Map<string, RequestRecord>();
  for (const id of ids) {
    const request = await store.getRequest(id);
    if (request) found.set(id, request);
  }
  return found;
}

export function createHomeTabs(deps: HomeTabsDeps): HomeTabs {
  const viewers = new Set<string>();
  let doctor: { report: DoctorReport; at: Date } | undefined;

  async function contentFor(userId: string): Promise<HomeContent> {
    const { store, permissions, clock } = deps;
    const now = clock.now();
    const roles = await permissions.rolesOf(userId);
    const content: HomeContent = {
      viewer: userId,
      now,
      mine: await store.listRequests({ requester: userId, limit: HOME_LIST_LIMIT }),
      ending: await listExpiring({ store, clock }, { requesterId: userId, limit: HOME_LIST_LIMIT }),
    };
    if (roles.has('approver')) {
      const pending = await store.listRequests({ statuses: ['pending'], limit: 100 });
      content.awaiting = pending
        .filter((r) => r.requester.userId !== userId && !r.approvals.some((a) => a.by === userId))
        .reverse();
    }
    if (roles.has('admin')) {
      const since = new Date(now.getTime() - ACTIVITY_DAYS * 24 * 60 * 60 * 1000);
      const activity = (await store.listAudit({ since })).slice(-HOME_LIST_LIMIT).reverse();
      content.admin = { activity, doctor, requests: await endDateRequests(store, activity) };
    }
    return content;
  }

  async function publish(userId: string): Promise<void> {
    viewers.delete(userId);
    viewers.add(userId);
    if (viewers.size > MAX_VIEWERS) viewers.delete(viewers.values().next().value as string);
    try {
      await deps.client.views.publish({ user_id: userId, view: buildHomeView(await contentFor(userId)) });
    } catch (err) {
      deps.logger.warn({ err, slackUser: userId }, 'could not publish the Home tab');
    }
  }

  return {
    publish,
    async refresh(request) {
      for (const viewer of [...viewers]) {
        const sees = viewer === request.requester.userId || (await deps.permissions.rolesOf(viewer)).has('approver');
        if (sees) await publish(viewer);
      }
    },
    rememberDoctor(report) {
      doctor = { report, at: deps.clock.now() };
    },
  };
}
