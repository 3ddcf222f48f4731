// The test run StrykerJS measures mutants against (npm run mutate, docs/TESTING.md): every unit, store, fault and fuzz
// suite, but not the end-to-end suites nor the Slack payload fuzz, which start the whole app for every mutant and
// would only repeat what the unit tests of the mutated modules already check.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: ['test/e2e/**', 'test/fuzz/slack-payloads.fuzz.test.ts'],
    },
  }),
);
