/**
 * The live stream's records in the Control table, each expiring by TTL (`ttl`, epoch seconds):
 *
 * | item | pk | sk | what |
 * |---|---|---|---|
 * | ticket | `TICKET#{sha256 of the ticket}` | `TICKET` | tenant, token id, scopes, restriction; deleted when used |
 * | connection | `CONNECTION#{id}` | `CONNECTION` | tenant and token of a connection id (messages carry only the id) |
 * | tenant's connection | `STREAM#{tenant}` | `{connection id}` | token, restriction, `subs` (subscription id → filters) |
 *
 * Fan-out reads one tenant's connections (a Query of `STREAM#{tenant}`): its cost is the
 * tenant's connections, never everyone's. Every tenant's connection is also listed under
 * the `byTenant` index partition `STREAM#CONNECTIONS`, which the minute sweep reads to close
 * the connections of revoked or expired tokens.
 */
import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONTROL_INDEX, CONTROL_TTL_ATTRIBUTE } from '../core/keys.js';
import type { Restriction, Scope, StreamFilter } from '../core/schemas.js';
import { CONNECTION_TTL_SECONDS, MAX_SUBSCRIPTIONS, type StreamConnection, TICKET_TTL_SECONDS } from '../core/stream.js';

const ALL_CONNECTIONS = 'STREAM#CONNECTIONS';

/** What a ticket grants, copied from the token that asked for it. */
export interface TicketGrant {
  readonly tenant: string;
  readonly tokenId: string;
  readonly scopes: readonly Scope[];
  readonly restrict?: Restriction;
}

/** A tenant's open connection. */
export interface ConnectionRecord extends StreamConnection {
  readonly tenant: string;
  readonly tokenId: string;
}

