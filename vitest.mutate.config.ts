// The test run StrykerJS measures mutants against (npm run mutate, docs/TESTING.md): the unit, store and fuzz suites.
// Not the end-to-end and fault suites nor the Slack payload fuzz: they start the whole app (or real servers with
// injected faults) for each mutant, which multiplies the run time, and the scores are asked of the module's own tests.
// Nor the WAL flush test, which times the store's disk flushes and can time out in Stryker's single worker thread,
// nor the linear-time fuzz, which times parsers in child processes (Stryker cannot see or switch mutants there, and
// its sandbox has no node_modules of its own for their loader); test/core/linear-patterns.test.ts checks the same
// patterns in process.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        'test/e2e/**',
        'test/faults/**',
        'test/fuzz/slack-payloads.fuzz.test.ts',
        'test/store/wal-flush.test.ts',
        'test/fuzz/linear-time.fuzz.test.ts',
      ],
    },
  }),
);
