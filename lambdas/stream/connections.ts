/**
 * The WebSocket side of the live stream, as use cases over explicit adapters (the handlers
 * wire them): a connection is accepted only with an unused, unexpired ticket and is bound to
 * the ticket's tenant, token and restriction; messages subscribe, unsubscribe and ping.
 */
import type { StreamStore } from '../adapters/stream-store.js';
import { errorFrame, MAX_SUBSCRIPTIONS, parseClientMessage, TICKET, ticketHash } from '../core/stream.js';

/** `$connect`: whether `ticket` opens connection `connectionId` (401 before the upgrade when not). */
export async function openConnection(store: StreamStore, connectionId: string, ticket: string | undefined): Promise<{ status: 200 | 401; tenant?: string }> {
  // A malformed ticket is refused without a lookup; a forged one is unknown; a used one is gone; an old one expired.
  if (!ticket || !TICKET.test(ticket)) return { status: 401 };
  const grant = await store.consumeTicket(ticketHash(ticket));
  if (!grant || !grant.scopes.some((s) => s === 'events:read' || s === 'admin')) return { status: 401 };
  await store.putConnection(connectionId, grant);
  return { status: 200, tenant: grant.tenant };
}

/** `$disconnect` (and clean-up of a connection found gone): forgets it. */
export async function closeConnection(store: StreamStore, connectionId: string): Promise<void> {
  const owner = await store.connectionOwner(connectionId);
  if (owner) await store.deleteConnection(connectionId, owner.tenant);
}

/** A client's message: the frame to answer with. The connection stays open whatever it sent. */
export async function handleMessage(store: StreamStore, connectionId: string, body: string | undefined): Promise<string> {
  const parsed = parseClientMessage(body);
  if ('error' in parsed) return parsed.error;
  const { message } = parsed;
  if (message.action === 'ping') return JSON.stringify({ type: 'pong' });
  const owner = await store.connectionOwner(connectionId);
  if (!owner) return errorFrame('This connection is closing; connect again with a new ticket.');
  if (message.action === 'unsubscribe') {
    await store.unsubscribe(owner.tenant, connectionId, message.id);
    return JSON.stringify({ type: 'unsubscribed', id: message.id });
  }
  const outcome = await store.subscribe(owner.tenant, connectionId, message.id, message.filters);
  if (outcome === 'full') return errorFrame(`A connection holds at most ${MAX_SUBSCRIPTIONS} subscriptions; unsubscribe one first.`, [{ path: 'id', message: `would be subscription ${MAX_SUBSCRIPTIONS + 1}` }]);
  if (outcome === 'gone') return errorFrame('This connection is closing; connect again with a new ticket.');
  return JSON.stringify({ type: 'subscribed', id: message.id });
}
