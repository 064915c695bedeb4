/**
 * The DynamoDB document client, built from explicit config (the composition module,
 * `shared/adapters.ts`, builds one per container). The SDK retries throttling and 5xx
 * itself (standard mode, with a bounded backoff); batch operations additionally retry
 * their unprocessed part (see {@link withBackoff}).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { ServiceUnavailableError } from '../core/errors.js';

/** Attempts per DynamoDB call (the first and 4 retries). */
export const SDK_MAX_ATTEMPTS = 5;

/**
 * Pause before retry `attempt` (1-based) of a DynamoDB call: full jitter over 100 ms doubling,
 * at most 1 s, so the 4 retries pause 2.4 s at most. The SDK's own throttling backoff starts at
 * 1 s and doubles (up to 15 s over 4 retries): a token lookup throttled a few times running
 * outlived the functions' 10 s timeout, and a timed-out function is a 500, not a 503.
 */
export const sdkRetryDelay = (attempt: number): number => Math.floor(Math.random() * Math.min(1_000, 100 * 2 ** attempt));

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
  /** Attempts per call, first included, with {@link sdkRetryDelay} between them. @default SDK_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
}

/** A document client for `config`. */
export function createDocumentClient(config: DocumentClientConfig = {}): DocumentClient {
  const { maxAttempts = SDK_MAX_ATTEMPTS, ...rest } = config;
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return DynamoDBDocumentClient.from(new DynamoDBClient({ retryStrategy: new ConfiguredRetryStrategy(maxAttempts, sdkRetryDelay), ...defined }), {
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
 * items). Gives up with a 503 after `maxRounds`, or when the next round would
 * start more than `budgetMs` after the first (the function must answer within
 * its 10 s timeout: a timeout is a 500); callers' writes are idempotent, so the
 * client can safely retry the whole request.
 */
export async function withBackoff<T>(initial: T[], attempt: (pending: T[]) => Promise<T[]>, what: string, maxRounds = 8, budgetMs = 5_000): Promise<void> {
  const started = Date.now();
  let pending = initial;
  for (let round = 0; pending.length; round++) {
    const pause = round ? Math.random() * Math.min(2_000, 25 * 2 ** round) : 0;
    if (round === maxRounds || Date.now() + pause - started > budgetMs) {
      throw new ServiceUnavailableError(`DynamoDB kept throttling ${what}; nothing was lost, please retry the request.`);
    }
    if (pause) await sleep(pause);
    pending = await attempt(pending);
  }
}

/** Splits `items` into chunks of `size`. */
export const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
