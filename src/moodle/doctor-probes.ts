// The two probes the setup doctor needs beyond the client: telling "web services off" from "REST off" (both give
// an empty 403 on server.php) through login/token.php, and whether a function is in the token's service.
import { request } from 'undici';
import type { DoctorMoodle } from '../doctor/moodle-checks.js';
import { createProxyDispatcher, type ProxySettings } from '../outbound-proxy.js';
import type { MoodleClient } from './client.js';

/**
 * login/token.php answers `enablewsdescription` when web services are off, whatever the protocols, and
 * `missingparam` otherwise when called without parameters (ws-reference §4). No credential is sent. It goes
 * through the outbound proxy as the client's calls do: a site reachable only through it cannot answer otherwise.
 */
async function probeWebServicesEnabled(
  siteUrl: string,
  timeoutMs: number,
  proxy: ProxySettings | undefined,
): Promise<boolean | undefined> {
  const url = `${siteUrl.replace(/\/+$/, '')}/login/token.php`;
  const dispatcher = proxy ? createProxyDispatcher(proxy) : undefined;
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const text = await res.body.text();
    const parsed: unknown = JSON.parse(text);
    const errorcode = (parsed as { errorcode?: unknown } | null)?.errorcode;
    if (errorcode === 'enablewsdescription') return false;
    if (typeof errorcode === 'string') return true;
    return undefined;
  } catch {
    return undefined;
  } finally {
    await dispatcher?.close();
  }
}

/** The client with the doctor's probes added. */
export function withDoctorProbes(
  client: MoodleClient,
  siteUrl: string,
  timeoutMs: number,
  proxy: ProxySettings | undefined,
): DoctorMoodle & MoodleClient {
  return Object.assign(Object.create(client) as MoodleClient, client, {
    webServicesEnabled: () => probeWebServicesEnabled(siteUrl, timeoutMs, proxy),
    isFunctionInService: async (wsfunction: string) => (await client.probeFunction(wsfunction)) === 'available',
  });
}
