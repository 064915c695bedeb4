/**
 * Plumbing shared by the Step Functions task handlers (the export workflow):
 * logger context with the tenant and export id, metrics flushed per
 * invocation (when it recorded any), and errors logged then rethrown, so the
 * state machine's Retry and Catch see them by name (`PermanentExportError`
 * skips retries).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ExportTaskInput } from '../adapters/workflow.js';
import { flushMetrics, logger } from './observability.js';

/** Wraps a task handler in the standard middleware stack. */
export function task<I extends ExportTaskInput, R>(fn: (input: I, context: Context) => Promise<R>) {
  return middy<I, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .before(({ event }) => {
      logger.appendKeys({ tenant: event.tenant, exportId: event.exportId });
    })
    .onError(({ error }) => {
      logger.error('export task failed', { error });
    })
    .handler(fn);
}
