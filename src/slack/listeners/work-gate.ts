// A bound on how many pieces of post-ack work run at once; the rest wait their turn in arrival order.
//
// Why: Node (libuv ≥ 1.45) accepts one new TCP connection per event-loop turn, and a turn lasts as long as the
// synchronous work of every I/O completion ready in it. With dozens of creates in progress, each completion
// (a Moodle look-up answered, a store commit, a Slack post) runs milliseconds of CPU, turns grow to hundreds of
// milliseconds, and the k-th request on a new connection waits k turns for its ack: seconds, near Slack's 3 s
// deadline. Bounding the work in progress bounds the length of a turn, so acks and new connections keep moving;
// the work itself still runs as fast as the CPU allows.

/** Runs `task` when fewer than the gate's limit are running; resolves or rejects with the task's own outcome. */
export interface WorkGate {
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a free slot. */
  readonly waiting: number;
}

export function createWorkGate(limit: number): WorkGate {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`A work gate needs a limit of at least 1: ${limit}`);
  let active = 0;
  const queue: Array<() => void> = [];

  const acquire = (): Promise<void> => {
    if (active < limit) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  };

  const release = (): void => {
    // The slot passes straight to the next waiter, so `active` never dips and a newcomer cannot overtake the queue.
    const next = queue.shift();
    if (next) next();
    else active -= 1;
  };

  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
