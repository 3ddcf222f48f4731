// A bounded load generator on 127.0.0.1: sends `total` requests with at most `concurrency` in flight over
// keep-alive connections and records each one's latency (request written → response fully read).
import { Agent, request } from 'node:http';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  latenciesMs: number[];
  statuses: Map<number, number>;
  errors: number;
  wallMs: number;
}

/** One request on `target`'s keep-alive agent: its latency and status, or no status when it failed. */
function sendOne(target: { url: URL; agent: Agent }, spec: LoadRequest): Promise<{ ms: number; status?: number }> {
  const { url, agent } = target;
  return new Promise((resolve) => {
    const t0 = performance.now();
    const body = spec.body ?? '';
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: spec.method,
        path: spec.path,
        headers: {
          ...spec.headers,
          ...(spec.method === 'POST' ? { 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
        res.on('error', () => resolve({ ms: performance.now() - t0 }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ms: performance.now() - t0 }));
    req.end(body);
  });
}

/** Sends `total` requests built by `build(i)`; every request has a 10 s timeout and the whole run `deadlineMs`. */
export async function runLoad(options: {
  baseUrl: string;
  /** Several apps behind a round-robin balancer: request i goes to baseUrls[i % n] (baseUrl is then ignored). */
  baseUrls?: string[];
  total: number;
  concurrency: number;
  build: (index: number) => LoadRequest;
  deadlineMs?: number;
  /**
   * Opens the `concurrency` keep-alive connections first (one unmeasured GET of this path on each, all at once), so
   * that the measured requests run on open connections, as Slack's do, instead of starting with a burst of new ones.
   */
  preconnectPath?: string;
}): Promise<LoadResult> {
  const targets = (options.baseUrls ?? [options.baseUrl]).map((base) => ({
    url: new URL(base),
    agent: new Agent({ keepAlive: true, maxSockets: options.concurrency }),
  }));
  const latenciesMs: number[] = [];
  const statuses = new Map<number, number>();
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + (options.deadlineMs ?? 120_000);

  const one = (spec: LoadRequest, index: number) =>
    sendOne(targets[index % targets.length]!, spec).then((answer) => {
      if (answer.status === undefined) {
        errors += 1;
        return;
      }
      latenciesMs.push(answer.ms);
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
    });

  if (options.preconnectPath) {
    const path = options.preconnectPath;
    await Promise.all(
      targets.flatMap((_, t) => Array.from({ length: options.concurrency }, () => one({ method: 'GET', path }, t))),
    );
    latenciesMs.length = 0;
    statuses.clear();
    errors = 0;
  }
  const measuredFrom = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.total && performance.now() < deadline) {
        const index = next;
        next += 1;
        await one(options.build(index), index);
      }
    }),
  );
  for (const { agent } of targets) agent.destroy();
  return { latenciesMs, statuses, errors, wallMs: performance.now() - measuredFrom };
}
