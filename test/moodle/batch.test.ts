// createUsersInBatches against an in-memory gateway with Moodle's all-or-nothing create semantics.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replaySchedule } from '../../bench/schedule.js';
import type { CreatedUser, CreateUserInput, MoodleGateway, MoodleUser } from '../../src/core/moodle-gateway.js';
import { createUsersInBatches, planBatches } from '../../src/moodle/batch.js';
import { countCreateUserFields } from '../../src/moodle/encode.js';
import { MoodleError, MoodleErrorCode } from '../../src/moodle/errors.js';

function userN(i: number, bad = false): CreateUserInput {
  return {
    username: bad ? `User${i}` : `user${i}`,
    firstname: `First${i}`,
    lastname: `Last${i}`,
    email: `user${i}@example.com`,
    auth: 'manual',
    createpassword: true,
  };
}

const timeout = () =>
  new MoodleError({ code: MoodleErrorCode.Timeout, message: 't', hint: 'h', outcomeUnknown: true, retryable: true });

/** Per create call, in order: lose the answer 'before' Moodle commits or 'after'; past the script, calls go through. */
function script(moodle: MemoryMoodle, faults: Array<'before' | 'after' | undefined>): void {
  let call = 0;
  moodle.fault = () => {
    const fault = faults[call];
    call += 1;
    if (fault === 'before') throw timeout();
    return fault;
  };
}

function lookUpsFail(moodle: MemoryMoodle): void {
  moodle.getUsersByField = async () => {
    moodle.lookupCalls += 1;
    throw new MoodleError({ code: MoodleErrorCode.Unreachable, message: 'u', hint: 'h', retryable: true });
  };
}

const outcome = (r: { created: Array<{ index: number }>; failed: Array<{ index: number }> }) => ({
  created: r.created.map((c) => c.index),
  failed: r.failed.map((f) => f.index),
});

const invalid = () =>
  new MoodleError({ code: MoodleErrorCode.InvalidParameter, message: 'Invalid parameter value detected', hint: 'x' });

/** Moodle in memory: uppercase usernames are invalid, usernames unique, each create all-or-nothing. */
class MemoryMoodle implements Pick<MoodleGateway, 'createUsers' | 'getUsersByField'> {
  users = new Map<string, MoodleUser>();
  nextId = 100;
  createCalls = 0;
  lookupCalls = 0;
  /** Called before each create: may throw (before commit) or return 'after' to fail after committing. */
  fault: ((batch: CreateUserInput[]) => 'after' | undefined) | undefined;

  async createUsers(batch: CreateUserInput[]): Promise<CreatedUser[]> {
    this.createCalls += 1;
    const when = this.fault?.(batch);
    const seen = new Set<string>();
    for (const u of batch) {
      if (u.username !== u.username.toLowerCase() || this.users.has(u.username) || seen.has(u.username)) {
        throw invalid();
      }
      seen.add(u.username);
    }
    const created = batch.map((u) => {
      const id = this.nextId++;
      this.users.set(u.username, {
        id,
        username: u.username,
        firstname: u.firstname,
        lastname: u.lastname,
        fullname: `${u.firstname} ${u.lastname}`,
        email: u.email,
        auth: u.auth,
        suspended: false,
        confirmed: true,
      });
      return { id, username: u.username };
    });
    if (when === 'after') {
      throw new MoodleError({
        code: MoodleErrorCode.Timeout,
        message: 't',
        hint: 'h',
        outcomeUnknown: true,
        retryable: true,
      });
    }
    return created;
  }

  async getUsersByField(_field: string, values: Array<string | number>): Promise<MoodleUser[]> {
    this.lookupCalls += 1;
    return values.flatMap((v) => {
      const u = this.users.get(String(v));
      return u ? [u] : [];
    });
  }
}

/**
 * Extra round trips for k bad users among `size`: a binary search costs ⌈log2 size⌉+1 calls per bad user; at
 * concurrency c, a search that would leave slots idle tries up to c parts of each level at once.
 */
const extraBound = (k: number, size: number, concurrency = 1) => k * (concurrency * Math.ceil(Math.log2(size)) + 1);

