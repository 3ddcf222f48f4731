import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // StrykerJS's sandboxes (npm run mutate) hold a copy of the tests.
    exclude: [...configDefaults.exclude, '.stryker-tmp/**'],
    environment: 'node',
    pool: 'forks',
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
