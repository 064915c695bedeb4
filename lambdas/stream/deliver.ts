/**
 * The live stream's consumer of the Events table stream: a batch of stored events is sent to
 * every matching subscription of its tenant's open connections, at bounded concurrency, in
 * storage order per connection.
 *
 * Retry, duplicate, crash: a failure to send (throttling, 5xx after the SDK's retries) fails
 * the batch, and the event source mapping retries it (bisecting it, then handing a record
 * that keeps failing to the on-failure destination, so the shard moves on). A retried batch
 * skips what the failed attempt had sent: before rethrowing, the attempt records the
 * deliveries it made on each connection's record (`markSent`), and fan-out skips them. Only a
 * crash that gives no chance to record (a timeout, out of memory) can make a retry send an
 * event twice; clients de-duplicate by `id`, as the contract says. A connection found gone
 * (410) is forgotten and does not fail the batch.
 */
import type { ConnectionsApi } from '../adapters/connections-api.js';
import type { StreamStore } from '../adapters/stream-store.js';
import { type Delivery, fanOut, type StoredEvent } from '../core/stream.js';

/** Adds `value` to the list under `key` (in place: a batch fans out to thousands of messages). */
function append<K, V>(lists: Map<K, V[]>, key: K, value: V): void {
  const list = lists.get(key);
  if (list) list.push(value);
  else lists.set(key, [value]);
}

/** Connections sent to at once. */
const CONCURRENCY = 32;

export interface DeliveryReport {
  readonly events: number;
  readonly messages: number;
  readonly gone: number;
}

/** Sends `events` (any tenants, storage order) to their subscribers. */
export async function deliverEvents(store: StreamStore, api: ConnectionsApi, events: readonly StoredEvent[]): Promise<DeliveryReport> {
  const byTenant = new Map<string, StoredEvent[]>();
  for (const e of events) append(byTenant, e.tenant, e);
  let messages = 0;
  let gone = 0;
  for (const [tenant, tenantEvents] of byTenant) {
    for await (const connections of store.tenantConnections(tenant)) {
      const perConnection = new Map<string, Delivery[]>();
      for (const d of fanOut(tenant, tenantEvents, connections)) append(perConnection, d.connectionId, d);
      const queue = [...perConnection.entries()];
      const sent = new Map<string, string[]>();
      let failed: { error: unknown } | undefined;
      const worker = async () => {
        // After a failure no new message starts; those in flight finish (and are recorded).
        for (let next = queue.shift(); next && !failed; next = queue.shift()) {
          const [connectionId, deliveries] = next;
          for (const d of deliveries) {
            if (failed) break;
            try {
              if ((await api.post(connectionId, d.data)) === 'gone') {
                gone++;
                await store.deleteConnection(connectionId, tenant);
                break;
              }
            } catch (error) {
              failed ??= { error };
              break;
            }
            messages++;
            append(sent, connectionId, d.key);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
      if (failed) {
        // The batch will be retried: remember what already went out, so the retry does not send it twice.
        await Promise.all([...sent].map(([connectionId, keys]) => store.markSent(tenant, connectionId, keys)));
        throw failed.error;
      }
    }
  }
  return { events: events.length, messages, gone };
}
