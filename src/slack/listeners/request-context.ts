// Global middleware that every Slack request passes first: it gives the request an id and a child logger that
// carries who asked (Slack user and team) and what (command, action or view), and counts requests in flight so that
// a graceful stop can wait for them.
import { randomUUID } from 'node:crypto';
import type { AnyMiddlewareArgs, Context, Middleware } from '@slack/bolt';
import type { Logger } from '../../logger.js';

const LOG_KEY = 'requestLog';
const ID_KEY = 'requestId';

/** The logger for this request (falls back to `fallback` outside the middleware, e.g. in unit tests). */
export function requestLogger(context: Context, fallback: Logger): Logger {
  const log = context[LOG_KEY] as Logger | undefined;
  return log ?? fallback;
}

export function requestId(context: Context): string | undefined {
  return context[ID_KEY] as string | undefined;
}

/** Counts listener work in flight; `whenIdle` resolves when the count drops to zero. */
export class InFlightTracker {
  #count = 0;
  #waiters: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  begin(): void {
    this.#count += 1;
  }

  end(): void {
    this.#count = Math.max(0, this.#count - 1);
    if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves true when idle, false if `timeoutMs` passes first. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(wake);
    });
  }
}

/** What the request is about, for logs: the command, action_id(s) or view callback_id; never user-typed text. */
export function describeRequest(body: AnyMiddlewareArgs['body']): { kind: string; target?: string } {
  const b = body as Record<string, unknown>;
  if (typeof b.command === 'string') return { kind: 'command', target: b.command };
  if (b.type === 'block_actions' && Array.isArray(b.actions)) {
    const ids = (b.actions as Array<{ action_id?: unknown } | null>).map((a) => String(a?.action_id ?? '?'));
    return { kind: 'action', target: ids.join(',') };
  }
  if ((b.type === 'view_submission' || b.type === 'view_closed') && typeof b.view === 'object' && b.view) {
    return { kind: b.type, target: String((b.view as { callback_id?: unknown }).callback_id ?? '?') };
  }
  return { kind: typeof b.type === 'string' ? b.type : 'unknown' };
}

export function createRequestContextMiddleware(root: Logger, inFlight: InFlightTracker): Middleware<AnyMiddlewareArgs> {
  return async ({ context, body, next }) => {
    const id = randomUUID();
    const what = describeRequest(body);
    const log = root.child({
      requestId: id,
      slackUser: context.userId,
      slackTeam: context.teamId,
      ...(context.enterpriseId ? { slackEnterprise: context.enterpriseId } : {}),
      ...what,
      ...(context.retryNum ? { retryNum: context.retryNum, retryReason: context.retryReason } : {}),
    });
    context[ID_KEY] = id;
    context[LOG_KEY] = log;
    const started = performance.now();
    inFlight.begin();
    log.debug('slack request received');
    try {
      await next();
    } finally {
      inFlight.end();
      log.debug({ durationMs: Math.round(performance.now() - started) }, 'slack request finished');
    }
  };
}
