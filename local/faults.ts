/**
 * Local-only fault injection for failure-path tests: SES rejecting a recipient, S3
 * answering an error, a Step Functions task crashing before or after its handler ran,
 * DynamoDB throttling a share of calls (answered by local/dynamodb-proxy.ts).
 *
 * The rules live in the runner's process (where the emulators run); test workers run
 * in other processes and manage them over HTTP through a tiny control server:
 *
 *   POST   /faults       {"kind": "s3-fail", ...}  → 201 {"id": "f1"}
 *   GET    /faults       → 200 {"faults": [{"id", "hits", ...rule}]}
 *   DELETE /faults/{id}  → 204 (404 when unknown)
 *   DELETE /faults       → 204, removes every rule
 *
 * Nothing here exists in AWS: the rules make the local emulators answer exactly what
 * the real services answer in those situations, so handlers need no test hooks.
 */
import { createServer } from 'node:http';

/** SES v2 SendEmail to `recipient` (any of To/Cc/Bcc, case-insensitive) answers 400 MessageRejected. */
export interface SesRejectRule {
  readonly kind: 'ses-reject';
  readonly recipient: string;
  /** How many matching requests fail; then the rule stays listed but inert. @default every one */
  readonly times?: number;
}

/** S3 operation names as in the S3 API reference (what {@link s3Operation} derives from a request). */
export type S3Operation =
  | 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'CopyObject' | 'DeleteObjects'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload' | 'ListParts' | 'ListMultipartUploads' | 'ListObjects' | 'ListObjectsV2'
  | 'CreateBucket' | 'HeadBucket' | 'DeleteBucket' | 'Other';

/** Matching S3 requests answer S3's XML error, e.g. 500 InternalError. */
export interface S3FailRule {
  readonly kind: 's3-fail';
  /** Substring of the object key (for bucket-level operations: of the `prefix` query parameter). @default any key */
  readonly keyContains?: string;
  /** @default any operation */
  readonly operation?: S3Operation;
  /** @default every matching request */
  readonly times?: number;
  /** @default 500 */
  readonly status?: number;
  /** @default 'InternalError' */
  readonly code?: string;
  /** @default S3's message for the code, or a generic one */
  readonly message?: string;
}

/**
 * A Step Functions task "crashes" like a Lambda function whose runtime died: `before`
 * throws without running the handler; `after` runs the handler to completion (its side
 * effects happen) and then throws instead of returning its result.
 */
export interface TaskCrashRule {
  readonly kind: 'task-crash';
  /** Task id, e.g. `WriteExportChunk` (a key of `EXPORT_TASKS`). */
  readonly task: string;
  /** Only for this export (`input.exportId`). @default any */
  readonly exportId?: string;
  /** @default 'before' */
  readonly when?: 'before' | 'after';
  /** @default every matching invocation */
  readonly times?: number;
}

/** DynamoDB operation names, as in the `x-amz-target` header (`DynamoDB_20120810.PutItem`). */
export const DYNAMODB_WRITES = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'] as const;
export const DYNAMODB_READS = ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems'] as const;
export type DynamoDbOperation = (typeof DYNAMODB_WRITES)[number] | (typeof DYNAMODB_READS)[number];

/** The two throttling errors DynamoDB answers (HTTP 400); the SDK retries both as throttling. */
export type DynamoDbThrottleError = 'ProvisionedThroughputExceededException' | 'ThrottlingException';

/**
 * A share of matching DynamoDB calls is throttled the way DynamoDB throttles: an HTTP 400
 * `ProvisionedThroughputExceededException` or `ThrottlingException`, or, for BatchWriteItem
 * and BatchGetItem, a partial success whose `UnprocessedItems`/`UnprocessedKeys` hold some of
 * the request's items (only the rest reaches DynamoDB Local). Which calls are throttled is
 * drawn from a PRNG seeded per rule, so a sequence of calls meets the same fate every run.
 * `hits` counts throttled calls; `times` caps them.
 */
