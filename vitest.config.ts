import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Starts the local stack (DynamoDB Local + HTTP API) once for all tests; see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
  },
});
