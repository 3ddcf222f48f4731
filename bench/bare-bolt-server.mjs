// Baseline process for the start-up and memory benchmarks: a bare Bolt app on an HTTPReceiver (only acks
// /moodle-adduser) plus /healthz and /readyz, on the port given in PORT. Plain JavaScript so that node runs it as is.
import { createServer } from 'node:http';
import bolt from '@slack/bolt';

const { App, HTTPReceiver, LogLevel } = bolt;
const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  processBeforeResponse: false,
  logLevel: LogLevel.ERROR,
});
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  logLevel: LogLevel.ERROR,
});
app.command('/moodle-adduser', async ({ ack }) => {
  await ack();
});
const server = createServer((req, res) => {
  if (req.url === '/healthz' || req.url === '/readyz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  try {
    receiver.requestListener(req, res);
  } catch {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