describe('planBatches', () => {
  it("stays under the field and user limits, counting each user's real fields", () => {
    const users = Array.from({ length: 120 }, (_, i) => userN(i));
    const perUser = countCreateUserFields(users[0] as CreateUserInput);
    const byUsers = planBatches(users, 900, 50);
    expect(byUsers.map((b) => b.length)).toEqual([50, 50, 20]);
    const byFields = planBatches(users, 3 + perUser * 10, 50);
    expect(byFields.every((b) => b.length <= 10)).toBe(true);
    expect(byFields.flat()).toEqual(users.map((_, i) => i));
    const big = { ...userN(0), customfields: Array.from({ length: 100 }, (_, i) => ({ type: `f${i}`, value: 'v' })) };
    expect(planBatches([big, userN(1)], 100, 50)).toEqual([[0], [1]]);
  });

  it('fills a call up to exactly the field limit, and plans nothing for no users', () => {
    const users = Array.from({ length: 4 }, (_, i) => userN(i));
    const perUser = countCreateUserFields(users[0] as CreateUserInput);
    expect(planBatches(users, 3 + 2 * perUser, 50)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(planBatches([], 900, 50)).toEqual([]);
  });
});

describe('createUsersInBatches', () => {
  it('creates everything in one round trip per batch when all users are good', async () => {
    const moodle = new MemoryMoodle();
    const users = Array.from({ length: 120 }, (_, i) => userN(i));
    const r = await createUsersInBatches(moodle, users);
    expect(r.created).toHaveLength(120);
    expect(r.failed).toHaveLength(0);
    expect(r.roundTrips).toBe(3);
    expect(r.created.map((c) => c.index)).toEqual(users.map((_, i) => i));
  });

  it.each([[[0]], [[49]], [[17]], [[0, 1, 2, 3, 4]], [[3, 11, 25, 38, 49]], [[45, 46, 47, 48, 49]]])(
    'isolates bad users %j among 50 within k·(⌈log2 50⌉+1) extra round trips',
    async (bad) => {
      const moodle = new MemoryMoodle();
      const users = Array.from({ length: 50 }, (_, i) => userN(i, bad.includes(i)));
      const r = await createUsersInBatches(moodle, users);
      expect(r.failed.map((f) => f.index)).toEqual(bad);
      expect(r.created).toHaveLength(50 - bad.length);
      expect(moodle.users.size).toBe(50 - bad.length);
      expect(r.roundTrips - 1).toBeLessThanOrEqual(extraBound(bad.length, 50));
      for (const f of r.failed) expect(f.error.code).toBe(MoodleErrorCode.InvalidParameter);
    },
  );

  it('holds for any set of bad users, batch sizes and concurrency (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (n, batchSize, concurrency, picks) => {
          const bad = [...new Set(picks.map((p) => p % n))].sort((a, b) => a - b);
          const moodle = new MemoryMoodle();
          const users = Array.from({ length: n }, (_, i) => userN(i, bad.includes(i)));
          const r = await createUsersInBatches(moodle, users, { maxUsersPerBatch: batchSize, concurrency });
          expect(r.failed.map((f) => f.index)).toEqual(bad);
          expect(r.created.map((c) => c.index)).toEqual(users.map((_, i) => i).filter((i) => !bad.includes(i)));
          let bound = 0;
          for (const batch of planBatches(users, 900, batchSize)) {
            const k = batch.filter((i) => bad.includes(i)).length;
            bound += 1 + extraBound(k, batch.length, concurrency);
          }
          expect(r.roundTrips).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with bad users, lost answers and a fatal error at random, at any concurrency, resolves each user once and never duplicates (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 2, max: 25 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        // Per create call, in order: 0 = normal, 1 = committed but the answer lost, 2 = lost before commit,
        // 3 = the token is revoked from then on.
        fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }),
        async (n, batchSize, concurrency, picks, faults) => {
          const bad = new Set(picks.map((p) => p % n));
          const moodle = new MemoryMoodle();
          let call = 0;
          let revoked = false;
          moodle.fault = () => {
            const fault = revoked ? 3 : (faults[call] ?? 0);
            call += 1;
            if (fault === 3) {
              revoked = true;
              throw new MoodleError({ code: MoodleErrorCode.InvalidToken, message: 'revoked', hint: 'h' });
            }
            if (fault === 2) {
              throw new MoodleError({ code: MoodleErrorCode.Timeout, message: 't', hint: 'h', outcomeUnknown: true });
            }
            return fault === 1 ? 'after' : undefined;
          };
          const users = Array.from({ length: n }, (_, i) => userN(i, bad.has(i)));
          const r = await createUsersInBatches(moodle, users, { maxUsersPerBatch: batchSize, concurrency });
          const created = r.created.map((c) => c.index);
          const failed = r.failed.map((f) => f.index);
          // Every user exactly once, either created or failed.
          expect([...created, ...failed].sort((a, b) => a - b)).toEqual(users.map((_, i) => i));
          // What is reported created is in Moodle under its id, and Moodle holds nothing else: this Moodle commits
          // at once, so the look-up after a lost answer always finds what the call created.
          expect(moodle.users.size).toBe(created.length);
          for (const c of r.created) expect(moodle.users.get(c.username)?.id).toBe(c.id);
          // A bad user is never reported created; without a fatal error, every good user is.
          for (const i of created) expect(bad.has(i)).toBe(false);
          if (!revoked && !faults.includes(2) && !faults.includes(1)) {
            expect(failed.sort((a, b) => a - b)).toEqual([...bad].sort((a, b) => a - b));
          }
        },
      ),
      // The first counterexample found: the last resend's answer lost after it committed.
      { numRuns: 300, examples: [[13, 4, 1, [], [0, 0, 0, 2, 2, 1]]] },
    );
  });

  it('looks up the last lost answer too: a user it created is reported created, not failed', async () => {
    const moodle = new MemoryMoodle();
    const outcomes: Array<'before' | 'after'> = ['before', 'before', 'after'];
    moodle.fault = () => {
      const next = outcomes.shift();
      if (next === 'before') {
        throw new MoodleError({ code: MoodleErrorCode.Timeout, message: 't', hint: 'h', outcomeUnknown: true });
      }
      return next;
    };
    const r = await createUsersInBatches(moodle, [userN(1)]);
    expect(r.failed).toEqual([]);
    expect(r.created).toEqual([{ index: 0, id: moodle.users.get('user1')?.id, username: 'user1' }]);
    expect(moodle.createCalls).toBe(3);
    expect(moodle.lookupCalls).toBe(3);
  });

  it('sends nothing for no users', async () => {
    const moodle = new MemoryMoodle();
    expect(await createUsersInBatches(moodle, [])).toEqual({ created: [], failed: [], roundTrips: 0, batches: 0 });
  });

  it('keeps each call under 900 form fields by default', async () => {
    const moodle = new MemoryMoodle();
    const fields = Array.from({ length: 230 }, (_, i) => ({ type: `f${i}`, value: 'v' }));
    const users = [0, 1].map((i) => ({ ...userN(i), customfields: fields }));
    expect(countCreateUserFields(users[0] as CreateUserInput)).toBeGreaterThan(450);
    const r = await createUsersInBatches(moodle, users);
    expect(r.batches).toBe(2);
    expect(moodle.createCalls).toBe(2);
  });

  it('matches Moodle’s answer to the users by username, whatever its order', async () => {
    const moodle = new MemoryMoodle();
    const create = moodle.createUsers.bind(moodle);
    moodle.createUsers = async (batch) => (await create(batch)).reverse();
    const r = await createUsersInBatches(moodle, [userN(1), userN(2), userN(3)]);
    for (const c of r.created) expect(moodle.users.get(c.username)?.id).toBe(c.id);
    expect(r.created.map((c) => c.username)).toEqual(['user1', 'user2', 'user3']);
  });

  it('treats an unexpected failure of the create call as a lost answer: looked up before anything is resent', async () => {
    const moodle = new MemoryMoodle();
    let first = true;
    moodle.fault = () => {
      if (!first) return undefined;
      first = false;
      throw new Error('socket hang up');
    };
    const r = await createUsersInBatches(moodle, [userN(1), userN(2)]);
    expect(outcome(r)).toEqual({ created: [0, 1], failed: [] });
    expect([moodle.createCalls, moodle.lookupCalls]).toEqual([2, 1]);

    const broken = new MemoryMoodle();
    broken.fault = () => {
      throw new Error('socket hang up');
    };
    lookUpsFail(broken);
    const lost = await createUsersInBatches(broken, [userN(1)]);
    expect(lost.failed[0]?.error).toMatchObject({ code: MoodleErrorCode.Unknown, outcomeUnknown: true });
    expect(lost.failed[0]?.error.message).toBe('core_user_create_users failed unexpectedly: socket hang up');
  });

  it('users without an email address are not refused as duplicates of each other', async () => {
    const moodle = new MemoryMoodle();
    const r = await createUsersInBatches(moodle, [
      { ...userN(1), email: '' },
      { ...userN(2), email: '' },
    ]);
    expect(outcome(r)).toEqual({ created: [0, 1], failed: [] });
  });

  it('refuses a user whose username or email an earlier user of the run has, before sending anything', async () => {
    const moodle = new MemoryMoodle();
    const users = [userN(0), userN(1), { ...userN(2), username: 'user0' }, { ...userN(3), email: 'USER1@example.com' }];
    const r = await createUsersInBatches(moodle, users, { concurrency: 4 });
    expect(r.created.map((c) => c.index)).toEqual([0, 1]);
    expect(r.failed.map((f) => f.index)).toEqual([2, 3]);
    expect(r.failed[0]?.error.hint).toMatch(/username "user0" appears twice in this run \(first as user 1\)/);
    expect(r.failed[1]?.error.hint).toMatch(/email address "USER1@example.com" appears twice .*first as user 2/);
    expect(r.failed[0]?.error).toMatchObject({
      message: 'core_user_create_users: the username user0 is also that of user 1 of this run',
      wsfunction: 'core_user_create_users',
    });
    expect(r.roundTrips).toBe(1);
    expect(moodle.users.size).toBe(2);

    // Where the site allows one email for several accounts, the second is sent.
    const lenient = new MemoryMoodle();
    const same = await createUsersInBatches(lenient, users, { allowSameEmail: true });
    expect(same.created.map((c) => c.index)).toEqual([0, 1, 3]);
    expect(same.failed.map((f) => f.index)).toEqual([2]);
  });

  it('fails the rest without splitting on an auth error', async () => {
    const moodle = new MemoryMoodle();
    moodle.fault = () => {
      throw new MoodleError({ code: MoodleErrorCode.InvalidToken, message: 'bad token', hint: 'h' });
    };
    const r = await createUsersInBatches(
      moodle,
      Array.from({ length: 120 }, (_, i) => userN(i)),
    );
    expect(r.created).toHaveLength(0);
    expect(r.failed).toHaveLength(120);
    expect(r.roundTrips).toBe(1);
    expect(r.failed[119]?.error.code).toBe(MoodleErrorCode.InvalidToken);
  });

  it('reconciles a batch that committed before the connection broke, without duplicates or resending', async () => {
    const moodle = new MemoryMoodle();
    let first = true;
    moodle.fault = () => {
      if (!first) return undefined;
      first = false;
      return 'after';
    };
    const users = Array.from({ length: 10 }, (_, i) => userN(i));
    const r = await createUsersInBatches(moodle, users);
    expect(r.created).toHaveLength(10);
    expect(r.failed).toHaveLength(0);
    expect(moodle.createCalls).toBe(1);
    expect(moodle.lookupCalls).toBe(1);
    expect(r.roundTrips).toBe(2);
  });

  it('resends only the missing users when the batch did not commit, and reports accounts that existed', async () => {
    const moodle = new MemoryMoodle();
    await moodle.createUsers([{ ...userN(3), email: 'someone.else@example.com' }]);
    moodle.createCalls = 0;
    let first = true;
    moodle.fault = () => {
      if (!first) return undefined;
      first = false;
      throw new MoodleError({ code: MoodleErrorCode.Timeout, message: 't', hint: 'h', outcomeUnknown: true });
    };
    const users = Array.from({ length: 10 }, (_, i) => userN(i));
    const r = await createUsersInBatches(moodle, users);
    expect(r.failed.map((f) => f.index)).toEqual([3]);
    expect(r.failed[0]?.error.hint).toMatch(/already taken/);
    expect(r.created).toHaveLength(9);
    expect(moodle.createCalls).toBe(2);
    expect(moodle.users.size).toBe(10);
  });

  it('after a lost answer, an existing account with our username but another person’s email is not reported as created', async () => {
    const moodle = new MemoryMoodle();
    // user1 exists with the email this run asks for (an earlier run made it), user2 belongs to someone else.
    await moodle.createUsers([userN(1), { ...userN(2), email: 'someone.else@example.com' }]);
    moodle.createCalls = 0;
    moodle.fault = () => {
      throw new MoodleError({ code: MoodleErrorCode.Timeout, message: 't', hint: 'h', outcomeUnknown: true });
    };
    const r = await createUsersInBatches(moodle, [userN(1), userN(2)]);
    expect(r.created).toEqual([]);
    expect(r.failed.map((f) => f.index)).toEqual([0, 1]);
    for (const f of r.failed) expect(f.error.hint).toMatch(/already taken in Moodle/);
    expect(moodle.createCalls).toBe(1);
  });

  it('after a lost answer, counts as ours an account whose email differs only in letter case, or is hidden', async () => {
    const moodle = new MemoryMoodle();
    moodle.fault = () => 'after';
    const lookUp = moodle.getUsersByField.bind(moodle);
    // Moodle compares emails ignoring case; a web-service user without moodle/user:viewalldetails sees none.
    moodle.getUsersByField = async (field, values) =>
      (await lookUp(field, values)).map((u) => ({ ...u, email: u.username === 'user1' ? '' : u.email.toLowerCase() }));
    const users = [userN(1), { ...userN(2), email: 'User2@Example.COM' }];
    const r = await createUsersInBatches(moodle, users);
    expect(r.failed).toEqual([]);
    expect(r.created.map((c) => c.username)).toEqual(['user1', 'user2']);
    expect(moodle.createCalls).toBe(1);
  });

  it('a Moodle that keeps timing out gets the batch at most 1 + maxReconciliations times, then the outcome stays unknown', async () => {
    const timingOut = (maxReconciliations?: number) => {
      const moodle = new MemoryMoodle();
      moodle.fault = () => {
        // A safety net, so that a missing cap fails this test instead of hanging it.
        if (moodle.createCalls > 10)
          throw new MoodleError({ code: MoodleErrorCode.InvalidToken, message: 'x', hint: 'h' });
        throw new MoodleError({ code: MoodleErrorCode.Timeout, message: 't', hint: 'h', outcomeUnknown: true });
      };
      const options = maxReconciliations === undefined ? {} : { maxReconciliations };
      return { moodle, result: createUsersInBatches(moodle, [userN(1), userN(2)], options) };
    };
    const byDefault = timingOut();
    const r = await byDefault.result;
    expect(byDefault.moodle.createCalls).toBe(3);
    expect(byDefault.moodle.lookupCalls).toBe(3);
    expect(r.created).toEqual([]);
    expect(r.failed.map((f) => [f.index, f.error.code, f.error.outcomeUnknown])).toEqual([
      [0, MoodleErrorCode.Timeout, true],
      [1, MoodleErrorCode.Timeout, true],
    ]);
    const once = timingOut(0);
    expect((await once.result).failed).toHaveLength(2);
    expect(once.moodle.createCalls).toBe(1);
    const five = timingOut(5);
    await five.result;
    expect(five.moodle.createCalls).toBe(6);
  });

  it('reports the unknown outcome and resends nothing when the look-up fails too', async () => {
    const moodle = new MemoryMoodle();
    moodle.fault = () => 'after';
    moodle.getUsersByField = async () => {
      throw new MoodleError({ code: MoodleErrorCode.Unreachable, message: 'u', hint: 'h', retryable: true });
    };
    const r = await createUsersInBatches(moodle, [userN(1), userN(2)]);
    expect(r.created).toHaveLength(0);
    expect(r.failed.map((f) => f.error.outcomeUnknown)).toEqual([true, true]);
    expect(moodle.createCalls).toBe(1);
  });
});

