/**
 * A fault proxy in front of DynamoDB Local: the handlers reach DynamoDB through it
 * (`AWS_ENDPOINT_URL_DYNAMODB`), so `dynamodb-throttle` fault rules (local/faults.ts) can
 * make a share of their calls fail exactly the way DynamoDB throttles, with no test hook
 * in the handlers:
 *
 * - an error: HTTP 400, `application/x-amz-json-1.0`, `ProvisionedThroughputExceededException`
 *   or `ThrottlingException` with DynamoDB's own `__type` and message (the SDK retries both
 *   as throttling errors, `THROTTLING_ERROR_CODES` of @smithy/core's error classification);
 * - for BatchWriteItem/BatchGetItem, a partial success: the request is rewritten to forward
 *   only some of its items, and the others come back in `UnprocessedItems`/`UnprocessedKeys`
 *   next to whatever DynamoDB Local itself left unprocessed. DynamoDB Local does not verify
 *   request signatures (it only wants an Authorization header), so the rewritten body needs
 *   no re-signing.
 *
 * With no `dynamodb-throttle` rule active, requests and responses are piped through
 * untouched (bodies streamed, one keep-alive connection pool to DynamoDB Local): the proxy
 * is in the path of every local request, so it must cost next to nothing.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { DYNAMODB_READS, DYNAMODB_WRITES, type DynamoDbThrottleError, type DynamoDbThrottleRule, type Faults } from './faults.js';
import { prng, type Rng } from './prng.js';

/** A running proxy. */
export interface DynamoDbProxy {
  /** `http://127.0.0.1:<port>`: use it as the DynamoDB endpoint. */
  readonly endpoint: string;
  /** Stops listening and drops every connection. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of {@link startDynamoDbProxy}. */
export interface DynamoDbProxyOptions {
  /** DynamoDB Local's endpoint, `http://127.0.0.1:<port>`. */
  readonly target: string;
  /** Where `dynamodb-throttle` rules are looked up, on every request. */
  readonly faults: Faults;
  /** @default a free port chosen by the OS */
  readonly port?: number;
}

/** DynamoDB's answers to a throttled call, verbatim. */
export const THROTTLE_ERRORS: Readonly<Record<DynamoDbThrottleError, { readonly type: string; readonly message: string }>> = {
  ProvisionedThroughputExceededException: {
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
  },
  ThrottlingException: {
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
  },
};

const KIND = 'dynamodb-throttle';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Headers worth forwarding (hop-by-hop ones belong to each connection). */
function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

/** The operation of a DynamoDB request: `DynamoDB_20120810.PutItem` → `PutItem`. */
const operationOf = (req: IncomingMessage): string => {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
};

function operationMatches(rule: DynamoDbThrottleRule, op: string): boolean {
  const ops = rule.operations;
  if (ops === undefined) return true;
  const list: readonly string[] = ops === 'writes' ? DYNAMODB_WRITES : ops === 'reads' ? DYNAMODB_READS : ops;
  return list.includes(op);
}

/** Tenant, body substrings (either) and table (and), on the raw JSON body. */
function scopeMatches(rule: DynamoDbThrottleRule, body: string): boolean {
  if (rule.table !== undefined && !body.includes(JSON.stringify(rule.table))) return false;
  if (rule.tenant === undefined && rule.bodyContains === undefined) return true;
  const t = rule.tenant;
  if (t !== undefined && (body.includes(`"${t}#`) || body.includes(`#${t}#`) || body.includes(`#${t}"`))) return true;
  return (rule.bodyContains ?? []).some((s) => body.includes(s));
}

/** A JSON answer as DynamoDB writes it (request id, CRC32 of the body). */
function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(bytes.length),
    'x-amzn-requestid': headers['x-amzn-requestid'] ?? randomUUID(),
    'x-amz-crc32': String(crc32(bytes)),
  }).end(bytes);
}

/** A batch request split in what is forwarded and what comes back unprocessed. */
interface BatchSplit {
  readonly forward: Record<string, unknown>;
  /** Per table: write requests (BatchWriteItem) or `{Keys, ...read parameters}` (BatchGetItem). */
  readonly held: Record<string, unknown>;
}

/**
 * Picks `round(n × share)` (1..n-1) of the batch's items at random to hold back; undefined
 * when the batch has fewer than 2 items (nothing to split) or is not what DynamoDB expects.
 */
function splitBatch(op: 'BatchWriteItem' | 'BatchGetItem', request: Record<string, any>, share: number, rng: Rng): BatchSplit | undefined {
  const tables = request?.RequestItems;
  if (!tables || typeof tables !== 'object') return undefined;
  const itemsOf = (t: string): unknown[] | undefined => (op === 'BatchWriteItem' ? tables[t] : tables[t]?.Keys);
  const slots: [string, number][] = [];
  for (const t of Object.keys(tables)) {
    const items = itemsOf(t);
    if (!Array.isArray(items)) return undefined;
    items.forEach((_, i) => slots.push([t, i]));
  }
  const n = slots.length;
  if (n < 2) return undefined;
  const k = Math.min(n - 1, Math.max(1, Math.round(n * share)));
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, n - 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  const heldSlots = new Set(slots.slice(0, k).map(([t, i]) => `${i}\u0000${t}`));
  const forwardTables: Record<string, unknown> = {};
  const held: Record<string, unknown> = {};
  for (const t of Object.keys(tables)) {
    const keep: unknown[] = [];
    const hold: unknown[] = [];
    itemsOf(t)!.forEach((item, i) => (heldSlots.has(`${i}\u0000${t}`) ? hold : keep).push(item));
    const wrap = (items: unknown[]) => (op === 'BatchWriteItem' ? items : { ...tables[t], Keys: items });
    if (keep.length) forwardTables[t] = wrap(keep);
    if (hold.length) held[t] = wrap(hold);
  }
  return { forward: { ...request, RequestItems: forwardTables }, held };
}

