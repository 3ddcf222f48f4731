// The mutable model behind the fake Moodle: users, settings, roles, services and tokens, seeded like one of the
// recording sites (profiles.ts); courses, enrolments and cohorts live in its catalogue.
import { createHash, randomBytes } from 'node:crypto';
import { FakeCatalogue } from './catalogue.js';
import type { FakeMoodleDebug } from './errors.js';
import type { FakeSiteProfile } from './profiles.js';

export interface FakeMoodleSettings {
  enablewebservices: boolean;
  /** Comma-separated enabled protocols, as Moodle's `webserviceprotocols`; REST is on when it lists `rest`. */
  webserviceprotocols: string;
  allowaccountssameemail: boolean;
  passwordpolicy: boolean;
  minpasswordlength: number;
  minpassworddigits: number;
  minpasswordlower: number;
  minpasswordupper: number;
  minpasswordnonalphanum: number;
  maxconsecutiveidentchars: number;
  extendedusernamechars: boolean;
  debug: FakeMoodleDebug;
  /** `$CFG->showuseridentity`; default `email` (docs/moodle/ws-reference.md §2.4). */
  showuseridentity: string[];
}

export interface FakeUser {
  id: number;
  username: string;
  auth: string;
  /** sha256 of the password; '' when none is set (createpassword before the mail, or not cached). */
  passwordHash: string;
  firstname: string;
  lastname: string;
  email: string;
  idnumber: string;
  institution: string;
  department: string;
  address: string;
  phone1: string;
  phone2: string;
  city: string;
  country: string;
  lang: string;
  calendartype: string;
  theme: string;
  timezone: string;
  description: string;
  firstnamephonetic: string;
  lastnamephonetic: string;
  middlename: string;
  alternatename: string;
  interests: string[];
  maildisplay: number;
  mailformat: number;
  maildigest: number;
  autosubscribe: number;
  trackforums: number;
  suspended: boolean;
  deleted: boolean;
  confirmed: boolean;
  firstaccess: number;
  lastaccess: number;
  timecreated: number;
  timemodified: number;
  /** Ordered user preferences; values are strings except `_lastloaded`-style ints (d8). */
  preferences: Array<[string, string | number]>;
  privateaccesskey: string;
}

export type NewUser = Partial<Omit<FakeUser, 'id' | 'passwordHash'>> & {
  username: string;
  password?: string;
};

export interface FakeToken {
  token: string;
  userid: number;
  service: string;
}

export interface FakeMail {
  to: string;
  subject: string;
}

