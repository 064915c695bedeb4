/**
 * One observability module: a structured logger (request id on every line,
 * never a token) and business metrics (EMF), both from Powertools.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'audit-log' });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AuditLog', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'audit-log' });
export { MetricUnit };