/** Adds the held-back items to a successful batch response's unprocessed part. */
function mergeUnprocessed(op: 'BatchWriteItem' | 'BatchGetItem', response: Record<string, any>, held: Record<string, unknown>): Record<string, any> {
  const key = op === 'BatchWriteItem' ? 'UnprocessedItems' : 'UnprocessedKeys';
  const unprocessed: Record<string, any> = { ...(response[key] ?? {}) };
  for (const [t, part] of Object.entries(held)) {
    const already = unprocessed[t];
    if (op === 'BatchWriteItem') unprocessed[t] = [...(already ?? []), ...(part as unknown[])];
    else unprocessed[t] = { ...(part as object), Keys: [...(already?.Keys ?? []), ...(part as { Keys: unknown[] }).Keys] };
  }
  return { ...response, [key]: unprocessed };
}

/** Starts the proxy on 127.0.0.1 (see the module comment). */
export async function startDynamoDbProxy(opts: DynamoDbProxyOptions): Promise<DynamoDbProxy> {
  const target = new URL(opts.target);
  const agent = new Agent({ keepAlive: true });
  const { faults } = opts;
  // One PRNG per rule (the rule object Faults holds), created at its first matching call.
  const rngs = new WeakMap<DynamoDbThrottleRule, Rng>();
  const rngOf = (rule: DynamoDbThrottleRule): Rng => {
    let rng = rngs.get(rule);
    if (!rng) rngs.set(rule, (rng = prng(rule.seed ?? 1)));
    return rng;
  };

  /** Sends a request upstream; `body` undefined pipes `req`'s body. */
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, onResponse?: (up: IncomingMessage) => void): void => {
    const headers = endToEnd(req.headers);
    if (body) {
      headers['content-length'] = String(body.length);
      if (onResponse) headers['accept-encoding'] = 'identity'; // the answer gets rewritten
    }
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent }, (upRes) => {
      if (onResponse) return onResponse(upRes);
      res.writeHead(upRes.statusCode ?? 502, endToEnd(upRes.headers));
      upRes.pipe(res);
    });
    // DynamoDB Local gone or the connection broke: the client sees a broken connection too (the SDK retries those).
    up.on('error', () => res.destroy());
    res.on('close', () => { if (!res.writableFinished) up.destroy(); });
    if (body) up.end(body);
    else req.pipe(up);
  };

  const throttled = (req: IncomingMessage, res: ServerResponse, op: string, body: Buffer): void => {
    const text = body.toString('utf8');
    const rule = faults.take(KIND, (r) => operationMatches(r, op) && scopeMatches(r, text) && rngOf(r).next() < r.share);
    if (!rule) return forward(req, res, body);
    const rng = rngOf(rule);
    if ((op === 'BatchWriteItem' || op === 'BatchGetItem') && rule.unprocessedShare !== undefined && rng.next() < (rule.partialShare ?? 1)) {
      let split: BatchSplit | undefined;
      try {
        split = splitBatch(op, JSON.parse(text), rule.unprocessedShare, rng);
      } catch {
        split = undefined; // not JSON: DynamoDB Local will say so
      }
      if (split) {
        const { held } = split;
        faults.note(rule, 'UnprocessedItems');
        return forward(req, res, Buffer.from(JSON.stringify(split.forward), 'utf8'), (upRes) => {
          const chunks: Buffer[] = [];
          upRes.on('data', (c: Buffer) => chunks.push(c));
          upRes.on('error', () => res.destroy());
          upRes.on('end', () => {
            const raw = Buffer.concat(chunks);
            const headers = endToEnd(upRes.headers);
            if (upRes.statusCode !== 200) {
              res.writeHead(upRes.statusCode ?? 502, headers).end(raw);
              return;
            }
            const merged = mergeUnprocessed(op, JSON.parse(raw.toString('utf8')), held);
            delete headers['content-length'];
            delete headers['x-amz-crc32'];
            answer(res, 200, JSON.stringify(merged), headers);
          });
        });
      }
    }
    const error = rule.error ?? (rng.chance(0.5) ? 'ProvisionedThroughputExceededException' : 'ThrottlingException');
    faults.note(rule, error);
    const { type, message } = THROTTLE_ERRORS[error];
    answer(res, 400, JSON.stringify({ __type: type, message }));
  };

  const server = createServer((req, res) => {
    if (!faults.has(KIND)) return forward(req, res, undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => throttled(req, res, operationOf(req), Buffer.concat(chunks)));
  });
  server.keepAliveTimeout = 60_000; // the SDK keeps its connections; Node's default 5 s would reset idle ones
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((done) => {
      if (stopped) return done();
      stopped = true;
      server.close(() => done());
      server.closeAllConnections();
      agent.destroy();
    }),
  };
}
