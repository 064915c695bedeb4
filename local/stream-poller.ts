/**
 * A local peer of Lambda's DynamoDB Streams event source mapping: polls a table's stream
 * on DynamoDB Local (DescribeStream / GetShardIterator / GetRecords) and invokes a
 * handler with the `DynamoDBStreamEvent` Lambda delivers, with Lambda's batching,
 * retry, bisect, partial-batch-response and on-failure behaviour.
 *
 * What it implements (Lambda developer guide, "Using AWS Lambda with Amazon DynamoDB",
 * "Lambda parameters for Amazon DynamoDB event source mappings" and "Configuring partial
 * batch response with DynamoDB and Lambda"):
 * - Every shard is followed, children only after their parent is finished (parent→child
 *   order, as Lambda does after a shard split), with at most one batch in flight per
 *   shard; records of a shard reach the handler in stream order. Shards are processed
 *   concurrently with each other.
 * - `startingPosition`: `LATEST` reads the open shards from their tip (closed shards that
 *   exist at start are skipped); shards that appear later are read from their start.
 * - A batch is up to `batchSize` records; with `maxBatchingWindowMs` the poller keeps
 *   reading until the batch is full or the window since its first record has passed.
 * - A handler error (a throw, or running past the function's timeout) fails the whole
 *   batch. With `bisectBatchOnFunctionError` a failed batch of more than one record is
 *   split in two and the halves are retried in order; the split itself does not count as
 *   a retry attempt, so a poisoned record is isolated in about log2(batchSize) extra
 *   invocations and then retried `maxRetryAttempts` times on its own. Without bisecting
 *   the whole batch is retried `maxRetryAttempts` times. When the attempts are used up,
 *   `onFailure` gets the on-failure destination record of what is discarded
 *   (`DDBStreamBatchInfo` with shard and sequence range) and the shard moves on: a
 *   poisoned record never blocks it. `maxRetryAttempts: -1` retries forever (Lambda's
 *   default, until the record expires).
 * - With `reportBatchItemFailures`, `{ batchItemFailures: [{ itemIdentifier }] }` checkpoints
 *   just before the lowest reported sequence number and retries from there (counted as a
 *   retry attempt); an empty or null list is success; an empty, null or unknown
 *   `itemIdentifier` fails the whole batch. Without the option the result is ignored.
 *
 * Records keep DynamoDB JSON (`{ "S": "..." }`, binary as base64), as Lambda delivers
 * them; `ApproximateCreationDateTime` is epoch seconds (DynamoDB Local rounds it to the
 * minute), `userIdentity` is `{ type, principalId }` (TTL deletes), `awsRegion` is
 * the configured region. `eventSourceARN` is the stream ARN as DynamoDB Local names it
 * (region `ddblocal`), since DynamoDB Local resolves no other spelling of it.
 *
 * Not emulated: `MaximumRecordAgeInSeconds`, `ParallelizationFactor`, tumbling windows,
 * filter criteria, the 6 MB invocation payload limit.
 */
import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand, DynamoDBStreamsClient, ExpiredIteratorException, GetRecordsCommand, GetShardIteratorCommand,
  ResourceNotFoundException, TrimmedDataAccessException,
  type AttributeValue as SdkAttributeValue, type _Record as SdkRecord, type Shard, type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_AWS } from './dynamodb.js';
import { lambdaContext, type FunctionSettings } from './http-api.js';

/** A stream consumer: a plain Lambda handler. */
export type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<unknown> | unknown;

/** What Lambda sends to an on-failure destination for a discarded DynamoDB Streams batch. */
export interface StreamFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: { readonly statusCode: 200; readonly executedVersion: '$LATEST'; readonly functionError: 'Unhandled' };
  readonly version: '1.0';
  /** ISO time of the decision. */
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    /** ISO times from the records' `ApproximateCreationDateTime`. */
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

