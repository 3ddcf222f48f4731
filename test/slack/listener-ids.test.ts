// Every button id in ids.ts has an action listener and every submittable modal a view listener, and nothing is
// registered under an id that no builder uses: a renamed id cannot leave a button or a form without a handler.
import { App } from '@slack/bolt';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildDependencies } from '../../src/main.js';
import { ACTION_IDS, CALLBACK_IDS } from '../../src/slack/ids.js';
import { registerListeners } from '../../src/slack/listeners/index.js';

const config = loadConfig({
  SLACK_BOT_TOKEN: 'xoxb-unit-test',
  SLACK_SIGNING_SECRET: 'unit-test-secret',
  MOODLE_URL: 'https://lms.example.org',
  MOODLE_TOKEN: '0123456789abcdef0123456789abcdef',
  SLACK_APPROVERS: 'U0APPROVER',
  APPROVAL_CHANNEL: 'C0APPROVALS',
  DATABASE_URL: 'sqlite::memory:',
});
const deps = await buildDependencies(config, createLogger({ level: 'silent' }).logger);
afterAll(async () => {
  for (const closer of deps.closers) await closer.close();
});

function registered(): { actions: string[]; views: string[] } {
  const app = new App({ token: 'xoxb-unit-test', signingSecret: 'unit-test-secret', deferInitialization: true });
  const actions: string[] = [];
  const views: string[] = [];
  const action = app.action.bind(app);
  const view = app.view.bind(app);
  app.action = ((id: unknown, ...rest: unknown[]) => {
    actions.push(String(id));
    return (action as (...a: unknown[]) => unknown)(id, ...rest);
  }) as typeof app.action;
  app.view = ((id: unknown, ...rest: unknown[]) => {
    views.push(String(id));
    return (view as (...a: unknown[]) => unknown)(id, ...rest);
  }) as typeof app.view;
  registerListeners(app, deps.listenerDeps);
  return { actions, views };
}

describe('listener ids', () => {
  const { actions, views } = registered();

  it('registers exactly one action listener per button id', () => {
    expect([...actions].sort()).toEqual(Object.values(ACTION_IDS).sort());
  });

  it('registers a view listener for every modal that can be submitted', () => {
    const submittable = Object.values(CALLBACK_IDS).filter((id) => id !== CALLBACK_IDS.accountNoticeModal);
    expect([...views].sort()).toEqual(submittable.sort());
  });
});
