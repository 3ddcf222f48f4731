// Response schemas, one per web-service function (shapes from docs/moodle/real-responses.md), plus the exception envelope
// that every function may answer instead. Moodle omits optional keys rather than sending null.
import { z } from 'zod';
import { type MoodleUser, OPTIONAL_PROFILE_FIELDS, type SiteInfo } from '../core/moodle-gateway.js';

export const exceptionEnvelopeSchema = z.object({
  exception: z.string(),
  errorcode: z.string().optional(),
  message: z.string().optional(),
  debuginfo: z.string().nullish(),
});

/** True when a parsed body is Moodle's exception envelope (checked before any success schema). */
export function looksLikeException(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'exception' in body;
}

const optionalText = z.string().optional();
const optionalInt = z.number().int().optional();

export const userSchema = z.object({
  id: z.number().int(),
  // Present whenever the token user may see it (moodle/user:viewalldetails); required for everything we do.
  username: z.string(),
  // Moodle leaves out fields that are empty, so absent means empty here.
  firstname: z.string().default(''),
  lastname: z.string().default(''),
  fullname: z.string(),
  email: z.string().default(''),
  auth: z.string(),
  suspended: z.boolean(),
  confirmed: z.boolean(),
  department: optionalText,
  institution: optionalText,
  idnumber: optionalText,
  city: optionalText,
  country: optionalText,
  lang: optionalText,
  timezone: optionalText,
  phone1: optionalText,
  phone2: optionalText,
  address: optionalText,
  firstaccess: optionalInt,
  lastaccess: optionalInt,
});

/** The port's MoodleUser from a parsed user (optional keys copied only when present). */
export function toMoodleUser(u: z.infer<typeof userSchema>): MoodleUser {
  const user: MoodleUser = {
    id: u.id,
    username: u.username,
    firstname: u.firstname,
    lastname: u.lastname,
    fullname: u.fullname,
    email: u.email,
    auth: u.auth,
    suspended: u.suspended,
    confirmed: u.confirmed,
  };
  for (const key of OPTIONAL_PROFILE_FIELDS) {
    const value = u[key];
    if (value !== undefined) user[key] = value;
  }
  if (u.firstaccess !== undefined) user.firstaccess = u.firstaccess;
  if (u.lastaccess !== undefined) user.lastaccess = u.lastaccess;
  return user;
}

export const warningSchema = z.object({
  item: z.string().optional(),
  itemid: z.number().int().optional(),
  warningcode: z.string(),
  message: z.string(),
});

export const createUsersResponseSchema = z.array(z.object({ id: z.number().int(), username: z.string() }));
export const updateUsersResponseSchema = z.object({ warnings: z.array(warningSchema) });
/** core_user_delete_users returns the 4-byte body `null`. */
export const deleteUsersResponseSchema = z.null();
export const getUsersByFieldResponseSchema = z.array(userSchema);
export const getUsersResponseSchema = z.object({ users: z.array(userSchema), warnings: z.array(warningSchema) });

export const siteInfoResponseSchema = z.object({
  sitename: z.string(),
  siteurl: z.string(),
  release: z.string(),
  version: z.string(),
  userid: z.number().int(),
  username: z.string(),
  fullname: z.string(),
  userissiteadmin: z.boolean(),
  functions: z.array(z.object({ name: z.string(), version: z.union([z.string(), z.number()]) })),
});

export function toSiteInfo(s: z.infer<typeof siteInfoResponseSchema>): SiteInfo {
  return {
    sitename: s.sitename,
    siteurl: s.siteurl,
    release: s.release,
    version: s.version,
    userid: s.userid,
    username: s.username,
    fullname: s.fullname,
    userissiteadmin: s.userissiteadmin,
    functions: s.functions.map((f) => f.name),
  };
}
