/** Every minute: closes the live-stream connections of revoked, expired or deleted tokens (see sweep.ts). */
import { connectionsApi, streamStore, tokenStore } from '../shared/adapters.js';
import { logger, metrics, MetricUnit } from '../shared/observability.js';
import { invocation } from '../shared/task.js';
import { sweepConnections } from './sweep.js';

const store = streamStore();
const api = connectionsApi();
const tokens = tokenStore();

export const handler = invocation('live stream sweep failed; the next run sweeps again', async () => {
  const report = await sweepConnections(store, api, (tenant, id) => tokens.getToken(tenant, id));
  if (report.closed) metrics.addMetric('StreamConnectionsClosedForToken', MetricUnit.Count, report.closed);
  logger.info('live stream sweep', report);
  return report;
});
