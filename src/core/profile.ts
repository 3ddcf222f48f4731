// The profile fields a request carries, as stored: the schemas strip every key they do not name, so a password or
// token that slipped into an object on its way here is dropped before anything is written.
import { z } from 'zod';
import { PROFILE_FIELDS, type UserProfileFields } from './moodle-gateway.js';

export { PROFILE_FIELDS };
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export const FIELD_KEYS: ReadonlySet<string> = new Set<string>(PROFILE_FIELDS);

const optionalText = z.string().exactOptional();
export const userProfileFieldsSchema = z.object({
  username: z.string(),
  email: z.string(),
  firstname: z.string(),
  lastname: z.string(),
  auth: z.string(),
  idnumber: optionalText,
  institution: optionalText,
  department: optionalText,
  city: optionalText,
  country: optionalText,
  lang: optionalText,
  timezone: optionalText,
  phone1: optionalText,
  phone2: optionalText,
  address: optionalText,
}) satisfies z.ZodType<UserProfileFields>;

/** One field's change; `before` is '' when the field was empty. Used for updates and for approver corrections. */
export interface FieldChange {
  field: ProfileField;
  before: string;
  after: string;
}
export const fieldChangeSchema = z.object({
  field: z.enum(PROFILE_FIELDS),
  before: z.string(),
  after: z.string(),
}) satisfies z.ZodType<FieldChange>;
