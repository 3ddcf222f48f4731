import { describe, expect, it } from 'vitest';
import { createWorkGate } from '../../src/slack/listeners/work-gate.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createWorkGate', () => {
  it('runs at most `limit` tasks at once and starts the others in arrival order', async () => {
    const gate = createWorkGate(2);
    const started: number[] = [];
    const blockers = [0, 1, 2, 3].map(() => deferred<number>());
    const runs = blockers.map((b, i) =>
      gate.run(async () => {
        started.push(i);
        return b.promise;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(gate.active).toBe(2);
    expect(gate.waiting).toBe(2);
    blockers[1]?.resolve(1);
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(gate.active).toBe(2);
    blockers[0]?.resolve(0);
    blockers[2]?.resolve(2);
    blockers[3]?.resolve(3);
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(gate.active).toBe(0);
    expect(gate.waiting).toBe(0);
  });

  it('frees the slot when a task fails, and passes the failure on', async () => {
    const gate = createWorkGate(1);
    const failing = gate.run(async () => {
      throw new Error('boom');
    });
    const next = gate.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
    expect(gate.active).toBe(0);
  });

  it('does not let a newcomer overtake a waiting task when a slot frees', async () => {
    const gate = createWorkGate(1);
    const order: string[] = [];
    const first = deferred();
    const a = gate.run(async () => {
      order.push('a');
      await first.promise;
    });
    const b = gate.run(async () => {
      order.push('b');
    });
    await tick();
    first.resolve();
    const c = gate.run(async () => {
      order.push('c');
    });
    await Promise.all([a, b, c]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('refuses a limit below 1', () => {
    expect(() => createWorkGate(0)).toThrow(RangeError);
    expect(() => createWorkGate(1.5)).toThrow(RangeError);
  });
});
