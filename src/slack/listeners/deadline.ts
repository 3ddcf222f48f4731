// Work that may finish within a listener's budget (Slack's 3-second ack, the trigger_id's life), or later.

/** The work's result if it settles within `ms`, else 'slow' (the work goes on; await it again for its result). */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | 'slow'> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<'slow'>((resolve) => {
    timer = setTimeout(() => resolve('slow'), ms);
  });
  try {
    return await Promise.race([work, slow]);
  } finally {
    clearTimeout(timer);
  }
}
