// Outbound HTTP through a forward proxy, for schools and companies whose servers reach the internet only through
// one. Node 20's fetch and http read no proxy settings from the environment, so every outbound client (the Moodle
// client, the Slack Web API clients, respond() and the Socket Mode WebSocket) is given undici's EnvHttpProxyAgent
// with the settings config.ts read: HTTPS_PROXY / HTTP_PROXY (tunnelled with CONNECT) and NO_PROXY. A proxy URL can
// hold a user name and password, so it is kept as a Secret and only ever shown without them.
import { type Agent, type Dispatcher, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import type { Secret } from './secret.js';

export interface ProxySettings {
  /** For https:// destinations (Slack, most Moodle sites). */
  readonly httpsProxy: Secret | undefined;
  /** For http:// destinations. */
  readonly httpProxy: Secret | undefined;
  /** Hosts reached directly, comma-separated (curl's syntax: example.org, .example.org, 10.0.0.1, *). */
  readonly noProxy: string | undefined;
}

/**
 * A dispatcher that sends each request through the proxy for its scheme, or directly for NO_PROXY hosts. Settings
 * left unset are passed as empty, so that undici does not fall back to process.env behind config's back.
 */
export function createProxyDispatcher(proxy: ProxySettings, agent: Agent.Options = {}): Dispatcher {
  return new EnvHttpProxyAgent({
    ...agent,
    httpsProxy: proxy.httpsProxy?.reveal() ?? '',
    httpProxy: proxy.httpProxy?.reveal() ?? '',
    noProxy: proxy.noProxy ?? '',
  });
}

const shared = new WeakMap<ProxySettings, Dispatcher>();

/**
 * One pool per settings object (the configuration's), for clients that cannot close what they are given (the Slack
 * SDKs): every Web API client, respond() and the Socket Mode WebSocket of a process share it.
 */
export function sharedProxyDispatcher(proxy: ProxySettings): Dispatcher {
  let dispatcher = shared.get(proxy);
  if (!dispatcher) {
    dispatcher = createProxyDispatcher(proxy);
    shared.set(proxy, dispatcher);
  }
  return dispatcher;
}

/** A fetch for the Slack SDKs (their `fetch` option) that goes through `dispatcher`. */
export function fetchThrough(dispatcher: Dispatcher): typeof globalThis.fetch {
  return ((input: Parameters<typeof undiciFetch>[0], init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
}

/** The proxy a request to `url` is sent through (before NO_PROXY): undici uses HTTP_PROXY for https:// too when
 * HTTPS_PROXY is unset. */
export function proxyFor(proxy: ProxySettings | undefined, url: string): Secret | undefined {
  if (!proxy) return undefined;
  return url.startsWith('https:') ? (proxy.httpsProxy ?? proxy.httpProxy) : proxy.httpProxy;
}

/**
 * The HTTP status with which a proxy refused to open a tunnel (undici's ProxyAgent: "Proxy response (407) !== 200
 * when HTTP Tunneling", or its 407 shortcut), found anywhere in an error's cause chain (fetch wraps it twice).
 */
export function proxyRefusalStatus(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth += 1) {
    const message = (e as { message?: unknown }).message;
    if (typeof message !== 'string') continue;
    const status = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling/.exec(message)?.[1];
    if (status) return status;
    if (message.startsWith('Proxy Authentication Required (407)')) return '407';
  }
  return undefined;
}

/** A proxy URL as it may be logged: scheme, host and port, never the user name or password. */
export function describeProxyUrl(url: Secret | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url.reveal());
    return `${u.protocol}//${u.host}${u.username || u.password ? ' (with credentials)' : ''}`;
  } catch {
    return '(unreadable)';
  }
}

/** What a log line may say about the proxy settings. */
export function describeProxy(proxy: ProxySettings): Record<string, string> {
  const fields: Record<string, string> = {};
  const https = describeProxyUrl(proxy.httpsProxy);
  const http = describeProxyUrl(proxy.httpProxy);
  if (https) fields.httpsProxy = https;
  if (http) fields.httpProxy = http;
  if (proxy.noProxy) fields.noProxy = proxy.noProxy;
  return fields;
}
