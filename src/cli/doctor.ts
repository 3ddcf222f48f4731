// `npm run doctor`: checks the Moodle and Slack setup from the outside and prints a ✓/✗/! checklist with a
// fix for every ✗. Exit code 0 only when every required check passes.
import { pathToFileURL } from 'node:url';
import { webApi } from '@slack/bolt';
import { defaultEnv } from '../config.js';
import { renderReportText } from '../doctor/checklist.js';
import { type DoctorFactories, runDoctor } from '../doctor/run-doctor.js';
import { createMoodleClient } from '../moodle/client.js';
import { withDoctorProbes } from '../moodle/doctor-probes.js';
import { fetchThrough, sharedProxyDispatcher } from '../outbound-proxy.js';
import { REQUIRED_BOT_SCOPES } from '../slack/app.js';

const silentLogger: webApi.Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName() {},
};

export const doctorFactories: DoctorFactories = {
  createMoodle: ({ url, token, timeoutMs, proxy }) =>
    withDoctorProbes(createMoodleClient({ url, token, timeoutMs, readRetries: 0, proxy }), url, timeoutMs, proxy),
  createSlack: ({ token, apiUrl, proxy }) =>
    new webApi.WebClient(token.reveal(), {
      ...(apiUrl ? { slackApiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` } : {}),
      ...(proxy ? { fetch: fetchThrough(sharedProxyDispatcher(proxy)) } : {}),
      retryConfig: { retries: 0 },
      timeout: 10_000,
      logger: silentLogger,
    }),
  requiredScopes: REQUIRED_BOT_SCOPES,
};

export async function runDoctorCli(
  env: Record<string, string | undefined>,
  out: (text: string) => void,
  factories: DoctorFactories = doctorFactories,
): Promise<number> {
  out('moodle-provisioner setup check\n');
  const report = await runDoctor(env, factories);
  out(`${renderReportText(report)}\n`);
  return report.ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDoctorCli(defaultEnv(), (t) => process.stdout.write(t)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`The doctor itself failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
