/** Documented input limits (README "Limits"); one place so docs, schemas and tests agree. */
export const LIMITS = {
  /** Events per POST /v1/events. */
  batchSize: 100,
  /** Bytes of a request body (API Gateway allows 10 MB; an audit batch never needs that). */
  maxBodyBytes: 1_048_576,
  /** Bytes of one event's JSON, keeps every item far below DynamoDB's 400 KB. */
  maxEventBytes: 65_536,
  /** Bytes of the serialized `metadata` object. */
  maxMetadataBytes: 16_384,
  /** Bytes of each of `changes.before` / `changes.after`. */
  maxChangesBytes: 32_768,
  /** Levels of objects and arrays in `metadata`, `changes.before` and `changes.after` (the object itself is level 1). */
  maxNestingDepth: 32,
  /**
   * Levels of objects and arrays in a whole request body, checked on the raw text before it is parsed.
   * Above the deepest valid body (a batch's `changes.before` at 32 levels is 36 deep), so valid input
   * never meets it and the fields' own limit names the field first.
   */
  maxBodyNesting: 40,
  /** How far in the future `occurredAt` may be (clock skew allowance), ms. */
  maxClockSkewMs: 5 * 60_000,
  /** Page size bounds for listings. */
  defaultPageSize: 50,
  maxPageSize: 200,
  /** Items a listing may read per request before it returns a partial page with a cursor. */
  maxItemsScannedPerPage: 2_000,
} as const;
