import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // StrykerJS's sandboxes (npm run mutate) hold a copy of the tests.
    exclude: [...configDefaults.exclude, '.stryker-tmp/**'],
    environment: 'node',
    pool: 'forks',
    // Vitest's default (one worker less than the cores) leaves a 2-core machine with one: most suites wait on
    // sockets and child processes rather than compute, and two workers take the run from about 310 s to 190 s there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Deadlines for hangs only: tests wait for events, and on a loaded machine (docs/SECURITY.md, "The test suite
    // under load") an end-to-end test can take several times as long as on an idle one.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
});
