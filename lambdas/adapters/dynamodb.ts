/**
 * The DynamoDB document client, created once per container. The SDK retries
 * throttling and 5xx itself (standard mode); batch operations additionally
 * retry their unprocessed part (see {@link withBackoff}).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ServiceUnavailableError } from '../core/errors.js';

export const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 }), {
  // The marshaller tells plain objects from class instances by `value.constructor.name`: a stored map with a
  // key named `constructor` (a tenant's recording switch for category `constructor`) failed as a class
  // instance, a 500 (found by the fuzz suite). Our items hold plain data only, so every object is a map.
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
});

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
