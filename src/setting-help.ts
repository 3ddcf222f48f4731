// Where an operator finds each setting's value: printed with every problem in the settings, so that the fix is
// one read away.
import { POLICY_SETTING_HELP } from './config-policy.js';

export const SETTING_HELP: Record<string, string> = {
  SLACK_BOT_TOKEN: 'api.slack.com/apps > your app > OAuth & Permissions > Bot User OAuth Token (xoxb-…)',
  SLACK_SIGNING_SECRET: 'api.slack.com/apps > your app > Basic Information > App Credentials > Signing Secret',
  SLACK_APP_TOKEN:
    'api.slack.com/apps > your app > Basic Information > App-Level Tokens, with the connections:write scope (xapp-…)',
  SLACK_API_URL: 'leave unset in production; tests point it at a local fake',
  SLACK_FILES_URL: 'leave unset in production (https://files.slack.com); tests point it at a local fake',
  MOODLE_URL: 'the address of your Moodle site, e.g. https://lms.example.org',
  MOODLE_TOKEN: 'Moodle: Site administration > Server > Web services > Manage tokens (32 hex characters)',
  MOODLE_TIMEOUT_MS: 'milliseconds to wait for one Moodle call, e.g. 15000',
  SLACK_REQUESTERS: 'comma-separated Slack user ids (U…/W…), user-group ids (S…), workspace_admins or everyone',
  SLACK_APPROVERS: 'comma-separated Slack user ids (U…/W…), user-group ids (S…), workspace_admins or everyone',
  SLACK_ADMINS: 'comma-separated Slack user ids (U…/W…), user-group ids (S…) or workspace_admins',
  ...POLICY_SETTING_HELP,
  APPROVAL_CHANNEL: "the channel's id (C… or G…): in Slack, open the channel details; the id is at the bottom",
  NOTIFY_CHANNEL: "the channel's id (C… or G…); defaults to APPROVAL_CHANNEL",
  REQUEST_TTL_HOURS: 'hours after which a pending request expires, e.g. 72',
  DEFAULT_AUTH: 'a Moodle auth plugin name listed in ALLOWED_AUTH, e.g. manual',
  ALLOWED_AUTH: 'comma-separated Moodle auth plugin names, e.g. manual,oauth2',
  PASSWORD_MODE: 'email (Moodle mails a generated password) or generate (shown once to the requester)',
  PROTECTED_USERS: 'comma-separated Moodle usernames the app must never change',
  DATABASE_URL: 'sqlite:path/to/file.db, or postgres://user:password@host:5432/database for several replicas',
  PORT: 'a TCP port number, e.g. 3000',
  LOG_LEVEL: 'one of fatal, error, warn, info, debug, trace, silent',
  HTTPS_PROXY:
    'only where this server reaches the internet through a proxy: its URL, e.g. http://proxy.example.org:3128 (user:password@ allowed)',
  HTTP_PROXY: 'the proxy for http:// addresses (e.g. a Moodle site on plain HTTP), same form as HTTPS_PROXY',
  NO_PROXY: 'comma-separated hosts reached without the proxy, e.g. lms.example.org,.internal,10.0.0.5',
  ROLE_IDS:
    "comma-separated role short name:id pairs, e.g. student:5,teacher:4,editingteacher:3; Moodle lists the roles under Site administration > Users > Permissions > Define roles (the id is in each role's edit link: roleid=…)",
  METRICS: 'on (GET /metrics serves Prometheus metrics) or off',
  METRICS_TOKEN: 'a long random string (e.g. openssl rand -hex 24); Prometheus sends it as a bearer token',
};
