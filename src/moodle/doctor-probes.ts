// The probes the setup doctor needs beyond the client: telling "web services off" from "REST off" (both give an
// empty 403 on server.php) through login/token.php, whether a function is in the token's service, a course to
// check course access with, and a moodle/cohort:assign check that Moodle rolls back.
import { request } from 'undici';
import type { MoodleCourse } from '../core/gateway/courses.js';
import type { DoctorMoodle } from '../doctor/moodle-checks.js';
import { createProxyDispatcher, type ProxySettings } from '../outbound-proxy.js';
import type { MoodleClient } from './client.js';
import { getCoursesByFieldResponseSchema, toMoodleCourse } from './courses.js';

/**
 * login/token.php answers `enablewsdescription` when web services are off, whatever the protocols, and
 * `missingparam` otherwise when called without parameters (docs/moodle/ws-reference.md §4). No credential is sent. It goes
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

/** Every course once (no field): the first that is not the front page, as the token user sees it. */
async function firstCourse(client: MoodleClient): Promise<MoodleCourse | undefined> {
  const fn = 'core_course_get_courses_by_field';
  const body = await client.call(fn, {}, { kind: 'read' });
  const parsed = getCoursesByFieldResponseSchema.parse(body);
  const course = parsed.courses.find((c) => c.categoryid !== 0 && c.format !== 'site');
  return course && toMoodleCourse(course);
}

/**
 * Removes `userId` from `cohortId` and from cohort 0 (no cohort has id 0) in one call. Moodle checks
 * moodle/cohort:assign on the first item, fails on the second with invalidrecord and keeps nothing: the call is
 * all-or-nothing (recording f17).
 */
async function probeCohortAssign(client: MoodleClient, cohortId: number, userId: number): Promise<void> {
  const members = [
    { cohortid: cohortId, userid: userId },
    { cohortid: 0, userid: userId },
  ];
  await client.call('core_cohort_delete_cohort_members', { members }, { kind: 'write' });
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
    firstCourse: () => firstCourse(client),
    probeCohortAssign: (cohortId: number, userId: number) => probeCohortAssign(client, cohortId, userId),
  });
}
