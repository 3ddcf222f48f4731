// Runs a bench/*.ts module in its own Node process (through tsx) and talks to it over IPC: one request, one answer,
// matched by id. The fakes and the load generator run this way so that their CPU is not charged to the app under
// test (on 2 cores they still compete for the machine, but not for the app's event loop).
import { type ChildProcess, fork } from 'node:child_process';

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

export interface ChildRpc {
  readonly child: ChildProcess;
  /** What the child sent first (its URLs and tokens), as one JSON value. */
  readonly hello: unknown;
  call<T>(op: string, args?: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Forks `script` with tsx (and `nodeFlags`), waits (at most 20 s) for its first message, then serves calls. */
export async function startChild(script: URL, nodeFlags: readonly string[] = []): Promise<ChildRpc> {
  const child = fork(script.pathname, [], {
    execArgv: [...nodeFlags, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const hello = await new Promise<unknown>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script.pathname} did not start within 20 s`)), 20_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => reject(new Error(`${script.pathname} exited with ${code} before it started`)));
  });
  child.on('message', (message) => {
    const reply = message as Reply;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(reply.error ?? 'child call failed'));
  });
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script.pathname} exited`));
    pending.clear();
  });
  return {
    child,
    hello,
    call<T>(op: string, args?: unknown): Promise<T> {
      nextId += 1;
      const id = nextId;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, args });
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The child's side: sends `hello`, then answers each `{id, op, args}` with `handlers[op](args)`. */
export function serveParent(
  hello: unknown,
  handlers: Record<string, (args: unknown) => unknown>,
  onClose: () => Promise<void>,
): void {
  if (!process.send) throw new Error('not started by startChild (no IPC channel)');
  process.on('message', async (message: { id: number; op: string; args?: unknown }) => {
    const handler = handlers[message.op];
    try {
      if (!handler) throw new Error(`unknown op ${message.op}`);
      const value = await handler(message.args);
      process.send?.({ id: message.id, ok: true, value });
    } catch (error) {
      process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  });
  const stop = () => {
    void onClose().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
  process.send(hello);
}