export function hashPassword(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

export function randomHex32(): string {
  return randomBytes(16).toString('hex');
}

const USER_DEFAULTS: Omit<FakeUser, 'id' | 'username' | 'privateaccesskey' | 'preferences' | 'interests'> = {
  auth: 'manual',
  passwordHash: '',
  firstname: '',
  lastname: '',
  email: '',
  idnumber: '',
  institution: '',
  department: '',
  address: '',
  phone1: '',
  phone2: '',
  city: '',
  country: '',
  lang: 'en',
  calendartype: 'gregorian',
  theme: '',
  timezone: '99',
  description: '',
  firstnamephonetic: '',
  lastnamephonetic: '',
  middlename: '',
  alternatename: '',
  maildisplay: 2,
  mailformat: 1,
  maildigest: 0,
  autosubscribe: 1,
  trackforums: 0,
  suspended: false,
  deleted: false,
  confirmed: true,
  firstaccess: 0,
  lastaccess: 0,
  timecreated: 0,
  timemodified: 0,
};

export class FakeMoodleSite {
  settings!: FakeMoodleSettings;
  /** Every user, deleted ones included, in id order. */
  users: FakeUser[] = [];
  /** Password e-mails "sent" after a createpassword commit (b1). */
  mail: FakeMail[] = [];
  /** role shortname -> capabilities allowed in the system context. */
  readonly roles = new Map<string, Set<string>>();
  /** userid -> role shortnames assigned in the system context. */
  readonly roleAssignments = new Map<number, Set<string>>();
  /** service shortname -> function names, in the order they were added. */
  readonly services = new Map<string, string[]>();
  tokens: FakeToken[] = [];
  siteAdmins = new Set<number>();
  /** Theme revision used in picture URLs (d1: `/theme/image.php/boost/core/<rev>/u/f1`). */
  themerev = 0;
  readonly catalogue = new FakeCatalogue();
  readonly profile: FakeSiteProfile;
  private nextId = 4;
  private readonly clock: () => number;
  private readonly seedTokens: { token: string; limitedToken: string };

  constructor(clock: () => number, seedTokens: { token: string; limitedToken: string }, profile: FakeSiteProfile) {
    this.clock = clock;
    this.seedTokens = seedTokens;
    this.profile = profile;
    this.seed();
  }

  /** Seconds since the epoch, like PHP's time(). */
  now(): number {
    return Math.floor(this.clock() / 1000);
  }

  /** Restores the seeded state: guest 1, admin 2, api-user 3 with the profile's role, services and tokens. */
  seed(debug: FakeMoodleDebug = 'none'): void {
    const now = this.now();
    this.settings = {
      enablewebservices: true,
      webserviceprotocols: 'rest',
      allowaccountssameemail: false,
      passwordpolicy: true,
      minpasswordlength: 8,
      minpassworddigits: 1,
      minpasswordlower: 1,
      minpasswordupper: 1,
      minpasswordnonalphanum: 1,
      maxconsecutiveidentchars: 0,
      extendedusernamechars: false,
      debug,
      showuseridentity: ['email'],
    };
    this.users = [];
    this.mail = [];
    this.roles.clear();
    this.roleAssignments.clear();
    this.services.clear();
    this.siteAdmins = new Set([2]);
    this.themerev = now;
    this.nextId = 1;
    // d8 shows the seeded accounts exactly (guest lastname is a single space).
    this.addUser({ username: 'guest', firstname: 'Guest user', lastname: ' ', email: 'root@localhost' });
    this.addUser({
      username: 'admin',
      firstname: 'Admin',
      lastname: 'User',
      email: 'admin@example.com',
      password: 'Admin#12345',
    });
    this.addUser({
      username: 'api-user',
      ...this.profile.apiUser,
      email: 'api-user@example.com',
      password: 'ApiUser#2025',
      preferences: [
        ['auth_manual_passwordupdatetime', String(now)],
        ['last_time_enrolments_synced', String(now)],
        ['login_failed_count_since_success', '13'],
      ],
    });
    this.roles.set('api-user', new Set(this.profile.capabilities));
    this.roleAssignments.set(3, new Set(['api-user']));
    this.services.set('user_creation', [...this.profile.functions]);
    const site = { fullname: this.profile.sitename, shortname: this.profile.siteShortname, now };
    this.catalogue.seed(site, this.profile.learning, 'api-user');
    this.services.set('limited', ['core_webservice_get_site_info']);
    this.tokens = [
      { token: this.seedTokens.token, userid: 3, service: 'user_creation' },
      { token: this.seedTokens.limitedToken, userid: 3, service: 'limited' },
    ];
  }

  /** Adds a user directly (no web-service checks) and returns its id; ids are never reused. */
  addUser(input: NewUser): number {
    const { password, ...fields } = input;
    const id = this.allocateId();
    const now = this.now();
    const user: FakeUser = {
      ...USER_DEFAULTS,
      timecreated: now,
      timemodified: now,
      preferences: [],
      interests: [],
      privateaccesskey: randomHex32(),
      ...fields,
      passwordHash: password === undefined ? '' : hashPassword(password),
      id,
    };
    this.users.push(user);
    return id;
  }

  /** Allocates the next id (a PostgreSQL sequence: consumed even when the insert is later rolled back). */
  allocateId(): number {
    const id = this.nextId;
    this.nextId += 1;
    return id;
  }

  /** Moves the id sequence forward (e.g. to 121 to replay the recording with its ids); never backwards. */
  setNextUserId(id: number): void {
    if (id < this.nextId) throw new Error(`next user id ${id} would reuse ids (next is ${this.nextId})`);
    this.nextId = id;
  }

  get nextUserId(): number {
    return this.nextId;
  }

  findUser(username: string): FakeUser | undefined {
    return this.users.find((u) => u.username === username);
  }

  getUser(id: number): FakeUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  /** The user ids of the recording's fixture accounts (b1-b3), created as those calls did. */
  seedRecordingUsers(): { alice: number; bob: number; carol: number; dave: number } {
    const alice = this.addUser({
      username: 'gt_alice',
      firstname: 'Alice',
      lastname: 'Anderson',
      email: 'gt_alice@example.com',
      preferences: [['auth_forcepasswordchange', '1']],
    });
    const bob = this.addUser({
      username: 'gt_bob',
      firstname: 'Bob',
      lastname: 'Brown',
      email: 'gt_bob@example.com',
      password: 'Str0ng!Pass',
    });
    const carol = this.addUser({
      username: 'gt_carol',
      firstname: 'Carol',
      lastname: 'Clark',
      email: 'gt_carol@example.com',
      password: 'Str0ng!Pass',
    });
    const dave = this.addUser({
      username: 'gt_dave',
      firstname: 'Dave',
      lastname: 'Davis',
      email: 'gt_dave@example.com',
      preferences: [['auth_forcepasswordchange', '1']],
    });
    return { alice, bob, carol, dave };
  }

  removeCapability(capability: string, role = 'api-user'): void {
    this.roles.get(role)?.delete(capability);
  }

  addCapability(capability: string, role = 'api-user'): void {
    const caps = this.roles.get(role) ?? new Set<string>();
    caps.add(capability);
    this.roles.set(role, caps);
  }

  assignRole(userid: number, role: string): void {
    if (!this.roles.has(role)) this.roles.set(role, new Set());
    const assigned = this.roleAssignments.get(userid) ?? new Set<string>();
    assigned.add(role);
    this.roleAssignments.set(userid, assigned);
  }

  /** has_capability in the system context: site admins have every capability. */
  hasCapability(userid: number, capability: string): boolean {
    if (this.siteAdmins.has(userid)) return true;
    for (const role of this.roleAssignments.get(userid) ?? []) {
      if (this.roles.get(role)?.has(capability)) return true;
    }
    return false;
  }

  setServiceFunctions(service: string, functions: readonly string[]): void {
    this.services.set(service, [...functions]);
  }

  setSiteAdmin(userid: number, admin: boolean): void {
    if (admin) this.siteAdmins.add(userid);
    else this.siteAdmins.delete(userid);
  }

  isSiteAdmin(userid: number): boolean {
    return this.siteAdmins.has(userid);
  }

  /** Adds a permanent token for (user, service) and returns it (32 lowercase hex unless given). */
  addToken(userid: number, service: string, token: string = randomHex32()): string {
    if (!this.services.has(service)) this.services.set(service, []);
    this.tokens.push({ token, userid, service });
    return token;
  }

  removeToken(token: string): void {
    this.tokens = this.tokens.filter((t) => t.token !== token);
  }

  getPreference(userid: number, name: string): string | number | undefined {
    return this.getUser(userid)?.preferences.find(([n]) => n === name)?.[1];
  }

  setPreference(userid: number, name: string, value: string): void {
    const user = this.getUser(userid);
    if (!user) return;
    const existing = user.preferences.find(([n]) => n === name);
    if (existing) existing[1] = value;
    else user.preferences.push([name, value]);
  }

  /** Deep copy of the users, for the all-or-nothing transactions of create and delete. */
  snapshotUsers(): FakeUser[] {
    return this.users.map((u) => ({
      ...u,
      interests: [...u.interests],
      preferences: u.preferences.map(([n, v]) => [n, v] as [string, string | number]),
    }));
  }
}
