// Small request helpers for the fake Moodle's own tests (plain fetch, form-encoded like the real client).
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';

export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

export async function callRest(
  fake: FakeMoodle,
  wsfunction: string,
  params: Record<string, string> = {},
  token: string = fake.token,
): Promise<RawAnswer> {
  const body = new URLSearchParams({ wstoken: token, wsfunction, moodlewsrestformat: 'json', ...params });
  const response = await fetch(`${fake.url}/webservice/rest/server.php`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
}

/** Form fields for one user of core_user_create_users at index i. */
export function userFields(i: number, username: string, extra: Record<string, string> = {}): Record<string, string> {
  const fields: Record<string, string> = {
    username,
    firstname: 'First',
    lastname: 'Last',
    email: `${username}@example.com`,
    password: 'Str0ng!Pass',
    ...extra,
  };
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [`users[${i}][${k}]`, v]));
}
