/** POST /v1/stream-tickets (scope events:read): a single-use, 60-second ticket URL for the live stream. */
import { config } from '../shared/config.js';
import { streamStore } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';
import { issueStreamTicket } from './tickets.js';

const store = streamStore();
const streamUrl = config.streamUrl;

export const handler = route({ scope: 'events:read' }, async (_event, { principal }) => {
  const ticket = await issueStreamTicket(store, streamUrl, principal);
  countOutcome('StreamTicketsIssued');
  return json(201, ticket);
});
