/**
 * Plumbing of the live stream's WebSocket route handlers: the logger context (connection id,
 * request id), metrics flushed per invocation, and an unexpected error logged then turned into
 * API Gateway's 500 (the client sees `Internal server error`; `$connect` refuses the upgrade).
 */
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { logger } from '../shared/observability.js';
import { invocation } from '../shared/task.js';

/** A WebSocket route event as API Gateway sends it (`$connect` also carries the query string). */
export interface WebSocketEvent {
  readonly requestContext: { readonly connectionId: string; readonly routeKey: string; readonly eventType: string; readonly requestId?: string };
  readonly queryStringParameters?: Record<string, string | undefined>;
  readonly body?: string;
}

type Result = { statusCode: number; body?: string };

/** Wraps a WebSocket route handler in the standard stack; an unexpected error becomes a 500 for API Gateway. */
export function webSocketRoute(fn: (event: WebSocketEvent, context: Context) => Promise<Result>) {
  return invocation<WebSocketEvent, APIGatewayProxyResultV2>('live stream route failed', async (event, context) => {
    try {
      return await fn(event, context);
    } catch (error) {
      logger.error('live stream route failed', { error });
      return { statusCode: 500, body: JSON.stringify({ type: 'error', error: { code: 'internal_error', message: 'Something went wrong; try again.' } }) };
    }
  }, (event) => ({ connectionId: event.requestContext.connectionId, route: event.requestContext.routeKey }));
}
