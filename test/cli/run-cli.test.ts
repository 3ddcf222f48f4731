// The command-line dispatcher: help for the whole tool and for each registered command, exit 64 with "did you mean"
// for a mistyped command, and the commands reached through it with their own arguments and settings.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CliCommandEntry, UsageError } from '../../src/cli/command.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli, suggestCommand } from '../../src/cli/run-cli.js';

async function run(argv: string[], env: Record<string, string | undefined> = {}, commands = COMMANDS) {
  let stdout = '';
  let stderr = '';
  const io = {
    env,
    stdout: (t: string) => {
      stdout += t;
    },
    stderr: (t: string) => {
      stderr += t;
    },
  };
  const code = await runCli(argv, io, commands);
  return { code, stdout, stderr };
}

describe('help', () => {
  it('lists every command with what it does', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const { code, stdout, stderr } = await run(argv);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(/^Usage: moodle-provisioner <command> \[options\]\n/);
      const lines = stdout.split('\n');
      for (const { name, summary } of COMMANDS) {
        expect(lines.some((line) => line.startsWith(`  ${name} `) && line.endsWith(`  ${summary}`))).toBe(true);
      }
    }
  });

  it.each(COMMANDS.map((c) => [c.name]))(
    '%s --help (-h, help <command>) prints its usage and exits 0',
    async (name) => {
      const direct = await run([name, '--help']);
      expect(direct.code).toBe(0);
      expect(direct.stdout).toMatch(new RegExp(`^Usage: moodle-provisioner ${name}\\b`));
      expect(await run(['help', name])).toEqual(direct);
      expect(await run([name, '-h'])).toEqual(direct);
    },
  );

  it('says which commands there are when none is given, and exits 64', async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toContain('which command?');
    expect(stderr).toContain('  doctor  ');
  });

  it('prints the version from package.json', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });
});

describe('mistakes', () => {
  it.each([
    ['docter', 'doctor'],
    ['strat', 'start'],
    ['audti', 'audit'],
    ['Doctor', 'doctor'],
    ['doc', 'doctor'],
    ['migrate', 'migrate-store'],
    ['migrate-stroe', 'migrate-store'],
  ])('%s → exit 64, did you mean "%s"', async (typed, meant) => {
    const { code, stdout, stderr } = await run([typed, '--since', '2026-01-01']);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toContain(`unknown command "${typed}". Did you mean "${meant}"?`);
    expect(stderr).toContain('Commands: start, doctor, audit, migrate-store.');
  });

  it('suggests nothing for a word that is no command', async () => {
    const { code, stderr } = await run(['backup']);
    expect(code).toBe(64);
    expect(stderr).toContain('unknown command "backup".\n');
    expect(suggestCommand('xyz', ['start', 'doctor', 'audit'])).toBeUndefined();
  });

  it('refuses an option before the command', async () => {
    const { code, stderr } = await run(['--verbose', 'doctor']);
    expect(code).toBe(64);
    expect(stderr).toContain('unknown option "--verbose"');
  });

  it.each([
    [['doctor', 'now'], "Unexpected argument 'now'"],
    [['start', '--port', '3000'], "Unknown option '--port'"],
    [['audit', '--format', 'xml'], '--format must be csv or json'],
    [['migrate-store'], '--to is required'],
    [['migrate-store', '--to'], "Option '--to <value>' argument missing"],
  ])('%j → exit 64 with the message and the command usage', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toContain(`moodle-provisioner ${argv[0]}: ${message}`);
    expect(stderr).toContain(`Usage: moodle-provisioner ${argv[0]}`);
  });
});

describe('commands', () => {
  it('doctor with no settings lists what to set, and exits 1', async () => {
    const { code, stdout } = await run(['doctor'], {});
    expect(code).toBe(1);
    expect(stdout).toContain('✗ Settings: 6 problems');
    expect(stdout).toContain('SLACK_BOT_TOKEN is required');
    expect(stdout).toContain(`Settings are read from the environment and from a .env file in ${process.cwd()}`);
  });

  it('start with no settings lists every problem and exits 78 without starting anything', async () => {
    const { code, stderr } = await run(['start'], {});
    expect(code).toBe(78);
    expect(stderr).toContain('moodle-provisioner cannot start: 6 settings to fix.');
    expect(stderr).toContain('MOODLE_URL is required');
  });

  it('loads only the command that runs, and hands it its arguments and settings', async () => {
    const seen: unknown[] = [];
    const registry: CliCommandEntry[] = [
      {
        name: 'echo',
        summary: 'repeats',
        load: async () => ({
          usage: 'Usage: moodle-provisioner echo',
          run: async (argv, io) => {
            seen.push(argv, io.env.WHO);
            if (argv[0] === 'bad') throw new UsageError('bad is not a word');
            return 3;
          },
        }),
      },
      { name: 'broken', summary: 'cannot load', load: () => Promise.reject(new Error('missing native module')) },
    ];
    expect((await run(['--help'], {}, registry)).code).toBe(0);
    expect((await run(['echo', 'a', '--', '--help'], { WHO: 'me' }, registry)).code).toBe(3);
    expect(seen).toEqual([['a', '--', '--help'], 'me']);
    const usage = await run(['echo', 'bad'], {}, registry);
    expect(usage).toMatchObject({ code: 64, stderr: expect.stringContaining('echo: bad is not a word') });
    await expect(run(['broken'], {}, registry)).rejects.toThrow('missing native module');
  });
});
