// `npm run fake-moodle`: starts the fake Moodle for manual runs (e.g. `npm run doctor` against it), optionally
// in one of the broken states of docs/moodle/real-responses.md (g3, g4, g2, g8/g9, Appendix A/B).
import { parseArgs } from 'node:util';
import { explainListenError, readLauncherOptions } from '../launcher.js';
import { type FakeMoodle, type FakeMoodleDebug, startFakeMoodle } from './index.js';

const SITES = ['complete', 'users-recording', 'enrolment-recording'];
const USAGE = `usage: npm run fake-moodle -- [--site ${SITES.join('|')}] [--port 8080] [--host 127.0.0.1]
  [--debug none|normal|developer]
  [--no-webservices] [--no-rest] [--without-function NAME]... [--without-capability CAP]... [--site-admin]
  [--seed-recording-users] [--latency MS]`;

function parseOptions() {
  return parseArgs({
    options: {
      site: { type: 'string', default: 'complete' },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      debug: { type: 'string', default: 'none' },
      'no-webservices': { type: 'boolean', default: false },
      'no-rest': { type: 'boolean', default: false },
      'without-function': { type: 'string', multiple: true, default: [] },
      'without-capability': { type: 'string', multiple: true, default: [] },
      'site-admin': { type: 'boolean', default: false },
      'seed-recording-users': { type: 'boolean', default: false },
      latency: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
  }).values;
}

async function main(): Promise<number> {
  const options = readLauncherOptions(parseOptions, USAGE);
  if (typeof options === 'number') return options;
  const { values, port } = options;
  const latencyMs = Number(values.latency);
  if (!SITES.includes(values.site) || !['none', 'normal', 'developer'].includes(values.debug) || !(latencyMs >= 0)) {
    console.error(USAGE);
    return 2;
  }
  let fake: FakeMoodle;
  try {
    fake = await startFakeMoodle({ port, host: values.host, debug: values.debug as FakeMoodleDebug, latencyMs });
  } catch (error) {
    const where = { fake: 'fake Moodle', script: 'fake-moodle', host: values.host, port };
    const message = explainListenError(error, where);
    if (!message) throw error;
    console.error(message);
    return 1;
  }
  const site = fake.site;
  if (values['no-webservices']) site.settings.enablewebservices = false;
  if (values['no-rest']) site.settings.webserviceprotocols = '';
  const functions = site.services.get('user_creation') ?? [];
  site.setServiceFunctions(
    'user_creation',
    functions.filter((f) => !values['without-function'].includes(f)),
  );
  for (const cap of values['without-capability']) site.removeCapability(cap);
  if (values['site-admin']) site.setSiteAdmin(3, true);
  if (values['seed-recording-users']) site.seedRecordingUsers();

  // Listening for signals before printing: whoever reads the output may stop it at once.
  const stop = () => {
    fake.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  console.log(`Fake Moodle 4.5.6 listening on ${fake.url}`);
  console.log(`token (service user_creation): ${fake.token}`);
  console.log(`token (service limited):       ${fake.limitedToken}`);
  console.log('');
  console.log(`MOODLE_URL=${fake.url} MOODLE_TOKEN=${fake.token}`);
  return 0;
}

process.exitCode = await main();
