// The test run StrykerJS measures mutants against (npm run mutate, docs/TESTING.md): the unit, store and fuzz suites.
// Not the end-to-end and fault suites nor the Slack payload fuzz: they start the whole app (or real servers with
// injected faults) for each mutant, which multiplies the run time, and the scores are asked of the module's own tests.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/e2e/**', 'test/faults/**', 'test/fuzz/slack-payloads.fuzz.test.ts'],
    },
  }),
);
