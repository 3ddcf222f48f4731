// The settings the doctor tests run with: valid ones pointing at the fake Moodle and the fake Slack.
import type { FakeMoodle } from '../fakes/fake-moodle/index.js';
import type { FakeSlack } from '../fakes/fake-slack/fake-slack.js';

export function doctorEnv(
  moodle: FakeMoodle,
  slack: FakeSlack,
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: 'doctor-test-signing-secret',
    SLACK_API_URL: slack.apiUrl,
    MOODLE_URL: moodle.url,
    MOODLE_TOKEN: moodle.token,
    MOODLE_TIMEOUT_MS: '2000',
    SLACK_APPROVERS: 'U0APPROVER',
    APPROVAL_CHANNEL: 'C0APPROVALS',
    NOTIFY_CHANNEL: 'C0NOTIFY',
    ...overrides,
  };
}
