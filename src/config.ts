// Reads and validates every setting once, from an injectable environment (process.env plus .env by default).
// All problems are reported together, each naming the variable, what a valid value looks like and where to find it.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { POLICY_KEYS } from './core/operations/registry.js';
import type { ProxySettings } from './outbound-proxy.js';
import { Secret } from './secret.js';
import { SETTING_HELP } from './setting-help.js';
import { parseDatabaseUrl } from './store/database-url.js';

export { SETTING_HELP } from './setting-help.js';

/** The per-operation policy keys (APPROVAL_REQUIRED and the like), from the operation registry. */
export const OPERATIONS = POLICY_KEYS;
export type Operation = string;

export type RoleEntry =
  | { kind: 'user'; id: string }
  | { kind: 'group'; id: string }
  | { kind: 'workspace_admins' }
  | { kind: 'everyone' };

export type PasswordMode = 'email' | 'generate';

export interface Config {
  readonly slack: {
    readonly mode: 'socket' | 'http';
    readonly botToken: Secret;
    readonly signingSecret: Secret | undefined;
    readonly appToken: Secret | undefined;
    /** Web API base URL ending in a slash, e.g. https://slack.com/api/ */
    readonly apiUrl: string | undefined;
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

export const DEFAULT_ROLE_IDS: Readonly<Record<string, number>> = { student: 5, teacher: 4, editingteacher: 3 };

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

const csv = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const required = (name: string) =>
  z
    .string({ error: `${name} is required` })
    .trim()
    .min(1, { error: `${name} is required` });

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

const roleList = (name: string, allowEveryone: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx): RoleEntry[] => {
      const entries: RoleEntry[] = [];
      for (const item of csv(value)) {
        if (/^[UW][A-Z0-9]{2,}$/.test(item)) entries.push({ kind: 'user', id: item });
        else if (/^S[A-Z0-9]{2,}$/.test(item)) entries.push({ kind: 'group', id: item });
        else if (item === 'workspace_admins') entries.push({ kind: 'workspace_admins' });
        else if (item === 'everyone' && allowEveryone) entries.push({ kind: 'everyone' });
        else
          ctx.addIssue({
            code: 'custom',
            message: `${name} has "${item}", which is not a Slack user id (U…/W…), a user-group id (S…), workspace_admins${allowEveryone ? ' or everyone' : ''}`,
          });
      }
      return entries;
    });

const intIn = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return fallback;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `${name} must be a whole number from ${min} to ${max}, not "${value}"`,
        });
        return z.NEVER;
      }
      return n;
    });

const roleIds = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): Record<string, number> => {
    if (value === undefined || value === '') return { ...DEFAULT_ROLE_IDS };
    const ids: Record<string, number> = {};
    for (const item of csv(value)) {
      const m = /^([A-Za-z0-9_-]+)\s*:\s*(\d+)$/.exec(item);
      const id = Number(m?.[2]);
      if (!m?.[1] || !Number.isSafeInteger(id) || id < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `ROLE_IDS has "${item}", which is not a role short name and a positive id (e.g. student:5)`,
        });
      } else if (m[1] in ids) {
        ctx.addIssue({ code: 'custom', message: `ROLE_IDS names the role "${m[1]}" twice` });
      } else {
        ids[m[1]] = id;
      }
    }
    return ids;
  });

/** ROLE_IDS on its own, for the doctor when other settings are wrong: undefined when it is not valid. */
export function readRoleIds(value: string | undefined): Record<string, number> | undefined {
  const parsed = roleIds.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const channelId = (name: string) =>
  z.string().regex(/^[CGD][A-Z0-9]{2,}$/, { error: `${name} must be a channel id such as C0123456789, not a name` });

const schema = z.object({
  SLACK_BOT_TOKEN: required('SLACK_BOT_TOKEN').startsWith('xoxb-', { error: 'SLACK_BOT_TOKEN must start with xoxb-' }),
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional.refine((v) => v === undefined || v.startsWith('xapp-'), {
    error: 'SLACK_APP_TOKEN must start with xapp-',
  }),
  SLACK_API_URL: optional.refine((v) => v === undefined || URL.canParse(v), {
    error: 'SLACK_API_URL must be a URL such as http://127.0.0.1:4000/api/',
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
  APPROVAL_REQUIRED: z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return new Set<Operation>(['delete']);
      const ops = new Set<Operation>();
      for (const item of csv(value)) {
        if (item === 'none') continue;
        if (OPERATIONS.includes(item)) ops.add(item);
        else
          ctx.addIssue({
            code: 'custom',
            message: `APPROVAL_REQUIRED has "${item}"; use operations from ${OPERATIONS.join(',')} or none`,
          });
      }
      return ops;
    }),
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

const proxyUrl = z.string().refine(
  (v) => {
    if (!URL.canParse(v)) return false;
    const u = new URL(v);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  },
  // The value is not repeated: a proxy URL can hold a password.
  { error: 'must be a proxy URL such as http://proxy.example.org:3128' },
);

/**
 * The proxy settings, by the names curl and most tools read (the lower-case name wins, as there). Problems are
 * returned with the variable's upper-case name, for the report every other setting's problems go in.
 */
export function readProxySettings(env: Record<string, string | undefined>): {
  proxy: ProxySettings | undefined;
  issues: Array<{ name: string; message: string }>;
} {
  const issues: Array<{ name: string; message: string }> = [];
  const read = (name: 'HTTPS_PROXY' | 'HTTP_PROXY'): Secret | undefined => {
    const lower = name.toLowerCase();
    const raw = env[lower]?.trim() || env[name]?.trim();
    if (!raw) return undefined;
    const parsed = proxyUrl.safeParse(raw);
    if (!parsed.success) {
      issues.push({ name, message: `${env[lower]?.trim() ? lower : name} ${parsed.error.issues[0]?.message}` });
      return undefined;
    }
    return new Secret(parsed.data);
  };
  const httpsProxy = read('HTTPS_PROXY');
  const httpProxy = read('HTTP_PROXY');
  const noProxy = (env.no_proxy?.trim() || env.NO_PROXY?.trim()) ?? '';
  const proxy =
    httpsProxy || httpProxy ? { httpsProxy, httpProxy, noProxy: noProxy === '' ? undefined : noProxy } : undefined;
  return { proxy, issues };
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