/** Options of {@link startStreamPoller}. */
export interface StreamPollerOptions {
  /** DynamoDB Local, e.g. `http://127.0.0.1:8000` (serves both the table and the Streams API). */
  readonly endpoint: string;
  /** `awsRegion` of the records and the region of the ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** A table with a stream enabled; its latest stream is read. */
  readonly tableName: string;
  readonly handler: StreamHandler;
  /** Where to start in the shards that are open when the poller starts. */
  readonly startingPosition: 'LATEST' | 'TRIM_HORIZON';
  /** Most records per invocation. @default 100 (Lambda's default) */
  readonly batchSize?: number;
  /** How long to gather records before invoking. @default 0 (invoke as soon as records are there, as Lambda) */
  readonly maxBatchingWindowMs?: number;
  /** Split a failed batch in two before retrying. @default true (Lambda's default is false; the stack turns it on) */
  readonly bisectBatchOnFunctionError?: boolean;
  /** Retries of a failed batch before it is discarded; -1 = until it expires. @default 2 */
  readonly maxRetryAttempts?: number;
  /** The on-failure destination: gets Lambda's record, and locally the discarded records too. Errors are logged. */
  readonly onFailure?: (info: StreamFailureRecord, records: readonly DynamoDBRecord[]) => Promise<void> | void;
  /** Honour `batchItemFailures` in the handler's result (`FunctionResponseTypes: ['ReportBatchItemFailures']`). @default false */
  readonly reportBatchItemFailures?: boolean;
  /** Pause between polls of a shard that had nothing new. @default 100 (Lambda polls 4 times a second) */
  readonly pollIntervalMs?: number;
  /** How often the stream is described to find new shards. @default 1000 */
  readonly shardRefreshMs?: number;
  /** The consumer's name, timeout and memory (for the context and the timeout). @default `stream-consumer`, 60 s, 128 MB */
  readonly fn?: FunctionSettings;
  /** Where handler errors and polling errors are reported. @default console.error */
  readonly onError?: (err: unknown, what: string) => void;
  /** @default LOCAL_AWS.credentials */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Counters of a running poller (live). */
export interface StreamPollerStats {
  /** Handler invocations, failed ones included. */
  invocations: number;
  failedInvocations: number;
  /** Records in invocations that succeeded (for partial failures: the ones before the first failed item). */
  deliveredRecords: number;
  /** Re-invocations of the same records after a failure (bisected halves not counted). */
  retries: number;
  bisections: number;
  /** Records handed to `onFailure` (or dropped without one). */
  discardedRecords: number;
  shardsFollowed: number;
  shardsFinished: number;
}

/** A running poller. */
export interface LocalStreamPoller {
  /** The stream being read, as DynamoDB Local names it. */
  readonly streamArn: string;
  readonly stats: Readonly<StreamPollerStats>;
  /** Resolves once everything written before the call has been handled (delivered or discarded). Rejects after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<void>;
  /** Stops polling; waits for a batch in flight. Safe to call twice. */
  stop(): Promise<void>;
}

interface Worker {
  readonly shardId: string;
  readonly parentShardId?: string;
  startAt: ShardIteratorType;
  iterator?: string;
  /** Sequence number of the last record read (to get a new iterator after expiry). */
  lastRead?: string;
  buffer: DynamoDBRecord[];
  firstBufferedAt: number;
  finished: boolean;
  started: boolean;
  /** Start time of the latest GetRecords that found nothing while nothing was pending. */
  caughtUpSince: number;
}

/** SDK attribute value (binary as bytes) → Lambda's JSON form (binary as base64). */
function attributeValue(v: SdkAttributeValue): AttributeValue {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.M !== undefined) return { M: attributeMap(v.M)! };
  if (v.L !== undefined) return { L: v.L.map(attributeValue) };
  const { $unknown: _, ...rest } = v as SdkAttributeValue & { $unknown?: unknown };
  return rest as AttributeValue;
}

function attributeMap(m: Record<string, SdkAttributeValue> | undefined): Record<string, AttributeValue> | undefined {
  return m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, attributeValue(v)]));
}

/** Drops keys whose value is undefined (Lambda's JSON has no such keys). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A record from GetRecords → the record Lambda puts in `DynamoDBStreamEvent.Records`.
 * @param eventSourceARN the stream ARN as Lambda reports it
 */
