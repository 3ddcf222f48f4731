// Work that may finish within a listener's budget (Slack's 3-second ack, the trigger_id's life), or later.

/** How long a form's submission waits for its checks before acking (Slack allows 3 s from the click). */
export const PLAN_DEADLINE_MS = 2_300;

export type Timed<T> = { done: true; value: T } | { done: false };

/** The work's result if it settles within `ms`, else `{ done: false }` (the work goes on; await it for its result). */
export async function withinDeadline<T>(work: Promise<T>, ms: number): Promise<Timed<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Timed<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([work.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
