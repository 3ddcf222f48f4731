// .env.example and the README's settings table against what src/config.ts reads: the same variables in all three,
// and every default the two documents show is what the app does when the variable is left out.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTING_HELP, SETTING_NAMES } from '../src/config.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/** `NAME=value` lines; a commented-out one (`# NAME=value`) shows the default, an active one a placeholder. */
function readEnvExample(): Map<string, { value: string; commented: boolean }> {
  const lines = new Map<string, { value: string; commented: boolean }>();
  for (const line of read('.env.example').split('\n')) {
    const match = /^(# )?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match?.[2]) lines.set(match[2], { value: match[3] ?? '', commented: match[1] !== undefined });
  }
  return lines;
}

/** The README's settings table: variable → its default cell as written (`A` / `B` rows split in two). */
function readReadmeDefaults(): Map<string, string> {
  const text = read('README.md');
  const start = text.indexOf('\n## Settings\n');
  const section = text.slice(start, text.indexOf('\n## ', start + 1));
  const defaults = new Map<string, string>();
  for (const row of section.split('\n').filter((line) => line.startsWith('| `'))) {
    const cells = row.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '').trim());
    const names = (cells[0] ?? '').split(' / ').map((n) => n.replaceAll('`', ''));
    const values = (cells.at(-1) ?? '').split(' / ');
    for (const [i, name] of names.entries()) defaults.set(name, values[names.length === values.length ? i : 0] ?? '');
  }
  return defaults;
}

/** A default the README gives as a value (`delete`, 72), not in words ("required", "empty", `APPROVAL_CHANNEL`). */
const isLiteral = (cell: string): boolean =>
  /^\d+$/.test(cell) || (/^`[^`]+`$/.test(cell) && !SETTING_NAMES.includes(cell.slice(1, -1)));
const plain = (cell: string | undefined): string | undefined => cell?.replaceAll('`', '');

// The least the app starts with (HTTP mode); each default is checked against the config it gives.
const base = {
  SLACK_BOT_TOKEN: 'xoxb-test-bot-token',
  SLACK_SIGNING_SECRET: 'sign-secret-value',
  MOODLE_URL: 'https://lms.example.org',
  MOODLE_TOKEN: '0123456789abcdef0123456789abcdef',
  SLACK_APPROVERS: 'U0APPROVER',
  APPROVAL_CHANNEL: 'C0APPROVALS',
};

const envExample = readEnvExample();
const readme = readReadmeDefaults();
const sorted = (names: Iterable<string>) => [...names].sort();

describe('the settings the app reads', () => {
  it('are each in .env.example, in the README table and in SETTING_HELP, and nothing else is', () => {
    expect(SETTING_NAMES.length).toBeGreaterThan(20);
    expect(sorted(envExample.keys())).toEqual(sorted(SETTING_NAMES));
    expect(sorted(readme.keys())).toEqual(sorted(SETTING_NAMES));
    expect(sorted(Object.keys(SETTING_HELP))).toEqual(sorted(SETTING_NAMES));
  });

  it.each([...envExample].filter(([, line]) => line.commented).map(([name, { value }]) => [name, value]))(
    '%s: the commented-out value "%s" in .env.example is the default, and the README says so',
    (name, value) => {
      expect(loadConfig({ ...base, [name]: value })).toEqual(loadConfig(base));
      if (value !== '') expect(plain(readme.get(name))).toBe(value);
    },
  );

  it.each([...readme].filter(([, cell]) => isLiteral(cell)).map(([name]) => [name]))(
    '%s: the README default is the commented-out line of .env.example',
    (name) => {
      expect(envExample.get(name)).toEqual({ value: plain(readme.get(name)), commented: true });
    },
  );

  it.each([...readme].filter(([, value]) => value.startsWith('required')).map(([name]) => [name]))(
    '%s: "required" in the README, and the app refuses to start without it',
    (name) => {
      const env: Record<string, string> = { ...base };
      delete env[name];
      expect(() => loadConfig(env)).toThrow(ConfigError);
      try {
        loadConfig(env);
      } catch (error) {
        expect((error as ConfigError).variables).toContain(name);
      }
      expect(envExample.get(name)?.commented).toBe(false);
    },
  );
});
