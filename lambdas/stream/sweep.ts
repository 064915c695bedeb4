/**
 * The minute sweep: closes every live-stream connection whose token has been revoked, has
 * expired or no longer exists, so such a connection lives at most a minute (plus the
 * schedule's jitter) after its token stopped being valid. API Gateway's `@connections`
 * DELETE chooses the close code itself (1000 on AWS); the client is told why first, by an
 * error frame with code `unauthorized`.
 *
 * Retry, duplicate, crash: the sweep is idempotent (closing a closed connection is a no-op;
 * its records go with `$disconnect`, or here when the socket is already gone); a failed run is
 * simply done again by the next one a minute later, and a failure is thrown (reported), not
 * swallowed.
 */
import type { ConnectionsApi } from '../adapters/connections-api.js';
import type { StreamStore } from '../adapters/stream-store.js';

/** What the sweep needs to know of a token. */
export interface TokenStatus {
  readonly revokedAt?: string;
  readonly expiresAt?: string;
}

/** A token's status by tenant and id (undefined when it does not exist). */
export type TokenLookup = (tenant: string, tokenId: string) => Promise<TokenStatus | undefined>;

const CLOSING = JSON.stringify({ type: 'error', error: { code: 'unauthorized', message: 'The token of this connection was revoked or has expired.' } });

/** Closes the connections of invalid tokens; returns how many were looked at and closed. */
export async function sweepConnections(store: StreamStore, api: ConnectionsApi, lookup: TokenLookup, now = Date.now()): Promise<{ connections: number; closed: number }> {
  let connections = 0;
  let closed = 0;
  const statuses = new Map<string, Promise<TokenStatus | undefined>>();
  for await (const page of store.allConnections()) {
    connections += page.length;
    await Promise.all(page.map(async (c) => {
      const key = `${c.tenant}#${c.tokenId}`;
      if (!statuses.has(key)) statuses.set(key, lookup(c.tenant, c.tokenId));
      const token = await statuses.get(key);
      const valid = token && !token.revokedAt && !(token.expiresAt && Date.parse(token.expiresAt) <= now);
      if (valid) return;
      closed++;
      if ((await api.post(c.connectionId, CLOSING)) === 'sent') await api.close(c.connectionId);
      // `$disconnect` forgets it too; a socket that was already gone has no `$disconnect` to come.
      await store.deleteConnection(c.connectionId, c.tenant);
    }));
  }
  return { connections, closed };
}
