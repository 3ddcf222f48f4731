// A fake Moodle 4.5 web-service server for tests: the user, course, enrolment and cohort functions over REST, with
// the exact bodies of the real recordings (test/fixtures/moodle/real-responses*.json), a mutable site model and
// injectable faults.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { FakeMoodleDebug, RequestContext } from './errors.js';
import { type CallTiming, CpuPool, countItems, type LatencyModel, sleepExact, waitUntil } from './latency.js';
import { type FakeSiteName, SITE_PROFILES } from './profiles.js';
import { type FakeResponse, handleRest, handleTokenPhp, parseRequest } from './server.js';
import { FakeMoodleSite } from './site.js';

export type { FakeCohort, FakeCourse, FakeEnrolment } from './catalogue.js';
export type { FakeMoodleDebug } from './errors.js';
export { type CallTiming, type LatencyModel, moodle45Model } from './latency.js';
export {
  ALL_FUNCTIONS,
  API_USER_CAPABILITIES,
  ENROLMENT_CAPABILITIES,
  ENROLMENT_FUNCTIONS,
  type FakeSiteName,
  USER_FUNCTIONS,
} from './profiles.js';
export type { FakeMail, FakeMoodleSettings, FakeToken, FakeUser, NewUser } from './site.js';
export { FakeMoodleSite } from './site.js';

/**
 * refuse: destroy the socket on connect/request; hang: never answer; html: 200 with a PHP notice page (function
 * not run); truncated: run the function, answer 200 with the body cut in half; reset: run the function, send the
 * headers and half the body, then destroy the socket; {status}: answer that status (function not run).
 */
export type FakeMoodleFault =
  | 'refuse'
  | 'hang'
  | 'html'
  | 'truncated'
  | 'reset'
  | { status: number; body?: string; headers?: Record<string, string> };

export interface FakeMoodleOptions {
  /** Which site to start as (profiles.ts); default 'complete', the users site with every function the app uses. */
  site?: FakeSiteName;
  debug?: FakeMoodleDebug;
  /**
   * How long every call takes, from the request's arrival to its answer, the fake's own work included (a server
   * whose calls all cost this much; the work is done first, then the answer waits out the rest). A call whose
   * work takes longer is answered when the work is done. Faults are answered after the same time, without work.
   */
  latencyMs?: number;
  /** Instead of latencyMs: each call costs what the model says (latency.ts); its timings are kept in `timings`. */
  latencyModel?: LatencyModel;
  /** PHP's max_input_vars: POST variables past it are dropped (default 5,000, as on a Moodle site). */
  maxInputVars?: number;
  host?: string;
  port?: number;
  /** Clock in epoch milliseconds (Moodle's time() is derived from it); defaults to Date.now. */
  now?: () => number;
}

export interface FakeMoodleCall {
  wsfunction: string;
  /** Request variables (query and body, body winning) by their wire names, without wstoken. */
  params: Record<string, string>;
  method: string;
  contentType: string | undefined;
  /** 0 while unanswered (or never answered: hang, refuse, reset). */
  status: number;
  /** The answer's body as sent ('' while unanswered), so tests can see what Moodle handed out. */
  body: string;
  at: number;
}

/** The usernames the fake handed out in its answers to get_users / get_users_by_field, in order. */
export function usernamesHandedOut(calls: readonly FakeMoodleCall[]): string[] {
  return calls.flatMap((c) => {
    if (c.wsfunction !== 'core_user_get_users' && c.wsfunction !== 'core_user_get_users_by_field') return [];
    const body = JSON.parse(c.body || 'null') as unknown;
    const users = Array.isArray(body) ? body : (body as { users?: unknown[] } | null)?.users;
    return (users ?? []).map((u) => (u as { username: string }).username);
  });
}

export interface FakeMoodle {
  readonly url: string;
  readonly token: string;
  readonly limitedToken: string;
  readonly calls: FakeMoodleCall[];
  readonly site: FakeMoodleSite;
  /** `wsfunction`: only calls of that function meet the fault (a refusal at connect time cannot tell). */
  setFault(fault: FakeMoodleFault | null, options?: { times?: number; wsfunction?: string }): void;
  /** See FakeMoodleOptions.latencyMs. */
  setLatency(ms: number): void;
  /** See FakeMoodleOptions.latencyModel; null goes back to latencyMs. */
  setLatencyModel(model: LatencyModel | null): void;
  /** The calls served by the latency model, in the order they were answered (emptied by reset()). */
  readonly timings: CallTiming[];
  reset(): void;
  close(): Promise<void>;
}

// A PHP notice printed before the page, as a misconfigured site with display_errors on would send.
const HTML_FAULT_BODY =
  '<br />\n<b>Notice</b>:  Undefined index: HTTP_HOST in <b>/var/www/moodle/config.php</b> on line <b>31</b><br />\n' +
  '<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>Error</h1>' +
  '<p>Database connection failed</p></body></html>\n';

