// `npm run fake-slack`: the fake Slack Web API on a port, for trying `npm run doctor` (or the app) without a
// workspace. Prints the SLACK_* settings to paste.
import { parseArgs } from 'node:util';
import { explainListenError, parsePort } from '../launcher.js';
import { FakeSlack } from './fake-slack.js';

const USAGE = 'usage: npm run fake-slack -- [--port 4000] [--missing-scope SCOPE]...';

async function main(): Promise<number> {
  let values: { port: string; 'missing-scope': string[]; help: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '4000' },
        'missing-scope': { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const port = parsePort(values.port);
  if (port === undefined) {
    console.error(`--port must be a port number from 0 to 65535, not "${values.port}".\n${USAGE}`);
    return 2;
  }
  let slack: FakeSlack;
  try {
    slack = await FakeSlack.start({ port });
  } catch (error) {
    const message = explainListenError(error, { fake: 'fake Slack', script: 'fake-slack', host: '127.0.0.1', port });
    if (!message) throw error;
    console.error(message);
    return 1;
  }
  slack.scopes = slack.scopes.filter((s) => !values['missing-scope'].includes(s));
  process.stdout.write(
    `Fake Slack Web API listening on ${slack.apiUrl}\n\n` +
      `SLACK_API_URL=${slack.apiUrl} SLACK_BOT_TOKEN=${slack.botToken} SLACK_SIGNING_SECRET=fake-signing-secret ` +
      'SLACK_APPROVERS=U0APPROVER APPROVAL_CHANNEL=C0APPROVALS NOTIFY_CHANNEL=C0NOTIFY\n',
  );
  const stop = () => void slack.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return 0;
}

process.exitCode = await main();
