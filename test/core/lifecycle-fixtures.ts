// What the lifecycle's unit suites share: the people, two requests, a fresh service over an in-memory SQLite store
// and a manual clock, and a store on which a competitor writes first (a deterministic race).
import { createManualClock, type ManualClock } from '../../src/core/clock.js';
import { createRequestService } from '../../src/core/request-lifecycle.js';
import type { LifecycleResult, RequestService, SubmitInput } from '../../src/core/request-service.js';
import type { FormatActor } from '../../src/core/request-words.js';
import type { RequestRecord } from '../../src/core/requests.js';
import type { Store } from '../../src/core/store.js';
import { openStore } from '../../src/store/index.js';

export const REQUESTER = 'UREQUEST1';
export const APPROVER = 'UAPPROVE1';
export const OTHER = 'UAPPROVE2';

export const createInput: SubmitInput = {
  requester: { userId: REQUESTER, teamId: 'T1', channelId: 'C1' },
  target: { username: 'jdoe', email: 'jane.doe@example.org' },
  payload: {
    operation: 'create',
    user: { username: 'jdoe', email: 'jane.doe@example.org', firstname: 'Jane', lastname: 'Doe', auth: 'manual' },
  },
  preflight: { checked: true, notes: ['No account uses this username or email.'], conflicts: [] },
  reason: 'new teacher',
};
export const deleteInput: SubmitInput = {
  requester: { userId: REQUESTER },
  target: { moodleId: 42, username: 'old', email: 'old@example.org' },
  payload: { operation: 'delete' },
  reason: 'left the school',
};

export interface Lifecycle {
  store: Store;
  clock: ManualClock;
  service: RequestService;
}

/** A fresh store, a clock at a fixed time and the service over them (72 hours to decide). */
export async function openLifecycle(formatActor?: FormatActor): Promise<Lifecycle> {
  const store = await openStore('sqlite::memory:');
  const clock = createManualClock(new Date('2026-03-02T08:00:00.000Z'));
  const service = createRequestService({ store, clock, ttlHours: 72, ...(formatActor ? { formatActor } : {}) });
  return { store, clock, service };
}

/** The service over a store on which `competitor` runs just before the first write, which then finds it changed. */
export function racing(
  { store, clock }: Lifecycle,
  competitor: () => Promise<unknown>,
): { service: RequestService; writes: () => number } {
  const racer: Store = Object.create(store);
  let writes = 0;
  racer.transition = async (id, change) => {
    writes += 1;
    if (writes === 1) await competitor();
    return store.transition(id, change);
  };
  return { service: createRequestService({ store: racer, clock, ttlHours: 72 }), writes: () => writes };
}

export function ok(result: LifecycleResult): RequestRecord {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return result.request;
}
