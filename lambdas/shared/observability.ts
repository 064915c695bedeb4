/**
 * One observability module: a structured logger (request id on every line,
 * never a token) and business metrics (EMF), both from Powertools.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import { config } from './config.js';

export const logger = new Logger({ serviceName: config.serviceName });
// Its own warnings (e.g. an empty flush, which concurrent invocations sharing one process can cause locally)
// go through the structured logger, at its level, rather than straight to the console.
export const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: config.serviceName, logger });
export { MetricUnit };

/**
 * Middleware that flushes the metrics an invocation recorded, after it returns or throws, and
 * does nothing when it recorded none. Powertools' own `logMetrics` flushes unconditionally, and an
 * empty flush prints "No application metrics to publish" on every invocation (even with
 * `POWERTOOLS_METRICS_DISABLED`, which only suppresses the EMF output): noise in CloudWatch Logs
 * and on the local console for handlers whose outcome has no metric (e.g. the export's Begin task).
 */
export const flushMetrics = (): MiddlewareObj => {
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
};
