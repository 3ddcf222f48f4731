// The gate between submissions (store a request, then post its card) and the missing-cards sweep.
import { describe, expect, it } from 'vitest';
import { CardGate } from '../../src/core/card-gate.js';

/** A promise and the function that settles it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('CardGate', () => {
  it('lets submissions run side by side', async () => {
    const gate = new CardGate();
    const order: string[] = [];
    const a = deferred();
    const first = gate.submit(async () => {
      order.push('a in');
      await a.promise;
      order.push('a out');
    });
    const second = gate.submit(async () => {
      order.push('b in');
    });
    await second;
    a.resolve();
    await first;
    expect(order).toEqual(['a in', 'b in', 'a out']);
  });

  it('runs a sweep only once the submissions inside are done, and holds new ones until it ends', async () => {
    const gate = new CardGate();
    const order: string[] = [];
    const inside = deferred();
    const sweeping = deferred();
    const first = gate.submit(async () => {
      order.push('submit 1 stores');
      await inside.promise;
      order.push('submit 1 posts its card');
    });
    const sweep = gate.sweep(async () => {
      order.push('sweep lists');
      await sweeping.promise;
      order.push('sweep claims');
    });
    const later = gate.submit(async () => {
      order.push('submit 2 stores');
    });
    inside.resolve();
    await first;
    sweeping.resolve();
    await Promise.all([sweep, later]);
    expect(order).toEqual([
      'submit 1 stores',
      'submit 1 posts its card',
      'sweep lists',
      'sweep claims',
      'submit 2 stores',
    ]);
  });

  it('opens again when a sweep or a submission throws', async () => {
    const gate = new CardGate();
    await expect(gate.sweep(() => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    await expect(gate.submit(() => Promise.reject(new Error('slack down')))).rejects.toThrow('slack down');
    expect(await gate.sweep(async () => 'listed')).toBe('listed');
    expect(await gate.submit(async () => 'stored')).toBe('stored');
  });
});
