// `npm run fake-slack`: the fake Slack Web API on a port, for trying `npm run doctor` (or the app) without a
// workspace. Prints the SLACK_* settings to paste.
import { parseArgs } from 'node:util';
import { explainListenError, readLauncherOptions } from '../launcher.js';
import { FakeSlack } from './fake-slack.js';

const USAGE = 'usage: npm run fake-slack -- [--port 4000] [--missing-scope SCOPE]...';

async function main(): Promise<number> {
  const options = readLauncherOptions(
    () =>
      parseArgs({
        options: {
          port: { type: 'string', default: '4000' },
          'missing-scope': { type: 'string', multiple: true, default: [] },
          help: { type: 'boolean', default: false },
        },
      }).values,
    USAGE,
  );
  if (typeof options === 'number') return options;
  const { values, port } = options;
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
  // Listening for signals before printing: whoever reads the output may stop it at once.
  const stop = () => void slack.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.write(
    `Fake Slack Web API listening on ${slack.apiUrl}\n\n` +
      `SLACK_API_URL=${slack.apiUrl} SLACK_BOT_TOKEN=${slack.botToken} SLACK_SIGNING_SECRET=fake-signing-secret ` +
      'SLACK_APPROVERS=U0APPROVER APPROVAL_CHANNEL=C0APPROVALS NOTIFY_CHANNEL=C0NOTIFY\n',
  );
  return 0;
}

process.exitCode = await main();
