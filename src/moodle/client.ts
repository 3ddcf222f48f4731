// The Moodle web-service client (the MoodleGateway port over REST): the transport (transport.ts) and one method
// file per area on its one `call`, so retries, errors, logging and secret scrubbing live in one place.
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import type { DryRunGateway } from '../core/gateway/dry-run.js';
import type { MoodleGateway } from '../core/moodle-gateway.js';
import { createProxyDispatcher, describeProxyUrl, type ProxySettings, proxyFor } from '../outbound-proxy.js';
import type { Secret } from '../secret.js';
import { createCohortMethods } from './cohorts.js';
import { createCourseMethods } from './courses.js';
import { createDryRunGateway } from './dry-run.js';
import { createEnrolmentMethods } from './enrolments.js';
import type { MoodleCaller } from './method-kit.js';
import { createSiteMethods, type SiteMethods } from './site.js';
import { createMoodleCaller, type MoodleTransport } from './transport.js';
import { createUserWrites } from './user-writes.js';
import { createUserLookups } from './users.js';

export type { CallKind } from './method-kit.js';
export type { FunctionProbe } from './site.js';
export { GET_USERS_CRITERION_KEYS } from './users.js';

export interface MoodleClientOptions {
  /** Site root, e.g. https://lms.example.org (a trailing slash is ignored). */
  url: string;
  token: Secret;
  /** Per call, covering the wait for headers and for the whole body. */
  timeoutMs: number;
  /** Transport (tests inject a MockAgent); default: a keep-alive Agent owned and closed by the client. */
  dispatcher?: Dispatcher;
  /** Outbound proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY): the client's own Agent then goes through it. */
  proxy?: ProxySettings | undefined;
  logger?: Logger;
  /** How many times reads are retried after a transport failure or 5xx (default 2). Writes are never retried. */
  readRetries?: number;
  /** First retry delay in ms (default 200; doubles, at most 2000). */
  retryMinDelayMs?: number;
  /** Told of every call (each retry is one) for the metrics: its function, duration and error code if it failed. */
  observe?: MoodleTransport['observe'];
}

export interface MoodleClient extends MoodleGateway, SiteMethods {
  /** A gateway for one dry run: reads go to Moodle through this client, writes are recorded, never sent. */
  dryRun(): DryRunGateway;
  /** The REST endpoint (no token in it). */
  readonly endpoint: string;
  /** See MoodleCaller.call. */
  call: MoodleCaller['call'];
  close(): Promise<void>;
}

export function createMoodleClient(options: MoodleClientOptions): MoodleClient {
  const base = new URL(options.url);
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new Error(`MOODLE_URL must start with https:// or http://, got ${base.protocol}`);
  }
  const endpoint = `${base.origin}${base.pathname.replace(/\/+$/, '')}/webservice/rest/server.php`;
  const timeoutMs = options.timeoutMs;
  const ownDispatcher = options.dispatcher === undefined;
  const agentOptions = { keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connect: { timeout: timeoutMs } };
  const dispatcher =
    options.dispatcher ??
    (options.proxy ? createProxyDispatcher(options.proxy, agentOptions) : new Agent(agentOptions));
  const caller = createMoodleCaller({
    endpoint,
    host: base.host,
    proxyName: describeProxyUrl(proxyFor(options.proxy, base.href)),
    token: options.token,
    timeoutMs,
    dispatcher,
    log: options.logger?.child({ component: 'moodle-client' }),
    readRetries: options.readRetries ?? 2,
    retryMinDelayMs: options.retryMinDelayMs ?? 200,
    observe: options.observe,
  });
  const methodsOver = (over: MoodleCaller) => ({
    ...createSiteMethods(over),
    ...createUserLookups(over),
    ...createUserWrites(over, options.token),
    ...createCourseMethods(over),
    ...createEnrolmentMethods(over),
    ...createCohortMethods(over),
  });
  return {
    endpoint,
    call: caller.call,
    ...methodsOver(caller),
    dryRun: () => createDryRunGateway(caller, methodsOver),
    async close(): Promise<void> {
      if (ownDispatcher) await dispatcher.close();
    },
  };
}