export interface DynamoDbThrottleRule {
  readonly kind: 'dynamodb-throttle';
  /** Share of matching calls throttled, 0..1. */
  readonly share: number;
  /** Operation names, or `writes` (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems) or `reads` (GetItem, BatchGetItem, Query, Scan, TransactGetItems). @default every operation */
  readonly operations?: readonly DynamoDbOperation[] | 'writes' | 'reads';
  /** The error of a throttled call. @default either, drawn per call */
  readonly error?: DynamoDbThrottleError;
  /**
   * For BatchWriteItem/BatchGetItem: the share of a throttled call's items returned
   * unprocessed in a partial success (rounded, at least 1 and at most all but 1; a call of
   * one item answers the error instead). @default none: throttled batch calls answer the error
   */
  readonly unprocessedShare?: number;
  /** With `unprocessedShare`: the share of throttled batch calls answered as a partial success rather than the error. @default 1 */
  readonly partialShare?: number;
  /** Only calls naming keys of this tenant (a string value starting `<tenant>#`, containing `#<tenant>#` or ending `#<tenant>`, e.g. `TENANT#<tenant>`). @default any */
  readonly tenant?: string;
  /** Or (with `tenant`: either matches) calls whose request body contains one of these strings, e.g. `TOKEN#<id>` for a token lookup. @default any */
  readonly bodyContains?: readonly string[];
  /** Only calls naming this table. @default any */
  readonly table?: string;
  /** PRNG seed. @default 1 */
  readonly seed?: number;
  /** @default no limit */
  readonly times?: number;
}

export type FaultRule = SesRejectRule | S3FailRule | TaskCrashRule | DynamoDbThrottleRule;

/** A rule as listed by `GET /faults`; `outcomes` counts hits by what they answered, where an emulator tells (e.g. `ThrottlingException: 12`). */
export type ActiveFault = FaultRule & { readonly id: string; readonly hits: number; readonly outcomes?: Readonly<Record<string, number>> };

/** The error name a crashed Lambda invocation surfaces with in Step Functions. */
export const LAMBDA_CRASH_ERROR = 'Lambda.Unknown';

/** The rules of one local stack. Emulators ask {@link Faults.take} on every request they may fail. */
export class Faults {
  private readonly rules = new Map<string, { rule: FaultRule; hits: number; outcomes?: Record<string, number> }>();
  private next = 1;

  /** Adds a rule (validated) and returns its id. */
  add(rule: FaultRule): string {
    validateRule(rule);
    const id = `f${this.next++}`;
    this.rules.set(id, { rule: { ...rule }, hits: 0 });
    return id;
  }

  remove(id: string): boolean {
    return this.rules.delete(id);
  }

  clear(): void {
    this.rules.clear();
  }

  /** Whether any rule of `kind` is active (cheap: callers on a hot path skip all work when not). */
  has(kind: FaultRule['kind']): boolean {
    for (const { rule } of this.rules.values()) if (rule.kind === kind) return true;
    return false;
  }

  list(): ActiveFault[] {
    return [...this.rules].map(([id, { rule, hits, outcomes }]) => ({ ...rule, id, hits, ...(outcomes ? { outcomes: { ...outcomes } } : {}) }));
  }

  /** Counts one `outcome` of a hit of `rule` (the object {@link take} returned). */
  note(rule: FaultRule, outcome: string): void {
    for (const entry of this.rules.values()) {
      if (entry.rule !== rule) continue;
      entry.outcomes ??= {};
      entry.outcomes[outcome] = (entry.outcomes[outcome] ?? 0) + 1;
    }
  }

  /**
   * The first rule of `kind` that `matches` and still has `times` left; counts the hit.
   * Rules are checked in the order they were added.
   */
  take<K extends FaultRule['kind']>(kind: K, matches: (rule: Extract<FaultRule, { kind: K }>) => boolean): Extract<FaultRule, { kind: K }> | undefined {
    for (const entry of this.rules.values()) {
      const rule = entry.rule as Extract<FaultRule, { kind: K }>;
      if (rule.kind !== kind) continue;
      if (rule.times !== undefined && entry.hits >= rule.times) continue;
      if (!matches(rule)) continue;
      entry.hits++;
      return rule;
    }
    return undefined;
  }
}

