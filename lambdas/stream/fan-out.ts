/**
 * The Events-stream consumer of the live stream: each batch's stored events go to the matching
 * subscriptions (see deliver.ts for retries, duplicates and crashes). A thrown error fails the
 * batch for the event source mapping to retry (bisecting), then hand to the on-failure queue.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { insertedEvents } from '../adapters/stream-records.js';
import { connectionsApi, streamStore } from '../shared/adapters.js';
import { logger, metrics, MetricUnit } from '../shared/observability.js';
import { invocation } from '../shared/task.js';
import { deliverEvents } from './deliver.js';

const store = streamStore();
const api = connectionsApi();

export const handler = invocation('live stream delivery failed; the batch will be retried', async (event: DynamoDBStreamEvent) => {
  const events = insertedEvents(event.Records, (sequenceNumber, error) => {
    logger.error('an Events-stream record is not an event; skipped', { sequenceNumber, error });
    metrics.addMetric('StreamRecordsUndecodable', MetricUnit.Count, 1);
  });
  const report = await deliverEvents(store, api, events);
  metrics.addMetric('StreamMessagesSent', MetricUnit.Count, report.messages);
  if (report.gone) metrics.addMetric('StreamConnectionsGone', MetricUnit.Count, report.gone);
});
