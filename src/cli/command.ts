// What an operator command (`moodle-provisioner <name>`) is made of, and the one way commands read their options,
// so that every command answers --help and a mistyped option the same way.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { defaultEnv } from '../config.js';

/** What a command may talk to: the settings and the two output streams (tests collect them in memory). */
export interface CliIo {
  /** The settings: the environment over a .env file in the working directory. */
  readonly env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface CliCommand {
  /** The command's --help text, starting with its `Usage:` line. */
  readonly usage: string;
  /**
   * Resolves with the exit code. A server command (start) resolves once it is serving; the process then lives
   * until a signal stops it.
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** One line of the registry: what --help lists, and the module loaded only when the command runs. */
export interface CliCommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<CliCommand>;
}

/** sysexits.h: the command line was wrong (EX_USAGE), a setting must change (EX_CONFIG). */
export const EX_USAGE = 64;
export const EX_CONFIG = 78;

/** A mistake on the command line: the dispatcher prints it with the command's usage and exits EX_USAGE. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, no positionals, its errors turned into UsageError. */
export function parseCommandOptions<const T extends OptionsConfig>(argv: readonly string[], options: T) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The real process: settings from the environment and .env, output to stdout and stderr. */
export function createProcessIo(): CliIo {
  return {
    env: defaultEnv(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}
