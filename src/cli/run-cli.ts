// The dispatcher behind `moodle-provisioner <command> [options]`: finds the command in the registry, answers
// --help for the whole tool and for each command, and turns a mistyped command or option into a clear message
// and exit 64 instead of a stack trace.
import { readFileSync } from 'node:fs';
import { type CliCommandEntry, type CliIo, EX_USAGE, UsageError } from './command.js';
import { COMMANDS } from './commands.js';

export const PROGRAM = 'moodle-provisioner';

export function renderOverallHelp(commands: readonly CliCommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `${PROGRAM} <command> --help shows a command's options; ${PROGRAM} --version the version.`,
    'Settings come from the environment and from a .env file in the working directory (see .env.example).',
    '',
  ].join('\n');
}

/** Edit distance where swapping two neighbours is one edit (optimal string alignment): "strat" → "start" is 1. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest command name, if it is close enough to be a typo (or the typed word starts one). */
export function suggestCommand(typed: string, names: readonly string[]): string | undefined {
  const word = typed.toLowerCase();
  const ranked = names
    .map((name) => ({ name, distance: name.startsWith(word) && word.length > 0 ? 0 : editDistance(word, name) }))
    .sort((x, y) => x.distance - y.distance);
  const best = ranked[0];
  return best && best.distance <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function readVersion(): string {
  // ../../package.json from both src/cli and dist/cli: the package root, in a clone, a package install or the image.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

const isHelp = (arg: string): boolean => arg === '--help' || arg === '-h';

/** Runs one command line (without the node and script paths); resolves with the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CliCommandEntry[] = COMMANDS,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.stderr(`${PROGRAM}: which command?\n\n${renderOverallHelp(commands)}`);
    return EX_USAGE;
  }
  if (isHelp(first) || (first === 'help' && rest.length === 0)) {
    io.stdout(renderOverallHelp(commands));
    return 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`${readVersion()}\n`);
    return 0;
  }
  const wantsHelpFor = first === 'help' ? rest[0] : undefined;
  const name = wantsHelpFor ?? first;
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const suggestion = suggestCommand(
      name,
      commands.map((c) => c.name),
    );
    const kind = name.startsWith('-') ? 'option' : 'command';
    io.stderr(
      `${PROGRAM}: unknown ${kind} "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}\n` +
        `Commands: ${commands.map((c) => c.name).join(', ')}. Run ${PROGRAM} --help for what each does.\n`,
    );
    return EX_USAGE;
  }
  const command = await entry.load();
  const args = wantsHelpFor ? [] : rest;
  // --help anywhere before a `--` wins over the command's other options, as in most command-line tools.
  const optionArgs = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (wantsHelpFor || optionArgs.some(isHelp)) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`${PROGRAM} ${entry.name}: ${error.message}\n\n${command.usage}\n`);
    return EX_USAGE;
  }
}
