// The helpers behind outbound proxy support: which proxy a URL goes through, how a proxy URL may be shown, and how a
// proxy's refusal is recognised in undici's errors.
import { describe, expect, it } from 'vitest';
import { describeProxy, describeProxyUrl, proxyFor, proxyRefusalStatus } from '../src/outbound-proxy.js';
import { Secret } from '../src/secret.js';

const https = new Secret('http://alice:pa55-word@proxy.example.org:3128');
const http = new Secret('http://plain.example.org:8080');

describe('outbound proxy helpers', () => {
  it('picks HTTPS_PROXY for https:// and HTTP_PROXY for http://, HTTP_PROXY for both when it is the only one', () => {
    expect(proxyFor({ httpsProxy: https, httpProxy: http, noProxy: undefined }, 'https://slack.com/api/')).toBe(https);
    expect(proxyFor({ httpsProxy: https, httpProxy: http, noProxy: undefined }, 'http://lms.local')).toBe(http);
    expect(proxyFor({ httpsProxy: undefined, httpProxy: http, noProxy: undefined }, 'https://slack.com/')).toBe(http);
    expect(
      proxyFor({ httpsProxy: https, httpProxy: undefined, noProxy: undefined }, 'http://lms.local'),
    ).toBeUndefined();
    expect(proxyFor(undefined, 'https://slack.com/')).toBeUndefined();
  });

  it('shows a proxy without its user name and password', () => {
    expect(describeProxyUrl(https)).toBe('http://proxy.example.org:3128 (with credentials)');
    expect(describeProxyUrl(http)).toBe('http://plain.example.org:8080');
    const fields = describeProxy({ httpsProxy: https, httpProxy: http, noProxy: '.internal' });
    expect(fields).toEqual({
      httpsProxy: 'http://proxy.example.org:3128 (with credentials)',
      httpProxy: 'http://plain.example.org:8080',
      noProxy: '.internal',
    });
    expect(JSON.stringify(fields)).not.toContain('pa55-word');
  });

  it("finds the proxy's refusal anywhere in the cause chain, and nothing in other errors", () => {
    const tunnel = new Error('Proxy response (403) !== 200 when HTTP Tunneling');
    const wrapped = new TypeError('fetch failed', { cause: new Error('Request was cancelled.', { cause: tunnel }) });
    expect(proxyRefusalStatus(wrapped)).toBe('403');
    expect(proxyRefusalStatus(new Error('Proxy Authentication Required (407)'))).toBe('407');
    expect(
      proxyRefusalStatus(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBeUndefined();
    expect(proxyRefusalStatus(undefined)).toBeUndefined();
  });
});
