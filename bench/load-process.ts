// The load generator in its own process (started through bench/child.ts): builds, signs and sends the requests and
// times each answer, so that neither its CPU nor its event loop is shared with the app under test.
import { serveParent } from './child.js';
import { runLoad } from './load.js';
import { buildRequest, type RequestKind } from './requests.js';

export interface LoadSpec {
  baseUrl: string;
  /** See runLoad's baseUrls. */
  baseUrls?: string[];
  total: number;
  concurrency: number;
  deadlineMs: number;
  kind: RequestKind;
  tag: string;
  slackUrl: string;
  /** See runLoad's preconnectPath. */
  preconnectPath?: string;
}

export interface RemoteLoadResult {
  latenciesMs: number[];
  statuses: Array<[number, number]>;
  errors: number;
  wallMs: number;
}

serveParent(
  { ready: true },
  {
    run: async (args): Promise<RemoteLoadResult> => {
      const spec = args as LoadSpec;
      const result = await runLoad({
        baseUrl: spec.baseUrl,
        total: spec.total,
        concurrency: spec.concurrency,
        deadlineMs: spec.deadlineMs,
        ...(spec.preconnectPath ? { preconnectPath: spec.preconnectPath } : {}),
        ...(spec.baseUrls ? { baseUrls: spec.baseUrls } : {}),
        build: (i) => buildRequest(spec.kind, spec.slackUrl, spec.tag, i),
      });
      return { ...result, statuses: [...result.statuses] };
    },
  },
  async () => undefined,
);
