/**
 * The DynamoDB document client, built from explicit config (the composition module,
 * `shared/adapters.ts`, builds one per container). The SDK retries throttling and 5xx
 * itself (standard mode); batch operations additionally retry their unprocessed part
 * (see {@link withBackoff}).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors.js';

/** The client every DynamoDB adapter takes. */
export type DocumentClient = DynamoDBDocumentClient;

/** How to reach DynamoDB. */
export interface DocumentClientConfig {
  /** @default - the SDK's (in Lambda: the regional endpoint; `AWS_ENDPOINT_URL_DYNAMODB` if set) */
  readonly endpoint?: string;
  /** @default - the SDK's (`AWS_REGION`) */
  readonly region?: string;
  /** @default - the SDK's credential chain */
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** Attempts per call, first included (standard retry mode). @default 5 */
  readonly maxAttempts?: number;
}

/** A document client for `config`. */
export function createDocumentClient(config: DocumentClientConfig = {}): DocumentClient {
  const { maxAttempts = 5, ...rest } = config;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts, ...defined }), {
    // The marshaller tells plain objects from class instances by `value.constructor.name`: a stored map with a
    // key named `constructor` (a tenant's recording switch for category `constructor`) failed as a class
    // instance, a 500 (found by the fuzz suite). Our items hold plain data only, so every object is a map.
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it reports nothing left, with exponential backoff and
 * full jitter between rounds (AWS's recommendation for unprocessed batch
 * items). Gives up with a 503 after `maxRounds`; callers' writes are
 * idempotent, so the client can safely retry the whole request.
 */
export async function withBackoff<T>(initial: T[], attempt: (pending: T[]) => Promise<T[]>, what: string, maxRounds = 8): Promise<void> {
  let pending = initial;
  for (let round = 0; pending.length; round++) {
    if (round === maxRounds) throw new ServiceUnavailableError(`DynamoDB kept throttling ${what}; nothing was lost, please retry the request.`);
    if (round) await sleep(Math.random() * Math.min(2_000, 25 * 2 ** round));
    pending = await attempt(pending);
  }
}

/** Splits `items` into chunks of `size`. */
export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
