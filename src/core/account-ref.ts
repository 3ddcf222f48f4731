// `<user>`: what a person typed (username, email or id), and the one Moodle account it names, looked up
// literally and audited by the caller. Framework-free.
import { z } from 'zod';
import { type AccountSummary, summarizeAccount } from './account-view.js';
import { isGatewayError, type MoodleGateway, type MoodleUser } from './moodle-gateway.js';
import { describeUnavailable } from './request-words.js';
import { quoteForMessage, USERNAME_CHARS } from './user-record.js';

export type AccountRef =
  | { by: 'id'; id: number }
  | { by: 'email'; email: string }
  | { by: 'username'; username: string }
  /** Digits only: an id, or a username made of digits (student numbers). Both are looked up. */
  | { by: 'number'; id: number; username: string };

const refTextSchema = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().min(1, 'Say which account: a username, an email address or a Moodle id.').max(255));

/** `id:12`, `username:12`, `email:a@b.org` force one reading; otherwise digits are an id (or username), `@` an email. */
export function parseAccountRef(text: string): { ok: true; ref: AccountRef } | { ok: false; message: string } {
  const parsed = refTextSchema.safeParse(text);
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues[0]?.message ?? 'Say which account you mean.' };
  }
  const value = parsed.data;
  const prefixed = /^(id|username|email):(.+)$/i.exec(value);
  if (prefixed) {
    const kind = prefixed[1]!.toLowerCase();
    const rest = prefixed[2]!.trim();
    if (kind === 'id') {
      const id = parseId(rest);
      return id === undefined
        ? { ok: false, message: `${quoteForMessage(rest)} is not a Moodle user id (a whole number such as 42).` }
        : { ok: true, ref: { by: 'id', id } };
    }
    if (kind === 'email') return { ok: true, ref: { by: 'email', email: rest } };
    return { ok: true, ref: { by: 'username', username: rest.toLowerCase() } };
  }
  if (/^\d+$/.test(value)) {
    const id = parseId(value);
    if (id === undefined) return { ok: true, ref: { by: 'username', username: value } };
    return { ok: true, ref: { by: 'number', id, username: value } };
  }
  if (/^[^\s@]+@[^\s@]+$/.test(value)) return { ok: true, ref: { by: 'email', email: value } };
  // Moodle stores usernames in lowercase; JDoe means jdoe.
  return { ok: true, ref: { by: 'username', username: value.toLowerCase() } };
}

function parseId(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function describeRef(ref: AccountRef): string {
  switch (ref.by) {
    case 'id':
      return `id ${ref.id}`;
    case 'number':
      return `id or username ${ref.username}`;
    case 'email':
      return `email ${quoteForMessage(ref.email)}`;
    case 'username':
      return `username ${quoteForMessage(ref.username)}`;
  }
}

/** "jdoe (Jane Doe, id 42)" */
export function describeAccount(user: Pick<MoodleUser, 'username' | 'id' | 'fullname'>): string {
  const name = user.fullname.trim();
  return `${user.username} (${name ? `${name}, ` : ''}id ${user.id})`;
}

export type LookupOutcome =
  | { kind: 'found'; user: MoodleUser }
  | { kind: 'not_found'; message: string }
  /** Several accounts match (two accounts sharing an email, or an id and a numeric username): enough to choose. */
  | { kind: 'ambiguous'; users: AccountSummary[]; message: string }
  | { kind: 'bad_ref'; message: string }
  /** `code`: the gateway's error code (LOOKUP_TOO_BROAD when Moodle answered with too many accounts). */
  | { kind: 'unavailable'; message: string; code?: string };

function unavailable(err: unknown, what: string): { kind: 'unavailable'; message: string; code?: string } {
  return {
    kind: 'unavailable',
    message: describeUnavailable(err, what),
    ...(isGatewayError(err) ? { code: err.code } : {}),
  };
}

function dedupe(users: MoodleUser[]): MoodleUser[] {
  return [...new Map(users.map((u) => [u.id, u])).values()];
}

/** Looks `<user>` up: by id, by username, or by email ignoring case (like Moodle's own duplicate check). */
export async function lookUpAccount(gateway: MoodleGateway, ref: AccountRef): Promise<LookupOutcome> {
  let users: MoodleUser[];
  try {
    switch (ref.by) {
      case 'id':
        users = await gateway.getUsersByField('id', [ref.id]);
        break;
      case 'username':
        users = await gateway.getUsersByField('username', [ref.username]);
        break;
      case 'number': {
        const [byId, byName] = await Promise.all([
          gateway.getUsersByField('id', [ref.id]),
          gateway.getUsersByField('username', [ref.username]),
        ]);
        users = dedupe([...byId, ...byName]);
        break;
      }
      case 'email': {
        // A username may contain @ too; an email match comes first. Text no username can hold (a + or %) is not
        // sent as one: Moodle would refuse the whole look-up.
        const asUsername = ref.email.toLowerCase();
        const [byEmail, byName] = await Promise.all([
          gateway.findUsersByEmail(ref.email),
          USERNAME_CHARS.test(asUsername) ? gateway.getUsersByField('username', [asUsername]) : [],
        ]);
        users = byEmail.length > 0 ? byEmail : byName;
        break;
      }
    }
  } catch (err) {
    return unavailable(err, `look up ${describeRef(ref)}`);
  }
  const [first] = users;
  if (users.length === 0 || first === undefined) {
    return {
      kind: 'not_found',
      message: `No Moodle account has the ${describeRef(ref)}.${ref.by === 'id' || ref.by === 'number' ? '' : ' Check the spelling, or use the Moodle id.'}`,
    };
  }
  if (users.length === 1) return { kind: 'found', user: first };
  const listed = users.map(describeAccount).join(', ');
  const message =
    ref.by === 'email'
      ? `${users.length} Moodle accounts share the email ${quoteForMessage(ref.email)}: ${listed}. Say which one with its username.`
      : `${ref.by === 'number' ? ref.username : 'That'} is the id of one account and the username of another: ${listed}. Write id:${ref.by === 'number' ? ref.id : ''} or username:${ref.by === 'number' ? ref.username : ''} to say which.`;
  return { kind: 'ambiguous', users: users.map(summarizeAccount), message };
}