export async function startFakeMoodle(options: FakeMoodleOptions = {}): Promise<FakeMoodle> {
  const clock = options.now ?? Date.now;
  const token = randomBytes(16).toString('hex');
  const limitedToken = randomBytes(16).toString('hex');
  const site = new FakeMoodleSite(clock, { token, limitedToken }, SITE_PROFILES[options.site ?? 'complete']);
  const initialDebug = options.debug ?? 'none';
  site.settings.debug = initialDebug;
  const calls: FakeMoodleCall[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let latency = options.latencyMs ?? 0;
  let model = options.latencyModel ?? null;
  let cpu = new CpuPool(model?.cores ?? 1);
  const timings: CallTiming[] = [];
  let fault: { fault: FakeMoodleFault; remaining: number | undefined; wsfunction: string | undefined } | null = null;
  let url = '';

  const takeFault = (onlyRefuse: boolean, wsfunction?: string): FakeMoodleFault | null => {
    if (!fault || (onlyRefuse && fault.fault !== 'refuse')) return null;
    if (fault.wsfunction !== undefined && fault.wsfunction !== wsfunction) return null;
    const current = fault.fault;
    if (fault.remaining !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) fault = null;
    }
    return current;
  };

  const send = (res: ServerResponse, response: FakeResponse, call: FakeMoodleCall | undefined) => {
    if (res.destroyed) return;
    if (call) {
      call.status = response.status;
      call.body = response.body;
    }
    const body = Buffer.from(response.body, 'utf8');
    res.writeHead(response.status, { ...response.headers, 'Content-Length': String(body.length) });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer, arrived: number) => {
    const path = (req.url ?? '/').split('?')[0];
    const isRest = path === '/webservice/rest/server.php';
    const isToken = path === '/login/token.php';
    if ((!isRest && !isToken) || (req.method !== 'GET' && req.method !== 'POST')) {
      send(res, { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'Not found' }, undefined);
      return;
    }
    const parsed = await parseRequest(req, body, options.maxInputVars);
    let call: FakeMoodleCall | undefined;
    if (isRest) {
      const params: Record<string, string> = {};
      for (const [k, v] of parsed.pairs) if (k !== 'wstoken') params[k] = v;
      const fn = parsed.vars.get('wsfunction');
      call = {
        wsfunction: typeof fn === 'string' ? fn : '',
        params,
        method: req.method ?? 'GET',
        contentType: req.headers['content-type'],
        status: 0,
        body: '',
        at: clock(),
      };
      calls.push(call);
    }
    const active = takeFault(false, call?.wsfunction);
    if (active === 'refuse') {
      req.socket.resetAndDestroy();
      return;
    }
    if (active === 'hang') return;
    // The answer goes out `latency` ms after the request arrived (or at once when that time has passed). Timers fire
    // up to a millisecond late, so the last stretch is waited out turn by turn: the injected latency is exact.
    const due = arrived + latency;
    const waitOutLatency = () => waitUntil(due, timers, () => res.destroyed);
    if (active !== null) {
      await waitOutLatency();
      if (res.destroyed) return;
    }
    if (active === 'html') {
      send(res, { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: HTML_FAULT_BODY }, call);
      return;
    }
    if (active !== null && typeof active === 'object') {
      send(
        res,
        {
          status: active.status,
          headers: { 'Content-Type': 'text/html; charset=utf-8', ...active.headers },
          body: active.body ?? '',
        },
        call,
      );
      return;
    }
    const ctx: RequestContext = { site, debug: site.settings.debug, wwwroot: url, now: site.now() };
    const working = performance.now();
    const response = isRest ? handleRest(ctx, parsed.vars) : handleTokenPhp(ctx, parsed.vars);
    if (active === null && model && call) {
      const cost = model.cost(call.wsfunction, parsed.pairs);
      // The fake's own work counts as part of the modelled CPU time.
      await cpu.run(Math.max(0, cost.cpuMs - (performance.now() - working)), timers);
      await sleepExact(cost.waitMs, timers);
      const items = countItems(parsed.pairs);
      timings.push({ wsfunction: call.wsfunction, items, arrived, answered: performance.now(), ...cost });
    } else if (active === null) {
      await waitOutLatency();
      if (res.destroyed) return;
    }
    if (active === 'truncated') {
      const cut = response.body.slice(0, Math.floor(response.body.length / 2));
      send(res, { ...response, body: cut }, call);
      return;
    }
    if (active === 'reset') {
      const full = Buffer.from(response.body, 'utf8');
      res.writeHead(response.status, { ...response.headers, 'Content-Length': String(full.length) });
      res.write(full.subarray(0, Math.floor(full.length / 2)), () => res.socket?.destroy());
      return;
    }
    send(res, response, call);
  };

  const server = createServer((req, res) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks), arrived).catch((error: unknown) => {
        // A bug in the fake must be loud in the test that hit it, like a PHP fatal error would be.
        send(res, { status: 500, headers: { 'Content-Type': 'text/plain' }, body: String(error) }, undefined);
      });
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // An RST rather than a FIN, so the client sees ECONNRESET at once instead of a half-open connection.
    if (takeFault(true) === 'refuse') socket.resetAndDestroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  url = `http://${host}:${address.port}`;

  return {
    url,
    token,
    limitedToken,
    calls,
    site,
    setFault(next, opts) {
      fault = next === null ? null : { fault: next, remaining: opts?.times, wsfunction: opts?.wsfunction };
    },
    setLatency(ms) {
      latency = ms;
    },
    setLatencyModel(next) {
      model = next;
      cpu = new CpuPool(next?.cores ?? 1);
    },
    timings,
    reset() {
      site.seed(initialDebug);
      calls.length = 0;
      timings.length = 0;
      fault = null;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
