/**
 * The WebSocket API's `@connections` management API: send a message to a connection, close
 * one. A connection that is gone (410 `GoneException`) is reported, not thrown: the caller
 * forgets it. Throttling and 5xx are retried by the SDK and then thrown.
 */
import { ApiGatewayManagementApiClient, DeleteConnectionCommand, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

/** What {@link createConnectionsApi} needs. */
export interface ConnectionsApiConfig {
  /** `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` (locally the ws peer's). */
  readonly endpoint: string;
  /** @default - the SDK's */
  readonly client?: ApiGatewayManagementApiClient;
}

export interface ConnectionsApi {
  /** Sends `data` as one message; `gone` when the connection no longer exists. */
  post(connectionId: string, data: string): Promise<'sent' | 'gone'>;
  /** Closes the connection (its `$disconnect` runs); a gone one is fine. */
  close(connectionId: string): Promise<void>;
}

const isGone = (error: unknown) => (error as Error).name === 'GoneException';

export function createConnectionsApi({ endpoint, client }: ConnectionsApiConfig): ConnectionsApi {
  const api = client ?? new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 3 });
  return {
    async post(connectionId, data) {
      try {
        await api.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(data) }));
        return 'sent';
      } catch (error) {
        if (isGone(error)) return 'gone';
        throw error;
      }
    },
    async close(connectionId) {
      try {
        await api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    },
  };
}
