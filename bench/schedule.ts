// The time createUsersInBatches would take if every call cost exactly a given duration and nothing else did: the
// helper runs against a simulated gateway on a virtual clock (no timers, no I/O), with Moodle's all-or-nothing rule
// (a batch holding an invalid user fails as a whole). With the injected latency as every call's duration this is the
// ideal of the helper's own schedule (bisection calls depend on each other, so at concurrency > 1 it can exceed
// round trips × latency ÷ concurrency); with the durations measured in a real run it is the wall time the helper
// should have reached given those calls, so wall ÷ it is what the helper itself adds.
import type { CreateUserInput } from '../src/core/moodle-gateway.js';
import { createUsersInBatches } from '../src/moodle/batch.js';
import { MoodleError, MoodleErrorCode } from '../src/moodle/errors.js';

/** The bench's invalid users have an email without @ (see buildUsers). */
const isInvalid = (user: CreateUserInput) => !user.email.includes('@');

export async function replaySchedule(
  users: readonly CreateUserInput[],
  concurrency: number,
  durationOf: (callIndex: number) => number,
): Promise<{ makespanMs: number; roundTrips: number }> {
  let now = 0;
  let calls = 0;
  const pending: Array<{ at: number; seq: number; resolve: () => void }> = [];
  const elapse = () =>
    new Promise<void>((resolve) => {
      const seq = calls;
      calls += 1;
      pending.push({ at: now + durationOf(seq), seq, resolve });
    });
  const gateway = {
    async createUsers(list: CreateUserInput[]) {
      await elapse();
      if (list.some(isInvalid)) {
        throw new MoodleError({
          code: MoodleErrorCode.InvalidParameter,
          message: 'core_user_create_users: invalid parameter (email)',
          hint: 'simulated',
          wsfunction: 'core_user_create_users',
        });
      }
      return list.map((u, i) => ({ id: i + 1, username: u.username }));
    },
    async getUsersByField() {
      await elapse();
      return [];
    },
  };
  let finished = false;
  const done = createUsersInBatches(gateway, users, { concurrency }).finally(() => {
    finished = true;
  });
  for (;;) {
    // Let every promise chain run until all in-flight calls are waiting on the virtual clock.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (finished) break;
    pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = pending.shift();
    if (!next) throw new Error('replaySchedule: the helper is waiting on nothing');
    now = next.at;
    next.resolve();
  }
  const result = await done;
  return { makespanMs: now, roundTrips: result.roundTrips };
}
