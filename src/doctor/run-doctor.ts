// Runs the whole setup check: settings, then Moodle, then Slack. Used by `npm run doctor` and by
// `/moodle-user doctor`. With half-valid settings it still checks whatever the valid part allows.
import type { webApi } from '@slack/bolt';
import { type Config, ConfigError, loadConfig, readProxySettings, readRoleIds } from '../config.js';
import type { ProxySettings } from '../outbound-proxy.js';
import { Secret } from '../secret.js';
import { type CheckResult, type DoctorReport, toReport } from './checklist.js';
import { type DoctorMoodle, runMoodleChecks } from './moodle-checks.js';
import { runSlackChecks } from './slack-checks.js';

export interface DoctorFactories {
  createMoodle(options: {
    url: string;
    token: Secret;
    timeoutMs: number;
    proxy: ProxySettings | undefined;
  }): DoctorMoodle & { close(): Promise<void> };
  createSlack(options: {
    token: Secret;
    apiUrl: string | undefined;
    proxy: ProxySettings | undefined;
  }): webApi.WebClient;
  requiredScopes: readonly string[];
}

/** The doctor for a running app, whose settings were already validated at start-up. */
export function runDoctorForConfig(config: Config, factories: DoctorFactories): Promise<DoctorReport> {
  return runDoctor({}, factories, config);
}

export async function runDoctor(
  env: Record<string, string | undefined>,
  factories: DoctorFactories,
  validConfig?: Config,
): Promise<DoctorReport> {
  const results: CheckResult[] = [];
  let config: Config | undefined = validConfig;
  let bad = new Set<string>();
  try {
    config ??= loadConfig(env);
    results.push({ id: 'settings', status: 'ok', title: 'Settings', detail: 'all valid' });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    bad = new Set(err.variables);
    results.push({
      id: 'settings',
      status: 'fail',
      title: 'Settings',
      detail: `${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}`,
      fix: err.problems.join('\n         '),
    });
  }

  // The checks go the way the app would: through the proxy when one is set (and valid).
  const proxy = config ? config.proxy : readProxySettings(env).proxy;
  const moodleUrl =
    config?.moodle.url ?? (bad.has('MOODLE_URL') ? undefined : env.MOODLE_URL?.trim().replace(/\/+$/, ''));
  const moodleToken = config?.moodle.token ?? (bad.has('MOODLE_TOKEN') ? undefined : env.MOODLE_TOKEN?.trim());
  if (moodleUrl && moodleToken) {
    const moodle = factories.createMoodle({
      url: moodleUrl,
      token: moodleToken instanceof Secret ? moodleToken : new Secret(moodleToken),
      timeoutMs: config?.moodle.timeoutMs ?? 15_000,
      proxy,
    });
    try {
      const roleIds = config?.roleIds ?? readRoleIds(env.ROLE_IDS);
      results.push(...(await runMoodleChecks({ moodle, url: moodleUrl, roleIds })));
    } finally {
      await moodle.close();
    }
  } else {
    results.push({
      id: 'moodle.reachable',
      status: 'skip',
      title: 'Moodle',
      detail: 'needs MOODLE_URL and MOODLE_TOKEN',
    });
  }

  const botToken = config?.slack.botToken ?? (bad.has('SLACK_BOT_TOKEN') ? undefined : env.SLACK_BOT_TOKEN?.trim());
  if (botToken) {
    const apiUrl =
      config?.slack.apiUrl ?? (bad.has('SLACK_API_URL') ? undefined : env.SLACK_API_URL?.trim() || undefined);
    const client = factories.createSlack({
      token: botToken instanceof Secret ? botToken : new Secret(botToken),
      apiUrl,
      proxy,
    });
    const channels: Array<{ id: string; setting: string }> = [];
    const approval =
      config?.approvalChannel ?? (bad.has('APPROVAL_CHANNEL') ? undefined : env.APPROVAL_CHANNEL?.trim());
    if (approval) channels.push({ id: approval, setting: 'APPROVAL_CHANNEL' });
    const notify = config?.notifyChannel ?? (bad.has('NOTIFY_CHANNEL') ? undefined : env.NOTIFY_CHANNEL?.trim());
    if (notify) channels.push({ id: notify, setting: 'NOTIFY_CHANNEL' });
    results.push(...(await runSlackChecks({ client, requiredScopes: factories.requiredScopes, channels })));
  } else {
    results.push({ id: 'slack.auth', status: 'skip', title: 'Slack', detail: 'needs SLACK_BOT_TOKEN' });
  }
  return toReport(results);
}
