/** `POST /v1/stream-tickets`: a single-use ticket that opens one live-stream connection within 60 s. */
import type { StreamStore } from '../adapters/stream-store.js';
import type { Restriction, Scope } from '../core/schemas.js';
import { newTicket } from '../core/stream.js';

/** The caller a ticket is bound to: its tenant, token, scopes and restriction. */
export interface TicketOwner {
  readonly tenant: string;
  readonly tokenId: string;
  readonly scopes: readonly Scope[];
  readonly restrict?: Restriction;
}

/**
 * Issues a ticket for `owner`: the URL to connect to (the ticket in its query string: it is
 * single-use and short-lived, so no long-lived secret ever goes in a URL) and when it expires.
 */
export async function issueStreamTicket(store: StreamStore, streamUrl: string, owner: TicketOwner): Promise<{ url: string; expiresAt: string }> {
  const { ticket, hash } = newTicket();
  const expiresAt = await store.putTicket(hash, owner);
  return { url: `${streamUrl}?ticket=${ticket}`, expiresAt };
}
