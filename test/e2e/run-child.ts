// A child process for tests that run the app or a command-line tool as an operator would: its output collected,
// its exit awaited, and a wait for a line of output driven by the output itself (no polling, no fixed sleeps).
import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with stdout once it contains `text`; rejects when the process exits first or after `timeoutMs`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<string>;
}

export function runChild(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string | undefined> },
): ChildRun {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  let closed = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => {
      closed = true;
      done({ code, signal });
    }),
  );
  // Generous: the wait ends with the output; the deadline only turns a child that never prints it into a failure,
  // and a child compiled by tsx on a loaded machine takes several times its idle start-up.
  const waitForOutput = (text: string, timeoutMs = 45_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!out.includes(text)) return;
        cleanup();
        resolve(out);
      };
      const fail = (why: string) => (): void => {
        cleanup();
        reject(new Error(`no "${text}" in the output (${why}):\n${out}\n${err}`));
      };
      const onExit = fail('the process exited');
      const timer = setTimeout(fail(`not within ${timeoutMs} ms`), timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.off('close', onExit);
      };
      child.stdout?.on('data', check);
      child.on('close', onExit);
      check();
      if (closed && !out.includes(text)) onExit();
    });
  return { child, stdout: () => out, stderr: () => err, exited, waitForOutput };
}
