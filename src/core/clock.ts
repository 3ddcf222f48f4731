// The Clock port: the core asks it for "now" instead of calling Date directly, so that expiry and timestamps
// can be tested without waiting. The app uses systemClock; tests use a manual clock they move by hand.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

export interface ManualClock extends Clock {
  set(at: Date): void;
  advance(ms: number): void;
}

/** A clock that stands still until told to move; each now() returns a fresh Date so callers cannot mutate it. */
export function createManualClock(start: Date = new Date('2026-01-15T09:00:00.000Z')): ManualClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    set: (at) => {
      current = at.getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export const HOUR_MS = 60 * 60 * 1000;
