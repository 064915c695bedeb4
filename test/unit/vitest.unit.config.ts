/**
 * Unit tests only: pure domain logic, no local stack. The root vitest.config.ts
 * starts DynamoDB Local and the HTTP API in a globalSetup, which unit tests do
 * not need; run them fast with:
 *
 *   npx vitest run --config test/unit/vitest.unit.config.ts
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
