// The fake Moodle under bulk loads: a call over PHP's max_input_vars fails with the generic invalidparameter
// (docs/moodle/bulk-timings.md) while one under it creates every user, and the latency model charges a fixed part
// plus a part per item, CPU on the site's cores and createpassword's mail wait beside them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CreateUserInput } from '../../src/core/moodle-gateway.js';
import { createMoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { type FakeMoodle, moodle45Model, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { countItems } from '../fakes/fake-moodle/latency.js';

let fake: FakeMoodle;
let client: ReturnType<typeof createMoodleClient>;

beforeAll(async () => {
  fake = await startFakeMoodle();
  client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 20_000, readRetries: 0 });
});
afterAll(async () => {
  await client.close();
  await fake.close();
});
afterEach(() => {
  fake.setLatencyModel(null);
  fake.reset();
});

const users = (prefix: string, n: number, extra: Partial<CreateUserInput> = {}): CreateUserInput[] =>
  Array.from({ length: n }, (_, i) => ({
    username: `${prefix}${i}`,
    firstname: 'F',
    lastname: 'L',
    email: `${prefix}${i}@example.org`,
    auth: 'manual',
    createpassword: true,
    ...extra,
  }));

describe('max_input_vars', () => {
  it('1,000 users in one call (6,003 variables) fail with invalidparameter and create nobody; 800 are created', async () => {
    await expect(client.createUsers(users('over', 1_000))).rejects.toMatchObject({ code: 'moodle_invalid_parameter' });
    expect(fake.site.users.filter((u) => u.username.startsWith('over'))).toHaveLength(0);
    const created = await client.createUsers(users('under', 800));
    expect(created).toHaveLength(800);
  });
});

describe('the latency model', () => {
  it('counts the items of a call', () => {
    expect(
      countItems([
        ['users[0][username]', 'a'],
        ['users[0][email]', 'b'],
        ['users[1][username]', 'c'],
        ['wsfunction', 'x'],
      ]),
    ).toBe(2);
    expect(
      countItems([
        ['enrolments[0][userid]', '1'],
        ['enrolments[7][userid]', '2'],
      ]),
    ).toBe(2);
  });

  it('charges a fixed part plus a part per user, and createpassword its mail wait', async () => {
    fake.setLatencyModel(moodle45Model(0.1));
    await client.createUsers(users('m', 20));
    await client.createUsers(users('n', 20, { createpassword: false, password: 'Passw0rd!x', auth: 'manual' }));
    const [mailed, plain] = fake.timings;
    expect(mailed).toMatchObject({
      wsfunction: 'core_user_create_users',
      items: 20,
      cpuMs: 0.1 * (100 + 11 * 20),
      waitMs: 0.1 * 46 * 20,
    });
    expect(plain).toMatchObject({ items: 20, waitMs: 0 });
    expect((mailed?.answered ?? 0) - (mailed?.arrived ?? 0)).toBeGreaterThanOrEqual(
      mailed ? mailed.cpuMs + mailed.waitMs : 0,
    );
  });

  it('runs the CPU parts of at most `cores` calls at once: four calls on two cores take two rounds', async () => {
    fake.setLatencyModel(moodle45Model(1, 2));
    const started = performance.now();
    await Promise.all([0, 1, 2, 3].map((i) => client.getUsersByField('username', [`nobody${i}`])));
    const wall = performance.now() - started;
    // Each call costs 100 ms of CPU: two rounds on two cores, not one.
    expect(wall).toBeGreaterThanOrEqual(200);
  });
});
