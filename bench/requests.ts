// The requests the load generator sends: signed slash commands as Slack sends them (form body, HMAC signature over
// the timestamp and body), with a response_url on the fake Slack. Built in the load generator's process, so signing
// costs the app under test nothing.
import { buildSlashCommand, encodeForm, FORM_CONTENT_TYPE, nowSeconds, signRequest } from '../test/fakes/sign.js';
import type { LoadRequest } from './load.js';

/** The signing secret both apps under test are started with. */
export const BENCH_SIGNING_SECRET = 'bench-signing-secret-5d1c9e0a7b3f42e6';

export type RequestKind = 'adduser' | 'help' | 'help-and-health';

/** A signed slash command from a requester; `text` defaults to a new person per index. */
export function signedAddUser(slackUrl: string, tag: string, index: number, text?: string): LoadRequest {
  const body = encodeForm(
    buildSlashCommand({
      command: '/moodle-adduser',
      text: text ?? `bench.${tag}.${index}@example.org Bench User${tag}x${index}`,
      response_url: `${slackUrl}/response/${encodeURIComponent(`resp-${tag}-${index}`)}`,
      trigger_id: `${index}.${Date.now()}.${tag}`,
    }),
  );
  const timestamp = nowSeconds();
  return {
    method: 'POST',
    path: '/slack/events',
    headers: {
      'content-type': FORM_CONTENT_TYPE,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': signRequest(BENCH_SIGNING_SECRET, timestamp, body),
    },
    body,
  };
}

/**
 * `adduser`: a create per request; `help`: `/moodle-adduser help` (the same ack path, one reply after it);
 * `help-and-health`: one in four GET /healthz, the rest `/moodle-adduser help`.
 */
export function buildRequest(kind: RequestKind, slackUrl: string, tag: string, index: number): LoadRequest {
  if (kind === 'adduser') return signedAddUser(slackUrl, tag, index);
  if (kind === 'help') return signedAddUser(slackUrl, tag, index, 'help');
  return index % 4 === 0 ? { method: 'GET', path: '/healthz' } : signedAddUser(slackUrl, tag, index, 'help');
}
