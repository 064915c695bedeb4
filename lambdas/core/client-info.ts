/**
 * The client (browser, OS, device) of an event, derived from its user agent with
 * ua-parser-js. Its own module so that only the ingest path bundles the parser.
 * Pure, no AWS SDK.
 */
import { UAParser } from 'ua-parser-js';
import type { ClientInfo } from './event.js';

/** User agents repeat a lot (same clients, same services); parsing one costs ~10 % of ingest CPU. */
const clientCache = new Map<string, ClientInfo>();
const CLIENT_CACHE_SIZE = 1_000;

/** Derives `{browser, os, device}` from a user agent; `undefined` when there is none. */
export function parseClient(userAgent: string | undefined): ClientInfo | undefined {
  if (!userAgent) return undefined;
  const cached = clientCache.get(userAgent);
  if (cached) return { ...cached };
  const client = parseUncached(userAgent);
  if (clientCache.size >= CLIENT_CACHE_SIZE) clientCache.delete(clientCache.keys().next().value!);
  clientCache.set(userAgent, client);
  return { ...client };
}

function parseUncached(userAgent: string): ClientInfo {
  const { browser, os, device } = new UAParser(userAgent).getResult();
  const join = (name?: string, version?: string) => (name ? (version ? `${name} ${version}` : name) : undefined);
  const client: ClientInfo = { device: device.type ?? 'desktop' };
  const b = join(browser.name, browser.major);
  const o = join(os.name, os.version);
  if (b) client.browser = b;
  if (o) client.os = o;
  return client;
}
