import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Starts the local stack (DynamoDB Local + HTTP API) once for all tests; see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    // This machine runs Node 20; Lambda runs Node 22. The SDK's notice about 2027 releases is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