function validateRule(rule: FaultRule): void {
  const fail = (msg: string): never => { throw new FaultRuleError(msg); };
  if (rule === null || typeof rule !== 'object') fail('a fault rule is a JSON object');
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) fail('times must be a positive integer');
  switch (rule.kind) {
    case 'ses-reject':
      if (typeof rule.recipient !== 'string' || !rule.recipient.includes('@')) fail('ses-reject needs a recipient email address');
      return;
    case 's3-fail':
      if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 400 && rule.status <= 599)) fail('status must be 400..599');
      return;
    case 'task-crash':
      if (typeof rule.task !== 'string' || !rule.task) fail('task-crash needs a task id, e.g. WriteExportChunk');
      if (rule.when !== undefined && rule.when !== 'before' && rule.when !== 'after') fail("when must be 'before' or 'after'");
      return;
    case 'dynamodb-throttle': {
      const share = (name: string, v: unknown, open = false) => {
        if (typeof v !== 'number' || !(v >= 0 && v <= 1) || (open && (v === 0 || v === 1))) fail(`${name} must be a number ${open ? 'between 0 and 1 (exclusive)' : 'from 0 to 1'}`);
      };
      share('share', rule.share);
      if (rule.unprocessedShare !== undefined) share('unprocessedShare', rule.unprocessedShare, true);
      if (rule.partialShare !== undefined) share('partialShare', rule.partialShare);
      const ops = rule.operations;
      const known: readonly string[] = [...DYNAMODB_WRITES, ...DYNAMODB_READS];
      if (ops !== undefined && ops !== 'reads' && ops !== 'writes' && !(Array.isArray(ops) && ops.length && ops.every((o) => known.includes(o)))) {
        fail(`operations must be 'reads', 'writes' or a non-empty list of ${known.join(', ')}`);
      }
      if (rule.error !== undefined && rule.error !== 'ProvisionedThroughputExceededException' && rule.error !== 'ThrottlingException') {
        fail("error must be 'ProvisionedThroughputExceededException' or 'ThrottlingException'");
      }
      for (const [name, v] of [['tenant', rule.tenant], ['table', rule.table]] as const) {
        if (v !== undefined && (typeof v !== 'string' || !v)) fail(`${name} must be a non-empty string`);
      }
      if (rule.bodyContains !== undefined && !(Array.isArray(rule.bodyContains) && rule.bodyContains.every((b) => typeof b === 'string' && b))) {
        fail('bodyContains must be a list of non-empty strings');
      }
      if (rule.seed !== undefined && !Number.isInteger(rule.seed)) fail('seed must be an integer');
      return;
    }
    default:
      fail(`unknown kind ${JSON.stringify((rule as { kind?: unknown }).kind)}; expected ses-reject, s3-fail, task-crash or dynamodb-throttle`);
  }
}

/** A rule the control server rejects with 400. */
export class FaultRuleError extends Error {
  override name = 'FaultRuleError';
}

/** A running fault control server. */
export interface FaultServer {
  /** `http://127.0.0.1:<port>`; rules under `/faults`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves `faults` over HTTP on 127.0.0.1 (see the module comment for the routes). */
export async function startFaultServer(faults: Faults, port = 0): Promise<FaultServer> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body?: unknown) => {
        if (body === undefined) {
          res.writeHead(status).end();
          return;
        }
        const text = JSON.stringify(body);
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      };
      const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '');
      const one = /^\/faults\/([^/]+)$/.exec(path);
      if (path === '/faults' && req.method === 'GET') {
        send(200, { faults: faults.list() });
      } else if (path === '/faults' && req.method === 'DELETE') {
        faults.clear();
        send(204);
      } else if (path === '/faults' && req.method === 'POST') {
        try {
          send(201, { id: faults.add(JSON.parse(Buffer.concat(chunks).toString('utf8')) as FaultRule) });
        } catch (err) {
          send(400, { message: err instanceof SyntaxError ? `invalid JSON: ${err.message}` : (err as Error).message });
        }
      } else if (one && req.method === 'DELETE') {
        send(faults.remove(decodeURIComponent(one[1])) ? 204 : 404);
      } else {
        send(404, { message: 'Not Found' });
      }
    });
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${bound}`,
    stop: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

/**
 * Client side, for tests in other processes: adds a rule to the local stack whose
 * fault server is `faultsUrl` and returns its id and a function that removes it again.
 */
export async function injectFault(faultsUrl: string, rule: FaultRule): Promise<{ id: string; remove(): Promise<void> }> {
  const res = await fetch(`${faultsUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  const body = (await res.json()) as { id?: string; message?: string };
  if (res.status !== 201 || !body.id) throw new Error(`fault server refused ${JSON.stringify(rule)}: ${res.status} ${body.message ?? ''}`);
  const id = body.id;
  return {
    id,
    async remove() {
      await fetch(`${faultsUrl}/faults/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
  };
}

/** Client side: the rules with their hit counts. */
export async function listFaults(faultsUrl: string): Promise<ActiveFault[]> {
  const res = await fetch(`${faultsUrl}/faults`);
  return ((await res.json()) as { faults: ActiveFault[] }).faults;
}