describe('createUsersInBatches: lost answers during the search for bad users (4 users, one call each half)', () => {
  it('a half whose answer was lost after Moodle committed it is found created; the other half gets one call', async () => {
    const moodle = new MemoryMoodle();
    script(moodle, [undefined, 'after']);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1), userN(2), userN(3, true)]);
    expect(outcome(r)).toEqual({ created: [0, 1, 2], failed: [3] });
    expect(r.failed[0]?.error.code).toBe(MoodleErrorCode.InvalidParameter);
    expect([moodle.createCalls, moodle.lookupCalls]).toEqual([4, 1]);
  });

  it('a half resent whole after a lost answer lets the search go on as if nothing had happened', async () => {
    const moodle = new MemoryMoodle();
    script(moodle, [undefined, 'before']);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1), userN(2), userN(3, true)]);
    expect(outcome(r)).toEqual({ created: [0, 1, 2], failed: [3] });
    // 1 batch + 1 lost half + its resend + 1 call to tell user 2 from user 3.
    expect([moodle.createCalls, moodle.lookupCalls]).toEqual([4, 1]);
  });

  it('a half in which the look-up found someone else’s account: the other half is no longer suspected', async () => {
    const moodle = new MemoryMoodle();
    await moodle.createUsers([{ ...userN(1), email: 'someone.else@example.com' }]);
    moodle.createCalls = 0;
    script(moodle, [undefined, 'before']);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1), userN(2), userN(3)]);
    expect(outcome(r)).toEqual({ created: [0, 2, 3], failed: [1] });
    expect(r.failed[0]?.error).toMatchObject({
      message: 'core_user_create_users: the username user1 already exists (user id 100)',
      hint: 'The username "user1" is already taken in Moodle (account id 100). Nothing was created for this user.',
      wsfunction: 'core_user_create_users',
    });
    expect(moodle.createCalls).toBe(4);
  });

  it('a half whose users all belong to someone else: they fail as taken, the other half gets one call', async () => {
    const moodle = new MemoryMoodle();
    await moodle.createUsers([0, 1].map((i) => ({ ...userN(i), email: 'someone.else@example.com' })));
    moodle.createCalls = 0;
    script(moodle, [undefined, 'before']);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1), userN(2), userN(3)]);
    expect(outcome(r)).toEqual({ created: [2, 3], failed: [0, 1] });
    for (const f of r.failed) expect(f.error.hint).toMatch(/already taken/);
    expect(moodle.createCalls).toBe(3);
  });

  it('a half out of resends stops the search and the run: nothing more is sent', async () => {
    const moodle = new MemoryMoodle();
    script(moodle, [undefined, 'before']);
    const users = [userN(0), userN(1), userN(2), userN(3, true)];
    const r = await createUsersInBatches(moodle, users, { maxReconciliations: 0 });
    expect(outcome(r)).toEqual({ created: [], failed: [0, 1, 2, 3] });
    for (const f of r.failed) expect(f.error).toMatchObject({ code: MoodleErrorCode.Timeout, outcomeUnknown: true });
    expect([moodle.createCalls, moodle.lookupCalls]).toEqual([2, 1]);
  });

  it('a user found taken is not sent again, and keeps that reason, when its half fails on its own data', async () => {
    const moodle = new MemoryMoodle();
    await moodle.createUsers([{ ...userN(1), email: 'someone.else@example.com' }]);
    moodle.createCalls = 0;
    script(moodle, [undefined, 'before']);
    const r = await createUsersInBatches(moodle, [userN(0, true), userN(1), userN(2), userN(3)]);
    expect(outcome(r)).toEqual({ created: [2, 3], failed: [0, 1] });
    expect(r.failed[0]?.error.code).toBe(MoodleErrorCode.InvalidParameter);
    expect(r.failed[1]?.error.hint).toMatch(/already taken/);
    expect(moodle.createCalls).toBe(4);
  });

  it('a user found taken keeps that reason when the rest of its batch ends with an unknown outcome', async () => {
    const moodle = new MemoryMoodle();
    await moodle.createUsers([{ ...userN(0), email: 'someone.else@example.com' }]);
    moodle.createCalls = 0;
    script(moodle, ['before', 'before', 'before']);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1)]);
    expect(outcome(r)).toEqual({ created: [], failed: [0, 1] });
    expect(r.failed[0]?.error.hint).toMatch(/already taken/);
    expect(r.failed[1]?.error).toMatchObject({ code: MoodleErrorCode.Timeout, outcomeUnknown: true });
    expect(moodle.createCalls).toBe(3);
  });

  it('a lost answer that cannot be looked up stops the search and the run: nothing more is sent', async () => {
    const moodle = new MemoryMoodle();
    script(moodle, [undefined, 'before']);
    lookUpsFail(moodle);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1), userN(2), userN(3, true)]);
    expect(outcome(r)).toEqual({ created: [], failed: [0, 1, 2, 3] });
    for (const f of r.failed) expect(f.error).toMatchObject({ code: MoodleErrorCode.Timeout, outcomeUnknown: true });
    expect(moodle.createCalls).toBe(2);
  });

  it('the set-aside half whose one call is lost and cannot be looked up fails as unknown, without a search', async () => {
    const moodle = new MemoryMoodle();
    script(moodle, [undefined, undefined, undefined, 'before']);
    lookUpsFail(moodle);
    const r = await createUsersInBatches(moodle, [userN(0), userN(1, true), userN(2), userN(3)]);
    expect(outcome(r)).toEqual({ created: [0], failed: [1, 2, 3] });
    expect(r.failed.map((f) => f.error.outcomeUnknown)).toEqual([false, true, true]);
    expect(moodle.createCalls).toBe(4);
  });

  it('a batch whose lost answer cannot be looked up stops the run: no call goes out after, not even another batch’s search', async () => {
    const moodle = new MemoryMoodle();
    // Batch 1's answer is lost; batch 2 (sent before the look-up) has a bad user, and its search waits for a slot.
    script(moodle, ['before']);
    lookUpsFail(moodle);
    const users = [userN(0), userN(1), userN(2), userN(3, true)];
    const r = await createUsersInBatches(moodle, users, { maxUsersPerBatch: 2 });
    expect(outcome(r)).toEqual({ created: [], failed: [0, 1, 2, 3] });
    expect(r.failed.map((f) => f.error.code)).toEqual([
      MoodleErrorCode.Timeout,
      MoodleErrorCode.Timeout,
      MoodleErrorCode.Timeout,
      MoodleErrorCode.Timeout,
    ]);
    expect([moodle.createCalls, moodle.lookupCalls]).toEqual([2, 1]);
  });
});

