// Replay refusal across replicas: after the process's own replay memory (signed-request.ts), a request's signature
// is claimed in the shared store, so that a request captured and replayed to another replica behind the load balancer
// is refused there too. Only a SHA-256 of the signature leaves the process. A check that cannot be made (the database
// fails or is slow) refuses the request: accepting it would let a replay through (docs/SECURITY.md).
import { createHash } from 'node:crypto';

/** The store's side (Store.claimSignature): true for the first claim of `hash`, false while another is live. */
export interface SharedReplayLedger {
  claimSignature(hash: string, expiresAt: Date, now: Date): Promise<boolean>;
}

/**
 * One indexed upsert normally takes milliseconds; past this the request is refused (503) rather than held, so that
 * the answer still reaches Slack well inside its 3 seconds.
 */
export const SHARED_REPLAY_TIMEOUT_MS = 1000;

export type SharedClaim = { kind: 'first' } | { kind: 'replayed' } | { kind: 'unavailable'; cause: string };

/** What is stored for a signature: its SHA-256 in hex, never the signature itself. */
export function hashSignature(signature: string): string {
  return createHash('sha256').update(signature).digest('hex');
}

/** Why the claim failed, for the log: an error's code (a driver's) or its message, never the query or the hash. */
function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}

/** Claims `signature` until `expiresAt` (seconds), giving up after `timeoutMs`. Never rejects. */
export async function claimAcrossReplicas(
  ledger: SharedReplayLedger,
  signature: string,
  expiresAt: number,
  now: number,
  timeoutMs = SHARED_REPLAY_TIMEOUT_MS,
): Promise<SharedClaim> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SharedClaim>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'unavailable', cause: `the database did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const claim = ledger.claimSignature(hashSignature(signature), new Date(expiresAt * 1000), new Date(now * 1000)).then(
    (first): SharedClaim => (first ? { kind: 'first' } : { kind: 'replayed' }),
    (error: unknown): SharedClaim => ({ kind: 'unavailable', cause: describeFailure(error) }),
  );
  try {
    return await Promise.race([claim, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
