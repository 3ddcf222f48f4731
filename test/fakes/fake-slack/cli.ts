// `npm run fake-slack`: the fake Slack Web API on a port, for trying `npm run doctor` (or the app) without a
// workspace. Prints the SLACK_* settings to paste.
import { parseArgs } from 'node:util';
import { FakeSlack } from './fake-slack.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4000' },
    'missing-scope': { type: 'string', multiple: true, default: [] },
  },
});

const slack = await FakeSlack.start({ port: Number(values.port) });
slack.scopes = slack.scopes.filter((s) => !(values['missing-scope'] ?? []).includes(s));
process.stdout.write(
  `Fake Slack Web API listening on ${slack.apiUrl}\n\n` +
    `SLACK_API_URL=${slack.apiUrl} SLACK_BOT_TOKEN=${slack.botToken} SLACK_SIGNING_SECRET=fake-signing-secret ` +
    'SLACK_APPROVERS=U0APPROVER APPROVAL_CHANNEL=C0APPROVALS NOTIFY_CHANNEL=C0NOTIFY\n',
);
const stop = () => void slack.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
