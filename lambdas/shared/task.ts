/**
 * Plumbing shared by the handlers that are not HTTP routes, the Step Functions task
 * handlers (the export workflow) first: logger context with the tenant and export id,
 * metrics flushed per invocation (when it recorded any), and errors logged then rethrown,
 * so the state machine's Retry and Catch see them by name (`PermanentExportError`
 * skips retries).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ExportTaskInput } from '../adapters/workflow.js';
import { flushMetrics, logger } from './observability.js';

/**
 * The standard stack of every handler that is not an HTTP route (workflow tasks, the live
 * stream's WebSocket routes, its stream consumer and schedule): logger context (keys reset per
 * invocation, plus `keys` of the event), metrics flushed when any were recorded, and an error
 * logged as `failure` then rethrown, for the caller's retries (Step Functions, the event source
 * mapping) to see.
 */
export function invocation<E, R>(failure: string, fn: (event: E, context: Context) => Promise<R>, keys?: (event: E) => Record<string, unknown>) {
  return middy<E, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .before(({ event }) => {
      if (keys) logger.appendKeys(keys(event));
    })
    .onError(({ error }) => {
      logger.error(failure, { error });
    })
    .handler(fn);
}

/** Wraps an export workflow task: tenant and export id on every log line. */
export const task = <I extends ExportTaskInput, R>(fn: (input: I, context: Context) => Promise<R>) =>
  invocation<I, R>('export task failed', fn, (input) => ({ tenant: input.tenant, exportId: input.exportId }));