describe('createUsersInBatches: a batch out of resends', () => {
  it('stops the run: another batch’s search is cut short, its users left fail with the unknown outcome', async () => {
    const moodle = new MemoryMoodle();
    // Batch 1 (users 0-7) never gets an answer; batch 2 (users 8-15) holds one bad user, found by a search.
    moodle.fault = (batch) => {
      if (batch.some((u) => u.username === 'user0')) throw timeout();
      return undefined;
    };
    const users = Array.from({ length: 16 }, (_, i) => userN(i, i === 15));
    const r = await createUsersInBatches(moodle, users, { maxUsersPerBatch: 8, maxReconciliations: 0 });
    for (const f of r.failed.slice(0, 8))
      expect(f.error).toMatchObject({ code: MoodleErrorCode.Timeout, outcomeUnknown: true });
    const cutShort = r.failed.filter((f) => f.index >= 8 && f.index < 15);
    expect(cutShort.length).toBeGreaterThan(0);
    for (const f of cutShort) expect(f.error).toMatchObject({ code: MoodleErrorCode.Timeout, outcomeUnknown: true });
    expect(moodle.users.size).toBe(r.created.length);
  });
});

describe('createUsersInBatches schedule (virtual clock, every call 20 ms)', () => {
  // One bad user in the 11th of 20 batches: its search starts while other batches still wait for slots.
  const thousand = (invalid: number) =>
    Array.from({ length: 1000 }, (_, i) => ({
      ...userN(i),
      ...(i === 500 && invalid ? { email: 'not-an-email' } : {}),
    }));

  it('at concurrency 1 searches one call after the other, ⌈log2 50⌉+1 extra calls for one bad user', async () => {
    const r = await replaySchedule(thousand(1), 1, () => 20);
    expect(r.roundTrips).toBe(20 + 7);
    expect(r.makespanMs).toBe(27 * 20);
  });

  it('at concurrency 4 uses the slots the last batches leave idle, close to round trips × 20 ms ÷ 4', async () => {
    const r = await replaySchedule(thousand(1), 4, () => 20);
    // The binary search alone would end at 200 ms (its calls one after the other, after the batch's own).
    expect(r.makespanMs).toBeLessThanOrEqual(180);
    expect(r.makespanMs).toBeLessThanOrEqual(1.15 * ((r.roundTrips * 20) / 4));
    expect(r.roundTrips - 20).toBeLessThanOrEqual(extraBound(1, 50, 4));
    const clean = await replaySchedule(thousand(0), 4, () => 20);
    expect(clean).toEqual({ makespanMs: 100, roundTrips: 20 });
  });
});
