// `moodle-provisioner doctor` (`npm run doctor`): checks the Moodle and Slack setup from the outside and prints a
// ✓/✗/! checklist with a fix for every ✗. Exit code 0 only when every required check passes.
import { webApi } from '@slack/bolt';
import { renderReportText } from '../doctor/checklist.js';
import { type DoctorFactories, runDoctor } from '../doctor/run-doctor.js';
import { createMoodleClient } from '../moodle/client.js';
import { withDoctorProbes } from '../moodle/doctor-probes.js';
import { fetchThrough, sharedProxyDispatcher } from '../outbound-proxy.js';
import { REQUIRED_BOT_SCOPES } from '../slack/app.js';
import { type CliCommand, parseCommandOptions } from './command.js';

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
  if (report.results.some((r) => r.id === 'settings' && r.status === 'fail')) {
    // A first run often has no settings at all: say where they are read from.
    out(
      `\nSettings are read from the environment and from a .env file in ${process.cwd()} (see .env.example);\n` +
        'with Docker, pass them with docker run --env-file .env.\n',
    );
  }
  return report.ok ? 0 : 1;
}

export const DOCTOR_USAGE = `Usage: moodle-provisioner doctor

Checks, in order: the settings; Moodle reachable, web services and REST enabled, the token, the site and its
user, each function and capability, least privilege; Slack's token, its scopes and the channels. Prints ✓ / ✗ / !
with a fix for every ✗. Reads the same settings as start (the environment and .env); changes nothing.
Exit 0 when every required check passes, 1 when one fails, 2 when the check itself could not run.`;

export const doctorCommand: CliCommand = {
  usage: DOCTOR_USAGE,
  async run(argv, io) {
    parseCommandOptions(argv, {});
    try {
      return await runDoctorCli(io.env, io.stdout);
    } catch (err) {
      io.stderr(`The doctor itself failed: ${err instanceof Error ? err.message : String(err)}\n`);
      return 2;
    }
  },
};
