// Vitest hooks that give a test file one fake Moodle for all its tests (and, where asked, one client to it), so the
// files do not each write the same start, reset and close.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createMoodleClient, type MoodleClient } from '../../src/moodle/client.js';
import { Secret } from '../../src/secret.js';
import { type FakeMoodle, startFakeMoodle } from './fake-moodle/index.js';

/** Starts the fake Moodle before the file's tests, resets it before each test and closes it after them all. */
export function fakeMoodleForFile(use: (fake: FakeMoodle) => void): void {
  let fake: FakeMoodle | undefined;
  beforeAll(async () => {
    fake = await startFakeMoodle();
    use(fake);
  });
  beforeEach(() => fake?.reset());
  afterAll(async () => {
    await fake?.close();
  });
}

/** The fake Moodle and one client to it (short timeout and retry delay) for the whole file, closed after it. */
export function moodleClientForFile(use: (parts: { fake: FakeMoodle; client: MoodleClient }) => void): void {
  let fake: FakeMoodle | undefined;
  let client: MoodleClient | undefined;
  beforeAll(async () => {
    fake = await startFakeMoodle();
    client = createMoodleClient({ url: fake.url, token: new Secret(fake.token), timeoutMs: 3000, retryMinDelayMs: 5 });
    use({ fake, client });
  });
  afterAll(async () => {
    await client?.close();
    await fake?.close();
  });
}
