/** Live stream `$connect`: a single-use ticket (`?ticket=`) opens the connection; anything else is a 401 before the upgrade. */
import { streamStore } from '../shared/adapters.js';
import { countOutcome } from '../shared/http.js';
import { logger } from '../shared/observability.js';
import { openConnection } from './connections.js';
import { webSocketRoute } from './websocket.js';

const store = streamStore();

export const handler = webSocketRoute(async (event) => {
  const { status, tenant } = await openConnection(store, event.requestContext.connectionId, event.queryStringParameters?.ticket);
  if (status !== 200) {
    logger.info('live stream connection refused', { reason: 'missing, malformed, unknown, used or expired ticket' });
    countOutcome('StreamConnectionsRefused');
    return { statusCode: status };
  }
  logger.appendKeys({ tenant });
  countOutcome('StreamConnectionsOpened');
  return { statusCode: 200 };
});
