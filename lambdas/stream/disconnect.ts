/** Live stream `$disconnect`: forgets the connection and its subscriptions. */
import { streamStore } from '../shared/adapters.js';
import { closeConnection } from './connections.js';
import { webSocketRoute } from './websocket.js';

const store = streamStore();

export const handler = webSocketRoute(async (event) => {
  await closeConnection(store, event.requestContext.connectionId);
  return { statusCode: 200 };
});
