/**
 * The two clients the benchmark compares: an HTTP client of the local API
 * (keep-alive, like any production SDK) and a raw DynamoDB client that writes
 * prepared items with BatchWriteItem (batches of 25, unprocessed items retried).
 */
import { Agent, request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventItem } from '../../lambdas/core/keys.js';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** A JSON response of the local API. */
export interface HttpResult<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** One request to the local HTTP API with a bearer token; resolves with status and parsed JSON body. */
export function api<T = unknown>(base: string, token: string, method: string, path: string, body?: unknown): Promise<HttpResult<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method,
      agent,
      headers: {
        authorization: `Bearer ${token}`,
        ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : undefined) as T });
        } catch (err) {
          reject(new Error(`${method} ${path}: ${res.statusCode} with a non-JSON body: ${text.slice(0, 200)} (${(err as Error).message})`));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Throws unless `r` has status `expected`. */
export function expectStatus(r: HttpResult, expected: number, what: string): void {
  if (r.status !== expected) throw new Error(`${what}: expected HTTP ${expected}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
}

/** A document client for DynamoDB Local (same marshalling options as the handlers' adapter). */
export function documentClient(endpoint: string, region: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 5 }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes up to 25 items with one BatchWriteItem, retrying UnprocessedItems with
 * exponential backoff (as the ingest adapter does). Returns the number of retries.
 * With `capacity`, asks for and adds up the consumed write capacity units.
 */
export async function batchWrite(client: DynamoDBDocumentClient, table: string, items: readonly EventItem[], capacity?: { units: number }): Promise<number> {
  let pending: Record<string, unknown>[] = items.map((Item) => ({ PutRequest: { Item } }));
  let retries = 0;
  for (let round = 0; pending.length; round++) {
    if (round > 10) throw new Error(`BatchWriteItem kept returning ${pending.length} unprocessed items`);
    if (round) {
      retries++;
      await sleep(Math.random() * Math.min(2_000, 25 * 2 ** round));
    }
    const r = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never }, ...(capacity ? { ReturnConsumedCapacity: 'TOTAL' } : {}) }));
    if (capacity) capacity.units += (r.ConsumedCapacity ?? []).reduce((a, c) => a + (c.CapacityUnits ?? 0), 0);
    pending = (r.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
  }
  return retries;
}

/** Splits `items` into chunks of `size`. */
export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
