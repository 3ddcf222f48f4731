import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, toBoltLogger } from '../src/logger.js';
import { Secret } from '../src/secret.js';

function collect() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

const MOODLE_TOKEN = 'f00dfacef00dfacef00dfacef00dface';
const BOT_TOKEN = 'xoxb-1111-2222-distinctivebot';

describe('createLogger', () => {
  it('scrubs known secret values wherever they appear, even inside messages and nested errors', () => {
    const { lines, destination } = collect();
    const { logger } = createLogger({ secrets: [new Secret(MOODLE_TOKEN), BOT_TOKEN], destination });
    logger.info(`calling https://lms.example.org/webservice/rest/server.php?wstoken=${MOODLE_TOKEN}`);
    logger.error({ err: new Error(`Bearer ${BOT_TOKEN} refused`) }, 'boom');
    logger.warn({ body: `wstoken=${encodeURIComponent(MOODLE_TOKEN)}&x=1` }, 'request');
    const out = lines.join('');
    expect(lines.length).toBe(3);
    expect(out).not.toContain(MOODLE_TOKEN);
    expect(out).not.toContain(BOT_TOKEN);
    expect(out).toContain('[redacted]');
  });

  it('redacts fields that usually hold secrets, known or not', () => {
    const { lines, destination } = collect();
    const { logger } = createLogger({ destination });
    logger.info({
      password: 'Hunter2!xyz',
      user: { password: 'Other1!pass' },
      headers: { authorization: 'Bearer abc' },
    });
    expect(lines).toHaveLength(1);
    const out = lines.join('');
    expect(JSON.parse(out)).toMatchObject({
      password: '[redacted]',
      user: { password: '[redacted]' },
      headers: { authorization: '[redacted]' },
    });
    expect(out).not.toContain('Hunter2!xyz');
    expect(out).not.toContain('Other1!pass');
    expect(out).not.toContain('Bearer abc');
  });

  it('shows Secret values as [redacted] when a whole config object is logged', () => {
    const { lines, destination } = collect();
    const { logger } = createLogger({ destination });
    logger.info({ moodle: { url: 'https://x', token: new Secret('zzzzzzzzzzzzzzzz') } }, 'config');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ moodle: { url: 'https://x', token: '[redacted]' } });
    expect(lines.join('')).not.toContain('zzzzzzzzzzzzzzzz');
  });

  it('lets Bolt log through pino at the level it asks for', () => {
    const { lines, destination } = collect();
    const { logger } = createLogger({ destination, level: 'debug', secrets: [BOT_TOKEN] });
    const bolt = toBoltLogger(logger);
    bolt.info('hello', { token: BOT_TOKEN });
    bolt.error(new Error('bad'), 'while handling');
    bolt.setLevel('error' as never);
    bolt.info('hidden');
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; component: string; level: number });
    expect(parsed).toHaveLength(2);
    expect(parsed[0]?.component).toBe('bolt');
    expect(parsed[1]?.msg).toBe('while handling');
    expect(lines.join('')).not.toContain(BOT_TOKEN);
  });
});
