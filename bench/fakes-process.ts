// The fake Slack and fake Moodle in their own process, for the benchmarks: started by bench/apps.ts startFakes()
// through bench/child.ts. Its first IPC message is {slack, moodle} with their URLs and tokens; it then answers
// reset, activity (calls seen so far), and moodleLatency (how long each Moodle call takes, its work included).
import { startFakeMoodle } from '../test/fakes/fake-moodle/index.js';
import { FakeSlack } from '../test/fakes/fake-slack/fake-slack.js';
import { serveParent } from './child.js';

export interface FakesHello {
  slack: { url: string; apiUrl: string; botToken: string };
  moodle: { url: string; token: string };
}

const slack = await FakeSlack.start();
const moodle = await startFakeMoodle();
const hello: FakesHello = {
  slack: { url: slack.url, apiUrl: slack.apiUrl, botToken: slack.botToken },
  moodle: { url: moodle.url, token: moodle.token },
};

serveParent(
  hello,
  {
    reset: () => {
      slack.reset();
      moodle.reset();
    },
    activity: () => slack.calls.length + slack.responses.length + moodle.calls.length,
    moodleLatency: (ms) => moodle.setLatency(Number(ms)),
  },
  async () => {
    await slack.close();
    await moodle.close();
  },
);
