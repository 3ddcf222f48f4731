// Reads and validates every setting once, from an injectable environment (process.env plus .env by default).
// All problems are reported together, each naming the variable, what a valid value looks like and where to find it.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { channelId, csv, intIn, optional, type RoleEntry, required, roleIds, roleList } from './config-parsers.js';
import { approvalCounts, expiryAction, operationList } from './config-policy.js';
import { PROXY_SETTINGS, readProxySettings } from './config-proxy.js';
import type { ProxySettings } from './outbound-proxy.js';
import { Secret } from './secret.js';
import { SETTING_HELP } from './setting-help.js';
import { parseDatabaseUrl } from './store/database-url.js';

export { type RoleEntry, readRoleIds } from './config-parsers.js';
export { readProxySettings } from './config-proxy.js';
export { SETTING_HELP } from './setting-help.js';

/** A per-operation policy key (APPROVAL_REQUIRED and the like): the operation registry's POLICY_KEYS. */
export type Operation = string;

export type PasswordMode = 'email' | 'generate';

export interface Config {
  readonly slack: {
    readonly mode: 'socket' | 'http';
    readonly botToken: Secret;
    readonly signingSecret: Secret | undefined;
    readonly appToken: Secret | undefined;
    /** Web API base URL ending in a slash, e.g. https://slack.com/api/ */
    readonly apiUrl: string | undefined;
    /** Origin of Slack's file host (https://files.slack.com): the only place an attached file is downloaded from. */
    readonly filesUrl: string;
  };
  readonly moodle: {
    /** Site root without a trailing slash. */
    readonly url: string;
    readonly token: Secret;
    readonly timeoutMs: number;
  };
  readonly roles: {
    readonly requesters: readonly RoleEntry[];
    readonly approvers: readonly RoleEntry[];
    readonly admins: readonly RoleEntry[];
  };
  readonly approvalRequired: ReadonlySet<Operation>;
  /** Operations whose request must give a reason (REASON_REQUIRED). */
  readonly reasonRequired: ReadonlySet<Operation>;
  /** Different approvers each operation needs (APPROVALS_REQUIRED); 1 when absent. */
  readonly approvalsRequired: Readonly<Record<Operation, number>>;
  /** Hours before a pending request's reminder (REMIND_AFTER_HOURS); 0: no reminders. */
  readonly remindAfterHours: number;
  /** What an account's end date does (EXPIRY_ACTION), and how many days before it the requester hears of it. */
  readonly expiryAction: 'suspend' | 'delete';
  readonly expiryRemindDays: number;
  readonly approvalChannel: string;
  readonly notifyChannel: string;
  readonly requestTtlHours: number;
  readonly defaultAuth: string;
  readonly allowedAuth: readonly string[];
  readonly passwordMode: PasswordMode;
  readonly protectedUsers: readonly string[];
  readonly databaseUrl: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Outbound HTTP proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); undefined when none is set. */
  readonly proxy: ProxySettings | undefined;
  /** Moodle role ids by role short name (ROLE_IDS): web services cannot list roles. */
  readonly roleIds: Readonly<Record<string, number>>;
  /** GET /metrics (METRICS, METRICS_TOKEN): served unless off; with a token, only to `Authorization: Bearer <token>`. */
  readonly metrics: { readonly enabled: boolean; readonly token: Secret | undefined };
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly problems: readonly string[],
    /** The names of the variables that have a problem, so a caller (the doctor) can still use the others. */
    readonly variables: ReadonlySet<string> = new Set(),
  ) {
    super(
      `moodle-provisioner cannot start: ${problems.length} setting${problems.length === 1 ? '' : 's'} to fix.\n` +
        `Set them in the environment or in a .env file in ${process.cwd()} (see .env.example).\n\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

const schema = z.object({
  SLACK_BOT_TOKEN: required('SLACK_BOT_TOKEN').startsWith('xoxb-', { error: 'SLACK_BOT_TOKEN must start with xoxb-' }),
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional.refine((v) => v === undefined || v.startsWith('xapp-'), {
    error: 'SLACK_APP_TOKEN must start with xapp-',
  }),
  SLACK_API_URL: optional.refine((v) => v === undefined || URL.canParse(v), {
    error: 'SLACK_API_URL must be a URL such as http://127.0.0.1:4000/api/',
  }),
  SLACK_FILES_URL: optional.refine((v) => v === undefined || isOrigin(v), {
    error: 'SLACK_FILES_URL must be an origin such as http://127.0.0.1:4000 (no path, query or credentials)',
  }),
  MOODLE_URL: required('MOODLE_URL').refine(
    (v) => {
      if (!URL.canParse(v)) return false;
      const u = new URL(v);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.search === '' && u.username === '';
    },
    { error: 'MOODLE_URL must be the site address, such as https://lms.example.org (no query, no credentials)' },
  ),
  MOODLE_TOKEN: required('MOODLE_TOKEN').regex(/^[A-Za-z0-9]{16,128}$/, {
    error: 'MOODLE_TOKEN must be the web-service token (32 letters and digits), not a password',
  }),
  MOODLE_TIMEOUT_MS: intIn('MOODLE_TIMEOUT_MS', 100, 600_000, 15_000),
  SLACK_REQUESTERS: roleList('SLACK_REQUESTERS', true),
  SLACK_APPROVERS: roleList('SLACK_APPROVERS', true),
  SLACK_ADMINS: roleList('SLACK_ADMINS', false),
  APPROVAL_REQUIRED: operationList('APPROVAL_REQUIRED', ['delete']),
  REASON_REQUIRED: operationList('REASON_REQUIRED', ['delete']),
  APPROVALS_REQUIRED: approvalCounts,
  REMIND_AFTER_HOURS: intIn('REMIND_AFTER_HOURS', 0, 24 * 30, 24),
  EXPIRY_ACTION: expiryAction,
  EXPIRY_REMIND_DAYS: intIn('EXPIRY_REMIND_DAYS', 0, 365, 7),
  APPROVAL_CHANNEL: required('APPROVAL_CHANNEL').pipe(channelId('APPROVAL_CHANNEL')),
  NOTIFY_CHANNEL: optional.pipe(channelId('NOTIFY_CHANNEL').optional()),
  REQUEST_TTL_HOURS: intIn('REQUEST_TTL_HOURS', 1, 24 * 365, 72),
  DEFAULT_AUTH: optional.transform((v) => v ?? 'manual'),
  ALLOWED_AUTH: optional.transform((v) => (v === undefined ? ['manual'] : csv(v))),
  PASSWORD_MODE: optional.pipe(
    z.enum(['email', 'generate'], { error: 'PASSWORD_MODE must be email or generate' }).default('email'),
  ),
  PROTECTED_USERS: optional.transform((v) => csv(v).map((u) => u.toLowerCase())),
  DATABASE_URL: optional
    .transform((v) => v ?? 'sqlite:data/moodle-provisioner.db')
    .superRefine((v, ctx) => {
      try {
        parseDatabaseUrl(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      }
    }),
  PORT: intIn('PORT', 0, 65_535, 3000),
  LOG_LEVEL: optional.pipe(
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  ROLE_IDS: roleIds,
  METRICS: optional.pipe(z.enum(['on', 'off'], { error: 'METRICS must be on or off' }).default('on')),
  METRICS_TOKEN: optional.refine((v) => v === undefined || /^[\x21-\x7e]{16,}$/.test(v), {
    error: 'METRICS_TOKEN must be at least 16 printable characters without spaces (e.g. openssl rand -hex 24)',
  }),
});

function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const u = new URL(value);
  return (u.protocol === 'https:' || u.protocol === 'http:') && `${u.origin}/` === u.href.replace(/\/?$/, '/');
}

/** Every variable the app reads (.env.example, the README's table and SETTING_HELP must name each; a test checks). */
export const SETTING_NAMES: readonly string[] = [...Object.keys(schema.shape), ...PROXY_SETTINGS];

/** Rules that span several variables; checked on the raw values so that they are reported with all the others. */
function crossCheck(env: Record<string, string | undefined>): z.core.$ZodIssue[] {
  const issues: z.core.$ZodIssue[] = [];
  const add = (name: string, message: string) =>
    issues.push({ code: 'custom', path: [name], message, input: undefined } as z.core.$ZodIssue);
  if (!env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim()) {
    add(
      'SLACK_SIGNING_SECRET',
      'SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN to use Socket Mode)',
    );
  }
  if (csv(env.SLACK_APPROVERS).length === 0) {
    add(
      'SLACK_APPROVERS',
      'SLACK_APPROVERS is required: at least one Slack user id, user-group id or workspace_admins',
    );
  }
  const allowed = env.ALLOWED_AUTH?.trim() ? csv(env.ALLOWED_AUTH) : ['manual'];
  const auth = env.DEFAULT_AUTH?.trim() || 'manual';
  if (!allowed.includes(auth)) {
    add('DEFAULT_AUTH', `DEFAULT_AUTH "${auth}" must be one of ALLOWED_AUTH (${allowed.join(',')})`);
  }
  return issues;
}

/** Reads KEY=value pairs from .env in the working directory, if there is one. The environment wins. */
export function readDotenv(cwd: string = process.cwd()): Record<string, string> {
  const path = resolve(cwd, '.env');
  return existsSync(path) ? parseDotenv(readFileSync(path)) : {};
}

export function defaultEnv(): Record<string, string | undefined> {
  return { ...readDotenv(), ...process.env };
}

/** Validates the environment; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = defaultEnv()): Config {
  const result = schema.safeParse(env);
  const proxy = readProxySettings(env);
  const issues = [
    ...(result.success ? [] : result.error.issues),
    ...crossCheck(env),
    ...proxy.issues.map(
      ({ name, message }) => ({ code: 'custom', path: [name], message, input: undefined }) as z.core.$ZodIssue,
    ),
  ];
  if (!result.success || issues.length > 0) {
    const problems = issues.map((issue) => {
      const name = String(issue.path[0] ?? '');
      const help = SETTING_HELP[name];
      return help ? `${issue.message} (${help})` : issue.message;
    });
    throw new ConfigError([...new Set(problems)], new Set(issues.map((issue) => String(issue.path[0] ?? ''))));
  }
  const e = result.data;
  const config: Config = {
    slack: {
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
      botToken: new Secret(e.SLACK_BOT_TOKEN),
      signingSecret: e.SLACK_SIGNING_SECRET ? new Secret(e.SLACK_SIGNING_SECRET) : undefined,
      appToken: e.SLACK_APP_TOKEN ? new Secret(e.SLACK_APP_TOKEN) : undefined,
      apiUrl: e.SLACK_API_URL ? (e.SLACK_API_URL.endsWith('/') ? e.SLACK_API_URL : `${e.SLACK_API_URL}/`) : undefined,
      filesUrl: e.SLACK_FILES_URL ? new URL(e.SLACK_FILES_URL).origin : 'https://files.slack.com',
    },
    moodle: {
      url: e.MOODLE_URL.replace(/\/+$/, ''),
      token: new Secret(e.MOODLE_TOKEN),
      timeoutMs: e.MOODLE_TIMEOUT_MS,
    },
    roles: {
      requesters: e.SLACK_REQUESTERS.length > 0 ? e.SLACK_REQUESTERS : [{ kind: 'everyone' }],
      approvers: e.SLACK_APPROVERS,
      admins: e.SLACK_ADMINS,
    },
    approvalRequired: e.APPROVAL_REQUIRED,
    reasonRequired: e.REASON_REQUIRED,
    approvalsRequired: e.APPROVALS_REQUIRED,
    remindAfterHours: e.REMIND_AFTER_HOURS,
    expiryAction: e.EXPIRY_ACTION,
    expiryRemindDays: e.EXPIRY_REMIND_DAYS,
    approvalChannel: e.APPROVAL_CHANNEL,
    notifyChannel: e.NOTIFY_CHANNEL ?? e.APPROVAL_CHANNEL,
    requestTtlHours: e.REQUEST_TTL_HOURS,
    defaultAuth: e.DEFAULT_AUTH,
    allowedAuth: e.ALLOWED_AUTH,
    passwordMode: e.PASSWORD_MODE,
    protectedUsers: e.PROTECTED_USERS,
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    proxy: proxy.proxy,
    roleIds: e.ROLE_IDS,
    metrics: { enabled: e.METRICS === 'on', token: e.METRICS_TOKEN ? new Secret(e.METRICS_TOKEN) : undefined },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Secret) && !(value instanceof Set)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