export function lambdaStreamRecord(r: SdkRecord, eventSourceARN: string, awsRegion: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime;
  return defined<DynamoDBRecord>({
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: r.eventSource ?? 'aws:dynamodb',
    awsRegion,
    dynamodb: defined({
      // Epoch seconds, rounded down (StreamRecord.ApproximateCreationDateTime).
      ApproximateCreationDateTime: created === undefined ? undefined : Math.floor(new Date(created).getTime() / 1000),
      Keys: attributeMap(d.Keys),
      NewImage: attributeMap(d.NewImage),
      OldImage: attributeMap(d.OldImage),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    }),
    eventSourceARN,
    userIdentity: r.userIdentity ? defined({ type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId }) : undefined,
  });
}

const seq = (r: DynamoDBRecord) => r.dynamodb?.SequenceNumber ?? '';

/**
 * Starts polling `tableName`'s stream. Resolves once the shards are known and the
 * starting iterators taken (so with `LATEST`, writes made after it resolves are delivered).
 */
export async function startStreamPoller(opts: StreamPollerOptions): Promise<LocalStreamPoller> {
  const region = opts.region ?? LOCAL_AWS.region;
  const batchSize = opts.batchSize ?? 100;
  const windowMs = opts.maxBatchingWindowMs ?? 0;
  const bisect = opts.bisectBatchOnFunctionError ?? true;
  const maxRetries = opts.maxRetryAttempts ?? 2;
  const pollMs = opts.pollIntervalMs ?? 100;
  const refreshMs = opts.shardRefreshMs ?? 1000;
  const fn = opts.fn ?? { name: 'stream-consumer', timeoutSeconds: 60, memoryMb: 128 };
  const onError = opts.onError ?? ((err: unknown, what: string) => console.error(`local stream poller (${opts.tableName}): ${what}:`, err));
  const clientConfig = { endpoint: opts.endpoint, region, credentials: opts.credentials ?? LOCAL_AWS.credentials, maxAttempts: 3 };
  const ddb = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);

  const table = await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
  ddb.destroy();
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn || !table.Table?.StreamSpecification?.StreamEnabled) {
    streams.destroy();
    throw new Error(`table ${opts.tableName} has no stream enabled`);
  }
  // Kept as DynamoDB Local names it (region `ddblocal`): it only resolves there in that form.
  const sourceArn = streamArn;
  const functionArn = `arn:aws:lambda:${region}:000000000000:function:${fn.name}`;

  const stats: StreamPollerStats = {
    invocations: 0, failedInvocations: 0, deliveredRecords: 0, retries: 0, bisections: 0, discardedRecords: 0, shardsFollowed: 0, shardsFinished: 0,
  };
  const workers = new Map<string, Worker>();
  let stopped = false;
  const wakers = new Set<() => void>();
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (stopped) return resolve();
    const wake = () => { clearTimeout(timer); wakers.delete(wake); resolve(); };
    const timer = setTimeout(wake, ms);
    wakers.add(wake);
  });

  const describeShards = async (): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  };

  const iteratorFor = async (w: Worker): Promise<string | undefined> => {
    const after = w.lastRead !== undefined;
    const out = await streams.send(new GetShardIteratorCommand({
      StreamArn: streamArn,
      ShardId: w.shardId,
      ShardIteratorType: after ? 'AFTER_SEQUENCE_NUMBER' : w.startAt,
      SequenceNumber: after ? w.lastRead : undefined,
    }));
    return out.ShardIterator;
  };

  /** Adds workers for shards not seen yet; the first call applies `startingPosition`. */
  const loops: Promise<void>[] = [];
  let initial = true;
  const discover = async () => {
    for (const shard of await describeShards()) {
      const shardId = shard.ShardId!;
      if (workers.has(shardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      const w: Worker = {
        shardId,
        parentShardId: shard.ParentShardId,
        startAt: initial ? (opts.startingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON') : 'TRIM_HORIZON',
        buffer: [],
        firstBufferedAt: 0,
        finished: initial && opts.startingPosition === 'LATEST' && closed,
        started: false,
        caughtUpSince: 0,
      };
      workers.set(shardId, w);
      if (w.finished) continue;
      stats.shardsFollowed++;
      // LATEST is taken now, so that what is written after start() resolves is seen.
      if (w.startAt === 'LATEST') w.iterator = await iteratorFor(w);
      loops.push(runShard(w));
    }
    initial = false;
  };

  const parentDone = (w: Worker) => {
    const parent = w.parentShardId === undefined ? undefined : workers.get(w.parentShardId);
    return !parent || parent.finished;
  };

  /** One invocation: `failedFrom` is the index of the first record not processed (`records.length` on success). */
  const invoke = async (records: DynamoDBRecord[]): Promise<{ failedFrom: number; error?: unknown }> => {
    stats.invocations++;
    const timeoutMs = fn.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await Promise.race([
        Promise.resolve(opts.handler({ Records: structuredClone(records) }, lambdaContext(fn, Date.now() + timeoutMs))),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Task timed out after ${fn.timeoutSeconds} seconds`)), timeoutMs);
        }),
      ]);
      if (!opts.reportBatchItemFailures) return { failedFrom: records.length };
      const failures = (result as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
      if (failures === undefined || failures === null || (Array.isArray(failures) && failures.length === 0)) return { failedFrom: records.length };
      if (!Array.isArray(failures)) return { failedFrom: 0, error: new Error('batchItemFailures is not a list') };
      const indexes = failures.map((f: { itemIdentifier?: unknown } | null) => {
        const id = f?.itemIdentifier;
        return typeof id === 'string' && id ? records.findIndex((r) => seq(r) === id) : -1;
      });
      if (indexes.some((i) => i < 0)) return { failedFrom: 0, error: new Error('batchItemFailures names an empty, null or unknown itemIdentifier') };
      return { failedFrom: Math.min(...indexes), error: new Error('partial batch failure') };
    } catch (err) {
      return { failedFrom: 0, error: err };
    } finally {
      clearTimeout(timer);
    }
  };

  const discard = async (w: Worker, records: DynamoDBRecord[], invokeCount: number) => {
    stats.discardedRecords += records.length;
    if (!opts.onFailure) return;
    const when = (r: DynamoDBRecord) => new Date((r.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000).toISOString();
    const info: StreamFailureRecord = {
      requestContext: { requestId: randomUUID(), functionArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: invokeCount },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId: w.shardId,
        startSequenceNumber: seq(records[0]),
        endSequenceNumber: seq(records[records.length - 1]),
        approximateArrivalOfFirstRecord: when(records[0]),
        approximateArrivalOfLastRecord: when(records[records.length - 1]),
        batchSize: records.length,
        streamArn: sourceArn,
      },
    };
    try {
      await opts.onFailure(info, structuredClone(records));
    } catch (err) {
      onError(err, 'onFailure');
    }
  };

  /** Delivers one batch: retries, bisects and discards until every record is handled, in order. */
  const processBatch = async (w: Worker, batch: DynamoDBRecord[]) => {
    const queue: Array<{ records: DynamoDBRecord[]; attempts: number; invocations: number }> = [{ records: batch, attempts: 0, invocations: 0 }];
    while (queue.length) {
      const item = queue[0];
      if (item.attempts > 0) stats.retries++;
      item.invocations++;
      const { failedFrom, error } = await invoke(item.records);
      stats.deliveredRecords += failedFrom;
      if (failedFrom >= item.records.length) {
        queue.shift();
        continue;
      }
      stats.failedInvocations++;
      onError(error, `handler failed on ${item.records.length} record(s) from ${seq(item.records[failedFrom])}`);
      if (failedFrom > 0) {
        // Partial batch response: checkpoint before the first failed item, retry from it.
        item.records = item.records.slice(failedFrom);
        item.attempts++;
      } else if (bisect && item.records.length > 1) {
        stats.bisections++;
        const half = Math.ceil(item.records.length / 2);
        queue.splice(0, 1,
          { records: item.records.slice(0, half), attempts: item.attempts, invocations: item.invocations },
          { records: item.records.slice(half), attempts: item.attempts, invocations: item.invocations });
        continue;
      } else {
        item.attempts++;
      }
      if (maxRetries >= 0 && item.attempts > maxRetries) {
        queue.shift();
        await discard(w, item.records, item.invocations);
      } else if (stopped) {
        return;
      }
    }
  };

  const runShard = async (w: Worker) => {
    while (!stopped) {
      try {
        if (!parentDone(w)) {
          await sleep(pollMs);
          continue;
        }
        if (!w.started) {
          w.started = true;
          if (!w.iterator) w.iterator = await iteratorFor(w);
        }
        const pollStarted = Date.now();
        let got = 0;
        if (w.iterator && w.buffer.length < batchSize) {
          try {
            const out = await streams.send(new GetRecordsCommand({ ShardIterator: w.iterator, Limit: batchSize - w.buffer.length }));
            w.iterator = out.NextShardIterator;
            const records = (out.Records ?? []).map((r) => lambdaStreamRecord(r, sourceArn, region));
            if (records.length && !w.buffer.length) w.firstBufferedAt = Date.now();
            w.buffer.push(...records);
            got = records.length;
            if (got) w.lastRead = seq(records[got - 1]);
          } catch (err) {
            if (err instanceof ExpiredIteratorException) {
              w.iterator = await iteratorFor(w);
              continue;
            }
            if (err instanceof TrimmedDataAccessException && w.startAt === 'LATEST' && w.lastRead === undefined) {
              // DynamoDB Local answers a LATEST iterator of a shard that holds no record yet with
              // TrimmedDataAccessException on every read. Nothing was there to skip: read from the horizon.
              w.startAt = 'TRIM_HORIZON';
              w.iterator = await iteratorFor(w);
              continue;
            }
            if (err instanceof TrimmedDataAccessException || err instanceof ResourceNotFoundException) {
              onError(err, `shard ${w.shardId} is gone; skipping it`);
              w.iterator = undefined;
              w.buffer = [];
            } else {
              throw err;
            }
          }
        }
        if (w.buffer.length) {
          const gathering = windowMs > 0 && w.iterator && w.buffer.length < batchSize && Date.now() - w.firstBufferedAt < windowMs;
          if (gathering) {
            await sleep(Math.min(pollMs, windowMs - (Date.now() - w.firstBufferedAt)));
            continue;
          }
          const batch = w.buffer.splice(0, batchSize);
          if (w.buffer.length) w.firstBufferedAt = Date.now();
          await processBatch(w, batch);
          continue;
        }
        if (!w.iterator) {
          // Closed and fully read: children may start; look for them now.
          w.finished = true;
          stats.shardsFinished++;
          await discover().catch((err) => onError(err, 'describing the stream'));
          return;
        }
        if (got === 0) {
          w.caughtUpSince = pollStarted;
          await sleep(pollMs);
        }
      } catch (err) {
        onError(err, `polling shard ${w.shardId}`);
        await sleep(Math.max(pollMs, 500));
      }
    }
  };

  await discover();
  const refresher = (async () => {
    while (!stopped) {
      await sleep(refreshMs);
      if (stopped) break;
      await discover().catch((err) => onError(err, 'describing the stream'));
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    streamArn,
    stats,
    async idle(timeoutMs = 30_000) {
      const since = Date.now();
      await discover();
      const deadline = since + timeoutMs;
      for (;;) {
        const pending = [...workers.values()].filter((w) => !w.finished && w.caughtUpSince < since);
        if (!pending.length) return;
        if (stopped) throw new Error('the poller was stopped');
        if (Date.now() > deadline) {
          throw new Error(`stream poller not idle after ${timeoutMs} ms: shards ${pending.map((w) => w.shardId).join(', ')} still have records`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop() {
      return stopping ??= (async () => {
        stopped = true;
        [...wakers].forEach((wake) => wake());
        await Promise.allSettled([refresher, ...loops]);
        streams.destroy();
      })();
    },
  };
}
