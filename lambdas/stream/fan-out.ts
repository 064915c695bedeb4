/**
 * The Events-stream consumer of the live stream: each batch's stored events go to the matching
 * subscriptions (see deliver.ts for retries, duplicates and crashes). A thrown error fails the
 * batch for the event source mapping to retry (bisecting), then hand to the on-failure queue.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { insertedEvents } from '../adapters/stream-records.js';
import { connectionsApi, streamStore } from '../shared/adapters.js';
import { flushMetrics, logger, metrics, MetricUnit } from '../shared/observability.js';
import { deliverEvents } from './deliver.js';

const store = streamStore();
const api = connectionsApi();

export const handler = middy<DynamoDBStreamEvent, void>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(flushMetrics())
  .handler(async (event) => {
    try {
      const report = await deliverEvents(store, api, insertedEvents(event.Records));
      metrics.addMetric('StreamMessagesSent', MetricUnit.Count, report.messages);
      if (report.gone) metrics.addMetric('StreamConnectionsGone', MetricUnit.Count, report.gone);
    } catch (error) {
      logger.error('live stream delivery failed; the batch will be retried', { error, records: event.Records.length });
      throw error;
    }
  });
