/** Classifying errors of AWS SDK calls, without importing the SDK (handlers and the authorizer share it). */

/** Throttling errors: the call was refused, so it changed nothing. */
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded', 'TooManyRequestsException', 'SlowDown']);
/**
 * AWS errors that mean "the service is busy or briefly failing": throttling (which the SDK has
 * already retried with backoff) and 5xx. They surface as 503 (safe to retry: writes are
 * idempotent), never as 500.
 */
const TRANSIENT = new Set([...THROTTLING, 'TransactionConflictException']);
/** Reasons a DynamoDB transaction is cancelled for that a retry can cure. */
const TRANSIENT_CANCELLATION = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict', 'None']);

/** Whether `error` is transient: throttling, a 5xx, a timeout, or a transaction cancelled only for such reasons. */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; CancellationReasons?: { Code?: string }[] } | undefined;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'TransactionCanceledException') {
    const codes = (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
    return codes.some((c) => c !== 'None') && codes.every((c) => TRANSIENT_CANCELLATION.has(c));
  }
  return TRANSIENT.has(e.name ?? '') || (e.$metadata?.httpStatusCode ?? 0) >= 500 || e.name === 'TimeoutError';
}

/** Whether `error` is a throttling error (the call was refused and changed nothing, so repeating it is safe even when it is not idempotent). */
export function isThrottlingAwsError(error: unknown): boolean {
  return THROTTLING.has((error as { name?: string } | undefined)?.name ?? '');
}
