// The pino root logger, with two layers of secret protection: path redaction for keys that usually hold
// secrets, and a last-line scrub that replaces every known secret value wherever it appears in a line.
// Also the adapter that lets Bolt and its WebClient log through pino.
import type { Logger as BoltLogger, LogLevel as BoltLogLevel } from '@slack/bolt';
import { type DestinationStream, type Logger, pino } from 'pino';
import { isSecret, type Secret } from './secret.js';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'token',
  'wstoken',
  'password',
  'secret',
  'authorization',
  '*.token',
  '*.wstoken',
  '*.password',
  '*.secret',
  '*.signingSecret',
  '*.botToken',
  '*.appToken',
  '*.authorization',
  '*.Authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  '*.headers.authorization',
];

/** Secret values that must never reach a log line, whatever field or message they hide in. */
export class SecretScrubber {
  readonly #values = new Set<string>();

  add(value: Secret | string | undefined): void {
    const raw = isSecret(value) ? value.reveal() : value;
    // Very short values would turn ordinary words into [redacted]; none of our secrets is that short.
    if (raw && raw.length >= 6) {
      this.#values.add(raw);
      this.#values.add(encodeURIComponent(raw));
      this.#values.add(JSON.stringify(raw).slice(1, -1));
    }
  }

  scrub(text: string): string {
    let out = text;
    for (const value of this.#values) {
      if (out.includes(value)) out = out.split(value).join('[redacted]');
    }
    return out;
  }
}

export interface CreateLoggerOptions {
  level?: string;
  secrets?: Array<Secret | string | undefined>;
  /** Where lines go (tests collect them); stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions = {}): { logger: Logger; scrubber: SecretScrubber } {
  const scrubber = new SecretScrubber();
  for (const s of options.secrets ?? []) scrubber.add(s);
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { app: 'moodle-provisioner' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      hooks: {
        streamWrite: (line) => scrubber.scrub(line),
      },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
  return { logger, scrubber };
}

const boltToPino: Record<BoltLogLevel, string> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
} as Record<BoltLogLevel, string>;

/** Bolt's Logger interface on top of a pino child logger. */
export function toBoltLogger(parent: Logger, name = 'bolt'): BoltLogger {
  let log = parent.child({ component: name });
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...msg: unknown[]): void => {
      const err = msg.find((m) => m instanceof Error);
      const text = msg
        .filter((m) => m !== err)
        .map((m) => (typeof m === 'string' ? m : safeStringify(m)))
        .join(' ');
      if (err) log[level]({ err }, text);
      else log[level](text);
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    setLevel(level: BoltLogLevel) {
      log.level = boltToPino[level] ?? 'info';
    },
    getLevel(): BoltLogLevel {
      return (['debug', 'info', 'warn', 'error'].includes(log.level) ? log.level : 'info') as BoltLogLevel;
    },
    setName(newName: string) {
      log = parent.child({ component: newName });
    },
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
