/**
 * Vitest global setup: starts the whole local stack once (DynamoDB Local, tables
 * from the synthesized template, the HTTP API serving the real handlers) and hands
 * its endpoints to the tests, which read them with `inject('local')`.
 *
 * The handler environment it sets (table names, AWS_ENDPOINT_URL_DYNAMODB, fake
 * credentials) is inherited by the test workers, so integration tests may also
 * import adapters from lambdas/ and reach DynamoDB Local, through the same fault
 * proxy as the handlers (`endpoints.dynamodb` is DynamoDB Local itself).
 *
 * Caches are shortened so revocation and expiry tests need not wait a minute:
 * the authorizer result cache to 1 s and the authorizer's token cache to 1 s.
 * Step Functions retries pause 20 ms, and export chunks stop at 250 rows.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startLocal, type LocalEndpoints } from '../local/runner.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoints of the local stack started for this test run. */
    local: LocalEndpoints;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { endpoints, stop } = await startLocal({
    port: 0, // a free port, whatever PORT says: never the 4000 of a developer's `npm start`
    quiet: true,
    writeEndpoints: false,
    authCacheTtlSeconds: 1,
    // Export retries pause 20 ms instead of 2 s doubling; chunks of 250 rows exercise many chunks and carry-overs.
    retryIntervalMs: 20,
    // The live stream's revocation sweep every second instead of every minute.
    scheduleEveryMs: 1000,
    // The failure-path tests make handlers log expected errors with full stacks; only CRITICAL lines are printed.
    env: { TOKEN_CACHE_SECONDS: '1', EXPORT_CHUNK_MAX_ROWS: '250', POWERTOOLS_LOG_LEVEL: 'CRITICAL' },
  });
  project.provide('local', endpoints);
  return stop;
}