/** What {@link createStreamStore} needs. */
export interface StreamStoreConfig {
  readonly ddb: DynamoDBDocumentClient;
  /** The Control table. */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface StreamStore {
  /** Stores a ticket (by its hash) valid {@link TICKET_TTL_SECONDS}; returns when it expires (ISO). */
  putTicket(hash: string, grant: TicketGrant): Promise<string>;
  /** Uses a ticket up: what it grants, or undefined when it is unknown, used already or expired. */
  consumeTicket(hash: string): Promise<TicketGrant | undefined>;
  /** Records an accepted connection. */
  putConnection(connectionId: string, grant: TicketGrant): Promise<void>;
  /** The tenant and token of a connection id, or undefined when it is gone. */
  connectionOwner(connectionId: string): Promise<{ tenant: string; tokenId: string } | undefined>;
  /** Forgets a connection (both its items); a no-op when it is gone. */
  deleteConnection(connectionId: string, tenant: string): Promise<void>;
  /** Adds or replaces subscription `id`: `full` when the connection holds {@link MAX_SUBSCRIPTIONS} others, `gone` when it is closed. */
  subscribe(tenant: string, connectionId: string, id: string, filters: StreamFilter): Promise<'ok' | 'full' | 'gone'>;
  /**
   * Remembers deliveries sent to a connection by a batch attempt that failed afterwards, so the
   * retried batch skips them (they come back in {@link tenantConnections}' `sent`).
   */
  markSent(tenant: string, connectionId: string, keys: readonly string[]): Promise<void>;
  /** Removes subscription `id` (a no-op when absent). */
  unsubscribe(tenant: string, connectionId: string, id: string): Promise<void>;
  /** A tenant's connections, page by page (Limit-ed Queries). */
  tenantConnections(tenant: string): AsyncGenerator<ConnectionRecord[]>;
  /** Every connection (the sweep's list), page by page. */
  allConnections(): AsyncGenerator<{ connectionId: string; tenant: string; tokenId: string }[]>;
}

const PAGE = 100;

export function createStreamStore({ ddb, tableName: TableName, now = Date.now }: StreamStoreConfig): StreamStore {
  const epoch = () => Math.floor(now() / 1000);
  const ticketKey = (hash: string) => ({ pk: `TICKET#${hash}`, sk: 'TICKET' });
  const connectionKey = (id: string) => ({ pk: `CONNECTION#${id}`, sk: 'CONNECTION' });
  const tenantKey = (tenant: string, id: string) => ({ pk: `STREAM#${tenant}`, sk: id });

  async function* pages<T>(input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'Limit' | 'ExclusiveStartKey'>, map: (item: Record<string, unknown>) => T) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new QueryCommand({ ...input, TableName, Limit: PAGE, ExclusiveStartKey: start }));
      const live = (page.Items ?? []).filter((item) => Number(item[CONTROL_TTL_ATTRIBUTE]) > epoch()); // TTL deletes lazily
      if (live.length) yield live.map(map);
      start = page.LastEvaluatedKey;
    } while (start);
  }

  return {
    async putTicket(hash, grant) {
      const expires = epoch() + TICKET_TTL_SECONDS;
      await ddb.send(new UpdateCommand({
        TableName, Key: ticketKey(hash),
        UpdateExpression: 'SET tenant = :t, tokenId = :k, scopes = :s, #ttl = :ttl' + (grant.restrict ? ', #r = :r' : ''),
        ConditionExpression: 'attribute_not_exists(pk)',
        ExpressionAttributeNames: { '#ttl': CONTROL_TTL_ATTRIBUTE, ...(grant.restrict ? { '#r': 'restrict' } : {}) },
        ExpressionAttributeValues: { ':t': grant.tenant, ':k': grant.tokenId, ':s': grant.scopes, ':ttl': expires, ...(grant.restrict ? { ':r': grant.restrict } : {}) },
      }));
      return new Date(expires * 1000).toISOString();
    },

    async consumeTicket(hash) {
      try {
        // Deleting it is what makes it single-use: of two connections racing with one ticket, one deletes it.
        const { Attributes: old } = await ddb.send(new DeleteCommand({ TableName, Key: ticketKey(hash), ConditionExpression: 'attribute_exists(pk)', ReturnValues: 'ALL_OLD' }));
        if (!old || Number(old[CONTROL_TTL_ATTRIBUTE]) <= epoch()) return undefined;
        return { tenant: old.tenant, tokenId: old.tokenId, scopes: old.scopes, ...(old.restrict ? { restrict: old.restrict } : {}) };
      } catch (error) {
        if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
        throw error;
      }
    },

    async putConnection(connectionId, grant) {
      const ttl = epoch() + CONNECTION_TTL_SECONDS;
      await ddb.send(new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName, Item: { ...connectionKey(connectionId), tenant: grant.tenant, tokenId: grant.tokenId, [CONTROL_TTL_ATTRIBUTE]: ttl } } },
          {
            Put: {
              TableName,
              Item: {
                ...tenantKey(grant.tenant, connectionId), tokenId: grant.tokenId, subs: {}, [CONTROL_TTL_ATTRIBUTE]: ttl,
                ...(grant.restrict ? { restrict: grant.restrict } : {}),
                [CONTROL_INDEX.partitionKey]: ALL_CONNECTIONS, [CONTROL_INDEX.sortKey]: `${grant.tenant}#${connectionId}`,
              },
            },
          },
        ],
      }));
    },

    async connectionOwner(connectionId) {
      const { Item } = await ddb.send(new GetCommand({ TableName, Key: connectionKey(connectionId), ConsistentRead: true }));
      return Item && Number(Item[CONTROL_TTL_ATTRIBUTE]) > epoch() ? { tenant: Item.tenant, tokenId: Item.tokenId } : undefined;
    },

    async deleteConnection(connectionId, tenant) {
      await ddb.send(new TransactWriteCommand({
        TransactItems: [{ Delete: { TableName, Key: connectionKey(connectionId) } }, { Delete: { TableName, Key: tenantKey(tenant, connectionId) } }],
      }));
    },

    async subscribe(tenant, connectionId, id, filters) {
      try {
        await ddb.send(new UpdateCommand({
          TableName, Key: tenantKey(tenant, connectionId),
          UpdateExpression: 'SET subs.#id = :f',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_exists(subs.#id) OR size(subs) < :max)',
          ExpressionAttributeNames: { '#id': id },
          ExpressionAttributeValues: { ':f': filters, ':max': MAX_SUBSCRIPTIONS },
        }));
        return 'ok';
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        const { Item } = await ddb.send(new GetCommand({ TableName, Key: tenantKey(tenant, connectionId), ConsistentRead: true }));
        return Item ? 'full' : 'gone';
      }
    },

    async unsubscribe(tenant, connectionId, id) {
      try {
        await ddb.send(new UpdateCommand({
          TableName, Key: tenantKey(tenant, connectionId), UpdateExpression: 'REMOVE subs.#id',
          ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#id': id },
        }));
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    },

    async markSent(tenant, connectionId, keys) {
      if (!keys.length) return;
      try {
        await ddb.send(new UpdateCommand({
          TableName, Key: tenantKey(tenant, connectionId), UpdateExpression: 'ADD sent :keys',
          ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':keys': new Set(keys) },
        }));
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    },

    tenantConnections(tenant) {
      return pages({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `STREAM#${tenant}` }, ConsistentRead: true }, (item) => ({
        connectionId: String(item.sk), tenant, tokenId: String(item.tokenId),
        subscriptions: (item.subs ?? {}) as Record<string, StreamFilter>,
        ...(item.restrict ? { restrict: item.restrict as Restriction } : {}),
        ...(item.sent ? { sent: item.sent as Set<string> } : {}),
      }));
    },

    allConnections() {
      return pages({
        IndexName: CONTROL_INDEX.name, KeyConditionExpression: '#gp = :gp',
        ExpressionAttributeNames: { '#gp': CONTROL_INDEX.partitionKey }, ExpressionAttributeValues: { ':gp': ALL_CONNECTIONS },
      }, (item) => ({ connectionId: String(item.sk), tenant: String(item.pk).slice('STREAM#'.length), tokenId: String(item.tokenId) }));
    },
  };
}
