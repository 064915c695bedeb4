/** Live stream messages (`$default`, two-way): subscribe, unsubscribe, ping; the answer goes back as a frame. */
import { streamStore } from '../shared/adapters.js';
import { handleMessage } from './connections.js';
import { webSocketRoute } from './websocket.js';

const store = streamStore();

export const handler = webSocketRoute(async (event) => ({
  statusCode: 200,
  body: await handleMessage(store, event.requestContext.connectionId, event.body),
}));
