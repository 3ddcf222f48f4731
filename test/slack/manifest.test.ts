// manifest.yml is the source of truth for commands and scopes: what it declares must be what the code registers
// and what the start-up check requires, in both directions.
import { readFileSync } from 'node:fs';
import { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { buildDependencies } from '../../src/main.js';
import { REQUIRED_BOT_SCOPES } from '../../src/slack/app.js';
import { COMMANDS } from '../../src/slack/ids.js';
import { registerListeners } from '../../src/slack/listeners/index.js';

interface Manifest {
  features: {
    app_home: { home_tab_enabled: boolean };
    slash_commands: Array<{ command: string; description: string; usage_hint?: string; should_escape?: boolean }>;
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions?: { bot_events: string[] };
    interactivity: { is_enabled: boolean };
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
  display_information: { name: string; description: string };
}

const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as Manifest;

/** The command and event names registerListeners registers, recorded on a real (never started) Bolt app. */
async function registered(): Promise<{ commands: string[]; events: string[] }> {
  const app = new App({ token: 'xoxb-unit-test', signingSecret: 'unit-test-secret', deferInitialization: true });
  const seen: string[] = [];
  const events: string[] = [];
  const original = app.command.bind(app);
  app.command = ((name: string | RegExp, ...listeners: Parameters<typeof original>[1][]) => {
    seen.push(String(name));
    return original(name, ...listeners);
  }) as typeof app.command;
  const originalEvent = app.event.bind(app);
  app.event = ((name: string, ...listeners: Parameters<typeof originalEvent>[1][]) => {
    events.push(String(name));
    return originalEvent(name, ...listeners);
  }) as typeof app.event;
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-unit-test',
    SLACK_SIGNING_SECRET: 'unit-test-secret',
    MOODLE_URL: 'https://lms.example.org',
    MOODLE_TOKEN: '0123456789abcdef0123456789abcdef',
    SLACK_APPROVERS: 'U0APPROVER',
    APPROVAL_CHANNEL: 'C0APPROVALS',
    DATABASE_URL: 'sqlite::memory:',
  });
  const { logger } = createLogger({ level: 'silent' });
  const deps = await buildDependencies(config, logger);
  registerListeners(app, deps.listenerDeps);
  for (const closer of deps.closers) await closer.close();
  return { commands: seen, events };
}

async function registeredCommands(): Promise<string[]> {
  return (await registered()).commands;
}

describe('manifest.yml', () => {
  it('declares exactly the slash commands the app registers', async () => {
    const declared = manifest.features.slash_commands.map((c) => c.command).sort();
    expect((await registeredCommands()).sort()).toEqual(declared);
    expect(declared).toEqual(Object.values(COMMANDS).sort());
  });

  it('subscribes to exactly the events the app listens to, and enables the Home tab it publishes', async () => {
    expect((await registered()).events.sort()).toEqual(
      [...(manifest.settings.event_subscriptions?.bot_events ?? [])].sort(),
    );
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });

  it('gives every command a description and usage hint within Slack limits', () => {
    for (const command of manifest.features.slash_commands) {
      expect(command.command).toMatch(/^\/[a-z0-9-]{1,31}$/);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.description.length).toBeLessThanOrEqual(2000);
      expect(command.usage_hint?.length ?? 0).toBeLessThanOrEqual(1000);
      expect(command.should_escape).toBe(false);
    }
    expect(manifest.display_information.name.length).toBeLessThanOrEqual(35);
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
  });

  it('requests exactly the bot scopes the start-up check requires', () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...REQUIRED_BOT_SCOPES].sort());
  });

  it('enables interactivity and Socket Mode, without token rotation', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.token_rotation_enabled).toBe(false);
  });
});
