/** Every minute: closes the live-stream connections of revoked, expired or deleted tokens (see sweep.ts). */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { connectionsApi, streamStore, tokenStore } from '../shared/adapters.js';
import { flushMetrics, logger, metrics, MetricUnit } from '../shared/observability.js';
import { sweepConnections } from './sweep.js';

const store = streamStore();
const api = connectionsApi();
const tokens = tokenStore();

export const handler = middy<unknown, { connections: number; closed: number }>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics())
  .handler(async () => {
    const report = await sweepConnections(store, api, (tenant, id) => tokens.getToken(tenant, id));
    if (report.closed) metrics.addMetric('StreamConnectionsClosedForToken', MetricUnit.Count, report.closed);
    logger.info('live stream sweep', report);
    return report;
  });
