// The fake Slack and fake Moodle in their own process, for the benchmarks: started by bench/apps.ts startFakes()
// through bench/child.ts. Its first IPC message is {slack, moodle} with their URLs and tokens; it then answers
// reset, activity (calls seen so far), moodleLatency (how long each Moodle call takes, its work included), and
// moodleModel / moodleTimings (the latency model of a real site, and the calls it served).
import { moodle45Model, startFakeMoodle } from '../test/fakes/fake-moodle/index.js';
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
    /** { scale, cores } sets the model of docs/moodle/bulk-timings.md (latency.ts); null goes back to a fixed latency. */
    moodleModel: (args) => {
      const model = args as { scale: number; cores: number } | null;
      moodle.setLatencyModel(model ? moodle45Model(model.scale, model.cores) : null);
    },
    /** The calls the model served since the last time asked (and forgets them). */
    moodleTimings: () => moodle.timings.splice(0),
  },
  async () => {
    await slack.close();
    await moodle.close();
  },
);
