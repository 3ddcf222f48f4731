// The outbound proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), read apart from the schema because they have
// lower-case twins; the doctor reads them on their own too.
import { z } from 'zod';
import type { ProxySettings } from './outbound-proxy.js';
import { Secret } from './secret.js';

/** The proxy variables, read by their upper-case names and, as curl does, their lower-case ones. */
export const PROXY_SETTINGS = ['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY'] as const;

const proxyUrl = z.string().refine(
  (v) => {
    if (!URL.canParse(v)) return false;
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  },
  // The value is not repeated: a proxy URL can hold a password.
  { error: 'must be a proxy URL such as http://proxy.example.org:3128' },
);

/**
 * The proxy settings, by the names curl and most tools read (the lower-case name wins, as there). Problems are
 * returned with the variable's upper-case name, for the report every other setting's problems go in.
 */
export function readProxySettings(env: Record<string, string | undefined>): {
  proxy: ProxySettings | undefined;
  issues: Array<{ name: string; message: string }>;
} {
  const issues: Array<{ name: string; message: string }> = [];
  const read = (name: Exclude<(typeof PROXY_SETTINGS)[number], 'NO_PROXY'>): Secret | undefined => {
    const lower = name.toLowerCase();
    const raw = env[lower]?.trim() || env[name]?.trim();
    if (!raw) return undefined;
    const parsed = proxyUrl.safeParse(raw);
    if (!parsed.success) {
      issues.push({ name, message: `${env[lower]?.trim() ? lower : name} ${parsed.error.issues[0]?.message}` });
      return undefined;
    }
    return new Secret(parsed.data);
  };
  const httpsProxy = read('HTTPS_PROXY');
  const httpProxy = read('HTTP_PROXY');
  const noProxy = (env.no_proxy?.trim() || env.NO_PROXY?.trim()) ?? '';
  const proxy =
    httpsProxy || httpProxy ? { httpsProxy, httpProxy, noProxy: noProxy === '' ? undefined : noProxy } : undefined;
  return { proxy, issues };
}
