/**
 * The live stream's figures (issue 8), on a local stack of its own in this process: real
 * WebSocket clients (`ws`) connect with tickets from `POST /v1/stream-tickets`, subscribe, and
 * count what reaches them; events are POSTed through the local HTTP API, stored in DynamoDB
 * Local, read from its stream by the local event source mapping (local/stream-poller.ts) and
 * fanned out by the real consumer (lambdas/stream/fan-out.ts) through the local `@connections`
 * API (local/websocket-api.ts).
 *
 * - L1 freshness: POST return → event on a subscribed socket, p50/p99, 100 connections of one
 *   tenant at 200 single-event POSTs/s (paced) for ~20 s; baseline: the same with one event
 *   every 300 ms (idle pipeline). The poller's share comes from a middy middleware added to
 *   the consumer's own handler module (the instance the local runner invokes: the same module
 *   URL), which records when each record is handed to the consumer and each invocation's
 *   duration; nothing in local/ is changed.
 * - L2 fan-out: messages per second counted at 1,000 clients (10 tenants × 100) vs the raw
 *   `PostToConnection` rate of the same local peer: the very frames of the fan-out phase, sent
 *   to the same connections by 32 workers (deliver.ts's concurrency), one connection's
 *   messages in order per worker, as deliver.ts does.
 * - L3 no loss: 50 subscribers with varied filters, 500 events/s (10 POSTs of 50 per second)
 *   for `--live-seconds` (default 60); the expected set of each subscriber is computed from
 *   what was POSTed with this file's own reading of the filters (project, actor id, action
 *   exact or `prefix.*`, result, severity), not with the code under test.
 * - Cost on us-east-1 list prices, from the L2 measurements.
 *
 * Used by `npm run bench` (`-- --only live`, {@link benchLive}).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import WebSocket from 'ws';
import { functionsOf } from '../../lib/catalogue.js';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { localTableAdapters } from '../../local/adapters.js';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import { ROOT, startLocal, type LocalEndpoints } from '../../local/runner.js';
import { api, documentClient, expectStatus } from './clients.js';
import { itemSize, PRICES as DYNAMODB_PRICES } from './cost.js';
import { line, median, ms, note, num, pool, quantile, section, table, usd, verdict } from './report.js';
import { eventSource, population } from './workload.js';

/**
 * us-east-1 list prices (USD) used by the cost model.
 * - API Gateway WebSocket APIs (https://aws.amazon.com/api-gateway/pricing/): $1.00 per million
 *   messages for the first billion (sent and received, metered in 32 KB increments), $0.25 per
 *   million connection minutes.
 * - Lambda on arm64 (https://aws.amazon.com/lambda/pricing/): $0.20 per million requests,
 *   $0.0000133334 per GB-second (first 7.5 billion GB-s a month).
 * - DynamoDB on demand, Standard (https://aws.amazon.com/dynamodb/pricing/on-demand/): reads from
 *   scripts/bench/cost.ts ($0.125 per million read request units; a strongly consistent read is
 *   1 RRU per 4 KB). DynamoDB Streams GetRecords calls made by a Lambda trigger are free (same page).
 */
export const LIVE_PRICES = {
  wsPerMillionMessages: 1.0,
  wsMessageIncrementBytes: 32 * 1024,
  wsPerMillionConnectionMinutes: 0.25,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  dynamoDbPerMillionRru: DYNAMODB_PRICES.standard.perMillionRru,
} as const;

/** The fan-out function's memory on AWS (lib/defaults.ts FUNCTION_DEFAULTS.memorySize; StreamFanOut sets none). */
const FAN_OUT_MEMORY_MB = 1024;
/** deliver.ts's CONCURRENCY (not exported there): connections sent to at once. */
const DELIVERY_CONCURRENCY = 32;
/** The adapter's Query page (lambdas/adapters/stream-store.ts PAGE). */
const CONNECTION_PAGE = 100;
/** The local poller's interval (local/live-stream.ts default; the runner passes none). */
const POLL_INTERVAL_MS = 100;

const sleep = (msecs: number) => new Promise((r) => setTimeout(r, msecs));
const now = () => performance.now();

/** Options of {@link benchLive}. */
export interface LiveOptions {
  /** L3's duration (s). @default 60 */
  readonly l3Seconds?: number;
  /** L1's duration (s). @default 20 */
  readonly l1Seconds?: number;
}

/** The section's headline figures. */
export interface LiveFigures {
  readonly l1: { readonly p50: number; readonly p99: number; readonly pollerShare: number };
  readonly l2: { readonly fanOutPerSec: number; readonly rawPerSec: number; readonly ratio: number };
  readonly l3: { readonly expected: number; readonly missing: number; readonly duplicated: number; readonly unexpected: number };
}

/** `--live-seconds N` (L3's duration, 5..600), else `fallback`. */
export function liveSecondsOption(argv: readonly string[], fallback = 60): number {
  const i = argv.indexOf('--live-seconds');
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value) || value < 5 || value > 600) throw new Error('--live-seconds must be an integer in 5..600');
  return value;
}

// ---------------------------------------------------------------------------------------------
// The consumer's own handler, observed

/** One invocation of the fan-out consumer, as the added middleware saw it. */
interface Invocation {
  readonly start: number;
  end: number;
  readonly ids: readonly string[];
  readonly tenants: ReadonlySet<string>;
  failed: boolean;
}

type MiddlewareRequest = { event: DynamoDBStreamEvent };
interface Middy { use(m: { before?: (r: MiddlewareRequest) => void; after?: (r: MiddlewareRequest) => void; onError?: (r: MiddlewareRequest) => void }): unknown }

/**
 * Adds a timing middleware to the fan-out consumer's handler: the very module instance the
 * local runner invokes (it imports `pathToFileURL(join(ROOT, entry))` too, and ESM caches by
 * URL). Must run after startLocal has set the handlers' environment.
 */
async function observeConsumer(): Promise<{ invocations: Invocation[]; handedAt: Map<string, number> }> {
  const [spec] = functionsOf('stream').filter((f) => f.id === 'StreamFanOut');
  if (!spec) throw new Error('lib/catalogue.ts has no StreamFanOut function');
  const mod = (await import(pathToFileURL(join(ROOT, spec.entry)).href)) as { handler: Middy };
  const invocations: Invocation[] = [];
  const handedAt = new Map<string, number>();
  const running = new WeakMap<object, Invocation>();
  mod.handler.use({
    before: (request) => {
      const start = now();
      const ids: string[] = [];
      const tenants = new Set<string>();
      for (const r of request.event.Records) {
        const pk = r.dynamodb?.Keys?.pk?.S;
        if (r.eventName !== 'INSERT' || !pk) continue;
        const at = pk.lastIndexOf('#');
        const id = pk.slice(at + 1);
        ids.push(id);
        tenants.add(pk.slice(0, at));
        if (!handedAt.has(id)) handedAt.set(id, start);
      }
      const inv: Invocation = { start, end: Number.NaN, ids, tenants, failed: false };
      invocations.push(inv);
      running.set(request, inv);
    },
    after: (request) => {
      const inv = running.get(request);
      if (inv) inv.end = now();
    },
    onError: (request) => {
      const inv = running.get(request);
      if (inv) {
        inv.end = now();
        inv.failed = true;
      }
    },
  });
  return { invocations, handedAt };
}

// ---------------------------------------------------------------------------------------------
// Clients

/** What a subscription filters on (a subset of GET /v1/events filters; see {@link matches}). */
interface Filters {
  readonly project?: string;
  readonly actor?: string;
  readonly action?: readonly string[];
  readonly result?: string;
  readonly severity?: string;
}

/** This benchmark's own reading of the filters: equality, `prefix.*` on action; defaults as ingest applies them. */
function matches(f: Filters, e: EventInput): boolean {
  if (f.project !== undefined && e.project !== f.project) return false;
  if (f.actor !== undefined && e.actor.id !== f.actor) return false;
  if (f.action && !f.action.some((a) => (a.endsWith('.*') ? e.action.startsWith(a.slice(0, -1)) : e.action === a))) return false;
  if (f.result !== undefined && (e.result ?? 'success') !== f.result) return false;
  if (f.severity !== undefined && (e.severity ?? 'info') !== f.severity) return false;
  return true;
}

interface Frame { type: string; subscription?: string; event?: { id: string } }
/** Where a client's event frames go; swapped per phase. */
type Sink = (client: StreamClient, frame: Frame, at: number, text: string) => void;

interface StreamClient {
  readonly index: number;
  readonly tenant: string;
  readonly filters: Filters;
  readonly ws: WebSocket;
}

/** A tenant with a token that can write events and open stream connections. */
interface Tenant { readonly tenant: string; readonly token: string }

interface Ctx {
  readonly e: LocalEndpoints;
  readonly stores: ReturnType<typeof localTableAdapters>;
  /** A document client of DynamoDB Local (the bench's own reads of the Control table). */
  readonly ddb: ReturnType<typeof documentClient>;
  /** The raw baseline's `@connections` client: the SDK, as the consumer's adapter builds it. */
  readonly raw: ApiGatewayManagementApiClient;
  sink: Sink;
  readonly consumer: Awaited<ReturnType<typeof observeConsumer>>;
}

async function newTenant(ctx: Ctx, tenant: string): Promise<Tenant> {
  const t = await ctx.stores.tokenStore.createToken({ tenant, name: 'bench live', scopes: ['events:read', 'events:write'] });
  return { tenant, token: t.token };
}

/** Opens a stream connection (ticket, upgrade) and subscribes `sub` with `filters`; event frames go to `ctx.sink`. */
async function openClient(ctx: Ctx, index: number, t: Tenant, filters: Filters): Promise<StreamClient> {
  const ticket = await api<{ url: string }>(ctx.e.api, t.token, 'POST', '/v1/stream-tickets', {});
  expectStatus(ticket, 201, 'POST /v1/stream-tickets');
  const ws = new WebSocket(ticket.body.url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const client: StreamClient = { index, tenant: t.tenant, filters, ws };
  let subscribed: (() => void) | undefined;
  ws.on('message', (data) => {
    const at = now();
    const text = String(data);
    const frame = JSON.parse(text) as Frame;
    if (frame.type === 'subscribed') subscribed?.();
    else ctx.sink(client, frame, at, text);
  });
  ws.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "subscribed" answer within 15 s')), 15_000);
    subscribed = () => { clearTimeout(timer); resolve(); };
    ws.send(JSON.stringify({ action: 'subscribe', id: 's1', filters }));
  });
  return client;
}

async function openClients(ctx: Ctx, specs: readonly { tenant: Tenant; filters: Filters }[]): Promise<{ clients: StreamClient[]; secs: number }> {
  const t0 = now();
  const clients: StreamClient[] = new Array(specs.length);
  await pool(specs.map((s, i) => ({ ...s, i })), 24, async (s) => {
    clients[s.i] = await openClient(ctx, s.i, s.tenant, s.filters);
  });
  return { clients, secs: (now() - t0) / 1000 };
}

/** The open connections of `tenant`, as the consumer's Query sees them (Control table, `STREAM#{tenant}`). */
async function connectionIdsOf(ctx: Ctx, tenant: string): Promise<string[]> {
  const ids: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await ctx.ddb.send(new QueryCommand({
      TableName: ctx.e.tables.control, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `STREAM#${tenant}` },
      ConsistentRead: true, ExclusiveStartKey: start,
    }));
    ids.push(...(r.Items ?? []).map((i) => String(i.sk)));
    start = r.LastEvaluatedKey;
  } while (start);
  return ids;
}

/**
 * Closes the sockets, then waits until their `$disconnect` handlers have forgotten them (the
 * tenants' connection items are gone), so that none still runs when the next phase is timed or
 * the stack stops.
 */
async function closeClients(ctx: Ctx, clients: readonly StreamClient[]): Promise<void> {
  await Promise.all(clients.map((c) => new Promise<void>((resolve) => {
    if (c.ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => { c.ws.terminate(); resolve(); }, 5_000);
    c.ws.once('close', () => { clearTimeout(timer); resolve(); });
    c.ws.close();
  })));
  const tenants = [...new Set(clients.map((c) => c.tenant))];
  let left = Number.POSITIVE_INFINITY;
  const t0 = now();
  while (left > 0 && now() - t0 < 30_000) {
    left = (await Promise.all(tenants.map((t) => connectionIdsOf(ctx, t)))).reduce((a, ids) => a + ids.length, 0);
    if (left) await sleep(100);
  }
  if (left) note(`${left} connection records still there 30 s after their sockets closed`);
}

/**
 * The raw baseline: `messages` of each connection sent with PostToConnection by
 * {@link DELIVERY_CONCURRENCY} workers, each taking the next connection and sending its
 * messages in order (deliver.ts's scheme). Resolves once the calls are done; failures counted.
 */
async function rawPost(ctx: Ctx, queue: readonly (readonly [string, readonly string[]])[]): Promise<{ started: number; failures: number }> {
  const pending = [...queue];
  let failures = 0;
  const started = now();
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const [connectionId, data] = next;
      for (const d of data) {
        try {
          await ctx.raw.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(d) }));
        } catch {
          failures++;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: DELIVERY_CONCURRENCY }, worker));
  return { started, failures };
}

/**
 * Waits until `done()`, or until `progress()` has not changed for `stallMs`, or `maxMs` passed.
 * Resolves with whether `done()` was reached.
 */
async function waitFor(done: () => boolean, progress: () => number, stallMs: number, maxMs: number): Promise<boolean> {
  const t0 = now();
  let last = progress();
  let lastChange = now();
  while (!done()) {
    if (now() - t0 > maxMs || now() - lastChange > stallMs) return false;
    await sleep(25);
    const p = progress();
    if (p !== last) {
      last = p;
      lastChange = now();
    }
  }
  return true;
}

/** POSTs one event (or a batch); resolves with the ids the API returned and when the answer arrived. */
async function post(ctx: Ctx, t: Tenant, body: EventInput | { events: EventInput[] }): Promise<{ ids: string[]; at: number; ms: number }> {
  const t0 = now();
  const r = await api<{ ids: string[] }>(ctx.e.api, t.token, 'POST', '/v1/events', body);
  const at = now();
  expectStatus(r, 201, 'POST /v1/events');
  return { ids: r.body.ids, at, ms: at - t0 };
}

const pct = (values: readonly number[]) => `${ms(median(values))} / ${ms(quantile(values, 0.99))}`;

// ---------------------------------------------------------------------------------------------
// L1

interface FreshRun {
  /** POST return → received, per delivery; a delivery that never came within the run is +Infinity. */
  readonly latencies: number[];
  /** How long, at the least, an undelivered message was waited for (ms); Infinity when all came. */
  readonly censoredAfter: number;
  readonly poller: number[];
  readonly waitBehind: number[];
  readonly pollOnly: number[];
  readonly consumer: number[];
  readonly postMs: number[];
  readonly ids: string[];
  /** One frame as a socket got it (for the raw baseline's message size). */
  readonly sample?: string;
  readonly events: number;
  readonly delivered: number;
  readonly expected: number;
  readonly sendSecs: number;
  readonly invocations: Invocation[];
}

/**
 * Posts `events` single-event POSTs, one every `intervalMs`, to a tenant whose `clients` sockets
 * all subscribe to everything; waits for every delivery, at most `maxWaitMs` after the last POST.
 */
async function freshnessRun(ctx: Ctx, t: Tenant, clients: number, events: number, intervalMs: number, seed: number, maxWaitMs = 30_000): Promise<FreshRun> {
  const next = eventSource(population(), seed);
  const postReturn = new Map<string, number>();
  const recv = new Map<string, number[]>();
  let received = 0;
  let sample: string | undefined;
  ctx.sink = (_c, f, at, text) => {
    if (f.type !== 'event' || !f.event) return;
    sample ??= text;
    const list = recv.get(f.event.id);
    if (list) list.push(at);
    else recv.set(f.event.id, [at]);
    received++;
  };
  const firstInvocation = ctx.consumer.invocations.length;
  const postMs: number[] = [];
  const inflight: Promise<void>[] = [];
  const t0 = now();
  for (let i = 0; i < events; i++) {
    const wait = t0 + i * intervalMs - now();
    if (wait > 1) await sleep(wait);
    inflight.push(post(ctx, t, next(new Date().toISOString())).then((r) => {
      postReturn.set(r.ids[0]!, r.at);
      postMs.push(r.ms);
    }));
  }
  await Promise.all(inflight);
  const lastReturn = now();
  const sendSecs = (lastReturn - t0) / 1000;
  const expected = events * clients;
  await waitFor(() => received >= expected, () => received, 10_000, maxWaitMs);
  await sleep(200); // late duplicates would land now
  const cutoff = now();
  ctx.sink = () => undefined;
  const invocations = ctx.consumer.invocations.slice(firstInvocation);

  const latencies: number[] = [];
  const poller: number[] = [];
  const waitBehind: number[] = [];
  const pollOnly: number[] = [];
  const consumer: number[] = [];
  let censoredAfter = Number.POSITIVE_INFINITY;
  // Invocations in start order: the one before an event's tells how long its record waited behind a batch in flight.
  const byStart = [...invocations].sort((a, b) => a.start - b.start);
  for (const [id, returned] of postReturn) {
    const got = recv.get(id) ?? [];
    for (const at of got) latencies.push(at - returned);
    for (let k = got.length; k < clients; k++) latencies.push(Number.POSITIVE_INFINITY);
    if (got.length < clients) censoredAfter = Math.min(censoredAfter, cutoff - returned);
    const handed = ctx.consumer.handedAt.get(id);
    if (handed === undefined) continue;
    poller.push(handed - returned);
    const k = byStart.findIndex((inv) => inv.start === handed);
    const prevEnd = k > 0 ? byStart[k - 1]!.end : Number.NEGATIVE_INFINITY;
    waitBehind.push(Math.max(0, prevEnd - returned));
    pollOnly.push(handed - Math.max(returned, prevEnd));
    for (const at of got) consumer.push(at - handed);
  }
  const delivered = latencies.filter(Number.isFinite).length;
  return { latencies, censoredAfter, poller, waitBehind, pollOnly, consumer, postMs, ids: [...postReturn.keys()], sample, events, delivered, expected, sendSecs, invocations };
}

/** A quantile that may fall on an undelivered message: then "> the shortest wait of one". */
const latencyAt = (r: FreshRun, q: number) => {
  const v = quantile(r.latencies, q);
  return Number.isFinite(v) ? ms(v) : `> ${ms(r.censoredAfter)}`;
};

/** Resolves once the consumer has been handed every record of `ids` and no invocation is running. */
async function consumerCaughtUp(ctx: Ctx, ids: readonly string[], maxMs = 120_000): Promise<boolean> {
  const { handedAt, invocations } = ctx.consumer;
  const pending = () => ids.filter((id) => !handedAt.has(id)).length;
  return waitFor(() => pending() === 0 && invocations.every((i) => !Number.isNaN(i.end)), () => invocations.length, 20_000, maxMs);
}

/**
 * The peer's raw PostToConnection rate to `tenant`'s open connections, 32 calls in flight:
 * `perConnection` copies of `frame` each, taken one message at a time round-robin over the
 * connections (no tail of one connection's messages in order), counted at the sockets. A first
 * round of a few messages each warms the client up and is not counted.
 */
async function rawCeiling(ctx: Ctx, tenant: string, frame: string, perConnection: number): Promise<{ perSec: number; messages: number }> {
  let received = 0;
  let last = 0;
  ctx.sink = (_c, f, at) => {
    if (f.type !== 'event') return;
    received++;
    last = at;
  };
  const ids = await connectionIdsOf(ctx, tenant);
  const round = async (n: number) => {
    received = 0;
    const queue = Array.from({ length: n }, () => ids.map((id) => [id, [frame]] as const)).flat();
    const { started } = await rawPost(ctx, queue);
    await waitFor(() => received >= queue.length, () => received, 10_000, 60_000);
    return { perSec: received / ((last - started) / 1000), messages: received };
  };
  await round(3);
  const r = await round(perConnection);
  ctx.sink = () => undefined;
  return r;
}

async function benchFreshness(ctx: Ctx, seconds: number): Promise<LiveFigures['l1']> {
  const CONNECTIONS = 100;
  const RATE = 200;
  const SUSTAINED = 10;
  section(`L1 freshness: POST return → event on a subscribed socket, ${CONNECTIONS} connections of one tenant, ${RATE} single-event POSTs/s for ${seconds} s`);
  const t = await newTenant(ctx, 'bench-live-l1');
  const { clients, secs } = await openClients(ctx, Array.from({ length: CONNECTIONS }, () => ({ tenant: t, filters: {} })));
  note(`${CONNECTIONS} connections opened and subscribed to everything in ${secs.toFixed(1)} s (ticket POST, upgrade with $connect, subscribe message each)`);
  let load: FreshRun | undefined;
  try {
    // Warm-up, then the baselines: raw PostToConnection to these sockets (the most any consumer could
    // deliver here), and one event at a time with the pipeline idle in between.
    const warm = await freshnessRun(ctx, t, CONNECTIONS, 5, 200, 800);
    const ceiling = await rawCeiling(ctx, t.tenant, warm.sample ?? '{}', 40);
    const idle = await freshnessRun(ctx, t, CONNECTIONS, 20, 300, 801);
    // A rate this machine sustains (for comparison; the goal's rate asks 20,000 messages/s).
    const sustained = await freshnessRun(ctx, t, CONNECTIONS, SUSTAINED * 8, 1000 / SUSTAINED, 802);
    load = await freshnessRun(ctx, t, CONNECTIONS, RATE * seconds, 1000 / RATE, 803, 10_000);

    const p50 = quantile(load.latencies, 0.5);
    const p99 = quantile(load.latencies, 0.99);
    const missing = load.expected - load.delivered;
    note(`poll interval of the local event source mapping: ${POLL_INTERVAL_MS} ms (local/live-stream.ts default); consumer batches of up to 100 records, no batching window`);
    line('baseline: raw PostToConnection to these sockets', `${num(ceiling.perSec)} msg/s`, `${num(ceiling.messages)} messages of ${num(Buffer.byteLength(warm.sample ?? ''))} B, 32 in flight, round-robin over the sockets: at most ~${num(ceiling.perSec / CONNECTIONS)} events/s reach ${CONNECTIONS} subscribers each; ${RATE}/s asks ${num(RATE * CONNECTIONS)} msg/s`);
    line('baseline: 1 event every 300 ms (idle), p50 / p99', `${latencyAt(idle, 0.5)} / ${latencyAt(idle, 0.99)}`, `${num(idle.delivered)} of ${num(idle.expected)} deliveries (${idle.events} events × ${CONNECTIONS} sockets)`);
    line(`${SUSTAINED} events/s (${num(SUSTAINED * CONNECTIONS)} msg/s) for 8 s, p50 / p99`, `${latencyAt(sustained, 0.5)} / ${latencyAt(sustained, 0.99)}`, `${num(sustained.delivered)} of ${num(sustained.expected)} deliveries  ${verdict(`L1 freshness p99 at ${SUSTAINED} events/s (${CONNECTIONS} connections)`, `${latencyAt(sustained, 0.99)} (p50 ${latencyAt(sustained, 0.5)})`, 'reported', undefined)}`);
    line('POSTs sent', `${num(load.events / load.sendSecs, 1)} POSTs/s`, `${num(load.events)} single-event POSTs in ${load.sendSecs.toFixed(1)} s (target ${RATE}/s); POST round trip p50 / p99 ${pct(load.postMs)}`);
    line('deliveries counted at the sockets', num(load.delivered), `of ${num(load.expected)} asked (${num(RATE * CONNECTIONS)} msg/s); ${num(missing)} not there 10 s after the last POST (counted as later than that)`);
    line(`L1 at ${RATE} events/s: p50`, latencyAt(load, 0.5), `baseline (idle) p50 ${latencyAt(idle, 0.5)}`);
    line(`L1 at ${RATE} events/s: p99`, latencyAt(load, 0.99), `goal <= 1,000 ms  ${verdict(`L1 freshness p99 (${CONNECTIONS} connections, ${RATE} events/s)`, `${latencyAt(load, 0.99)} (p50 ${latencyAt(load, 0.5)}; idle baseline p99 ${latencyAt(idle, 0.99)}; raw PostToConnection here ${num(ceiling.perSec)} msg/s vs ${num(RATE * CONNECTIONS)} asked)`, '<= 1 s', p99 <= 1000)}`);
    line('  delivered at the sockets', `${num(load.delivered / (load.sendSecs + 10), 0)} msg/s`, `over the ${load.sendSecs.toFixed(0)} s of POSTs and the 10 s after: the pipeline's throughput here (see L2)`);
    note(`why: one batch per shard at a time (Lambda's model) and ${DELIVERY_CONCURRENCY} posts in flight per batch cap delivery at the peer's rate for ${DELIVERY_CONCURRENCY} concurrent calls;`);
    note(`     ${RATE} events/s to ${CONNECTIONS} sockets needs ${num(RATE * CONNECTIONS)} msg/s, so the records queue behind the batch in flight and latency grows with the run`);
    // The local poller's share: POST return → the consumer invoked with the record.
    for (const [label, r] of [['idle', idle], [`${SUSTAINED}/s`, sustained], [`${RATE}/s`, load]] as const) {
      const total = median(r.latencies.filter(Number.isFinite));
      line(`  ${label}: poller, POST return → consumer invoked`, pct(r.poller), `p50 / p99; ${((median(r.poller) / total) * 100).toFixed(0)} % of the delivered p50 (${ms(total)}); ${num(r.poller.length)} of ${num(r.events)} records handed`);
      line('    waiting behind the batch in flight', pct(r.waitBehind), 'one batch per shard at a time, as Lambda: the previous batch\'s fan-out');
      line('    polling (sleep + GetRecords)', pct(r.pollOnly), `from max(POST return, previous batch's end); poll interval ${POLL_INTERVAL_MS} ms`);
      line('    consumer invoked → received at a socket', pct(r.consumer), 'Query of the connections, fan-out, PostToConnection, peer, client');
      const durations = r.invocations.filter((i) => !Number.isNaN(i.end)).map((i) => i.end - i.start);
      const records = r.invocations.reduce((a, i) => a + i.ids.length, 0);
      line('    consumer invocations', num(r.invocations.length), `${(records / Math.max(1, r.invocations.length)).toFixed(1)} records each; duration p50 / p99 ${pct(durations)}`);
    }
    note('the poller share is measured, not estimated: a middy middleware added at run time to the consumer\'s handler (the instance the runner invokes) stamps each invocation');
    const share = median(load.poller) / median(load.latencies.filter(Number.isFinite));
    const idleShare = median(idle.poller) / median(idle.latencies);
    verdict('L1 poller share of the p50 (POST return → consumer invoked)', `idle ${ms(median(idle.poller))} of ${ms(median(idle.latencies))} (${(idleShare * 100).toFixed(0)} %); at ${RATE}/s ${ms(median(load.poller))} (${(share * 100).toFixed(0)} %)`, 'reported', undefined);
    return { p50, p99, pollerShare: share };
  } finally {
    await closeClients(ctx, clients);
    // What the 200/s run left in the stream now finds no connection: let the consumer get through it before L2 is timed.
    if (load && !(await consumerCaughtUp(ctx, load.ids))) note('the consumer had not caught up with L1\'s records 2 min after its sockets closed');
  }
}

// ---------------------------------------------------------------------------------------------
// L2

interface FanOutMeasure {
  readonly messages: number;
  readonly bytes: number;
  readonly invocations: Invocation[];
  /** The consumer's Query of one tenant's connections, measured while they were open. */
  readonly query: Awaited<ReturnType<typeof connectionQueryRru>>;
  readonly connectionsPerTenant: number;
}

async function benchFanOut(ctx: Ctx): Promise<{ figures: LiveFigures['l2']; cost: FanOutMeasure }> {
  const TENANTS = 10;
  const PER_TENANT = 100;
  const EVENTS = 15; // per tenant: 15 × 1,000 = 15,000 messages a round
  section(`L2 fan-out: messages/s delivered to ${num(TENANTS * PER_TENANT)} open connections (${TENANTS} tenants × ${PER_TENANT}), vs raw PostToConnection to the same peer`);
  const tenants = await Promise.all(Array.from({ length: TENANTS }, (_, k) => newTenant(ctx, `bench-live-l2-t${k}`)));
  const { clients, secs } = await openClients(ctx, tenants.flatMap((t) => Array.from({ length: PER_TENANT }, () => ({ tenant: t, filters: {} }))));
  note(`${num(clients.length)} connections opened and subscribed in ${secs.toFixed(1)} s (${num(clients.length / secs, 1)} connections/s)`);
  try {
    // Who is connected, per tenant (what the consumer's Query finds).
    const connectionIds = new Map<string, string[]>();
    for (const t of tenants) connectionIds.set(t.tenant, await connectionIdsOf(ctx, t.tenant));

    let received = 0;
    let bytes = 0;
    let last = 0;
    const perClient = new Array<number>(clients.length).fill(0);
    const framesOf = new Map<string, string[]>(); // a tenant's frames in order, as its first client got them
    const firstClient = new Set(tenants.map((t) => clients.find((c) => c.tenant === t.tenant)!.index));
    const counting: Sink = (c, f, at, text) => {
      if (f.type !== 'event') return;
      received++;
      bytes += Buffer.byteLength(text);
      last = at;
      perClient[c.index]!++;
      if (firstClient.has(c.index)) (framesOf.get(c.tenant) ?? framesOf.set(c.tenant, []).get(c.tenant)!).push(text);
    };
    const reset = () => { received = 0; bytes = 0; last = 0; perClient.fill(0); framesOf.clear(); };
    ctx.sink = counting;

    // Warm-up: one event per tenant.
    const next = eventSource(population(), 900);
    await Promise.all(tenants.map((t) => post(ctx, t, next(new Date().toISOString()))));
    await waitFor(() => received >= clients.length, () => received, 15_000, 60_000);

    const fanOutRound = async (seed: number) => {
      reset();
      const gen = eventSource(population(), seed);
      const from = ctx.consumer.invocations.length;
      await Promise.all(tenants.map((t) => post(ctx, t, { events: Array.from({ length: EVENTS }, () => gen(new Date().toISOString())) })));
      const expected = EVENTS * clients.length;
      await waitFor(() => received >= expected, () => received, 15_000, 180_000);
      await sleep(200);
      const invocations = ctx.consumer.invocations.slice(from).filter((i) => i.ids.length);
      const start = Math.min(...invocations.map((i) => i.start));
      return { messages: received, expected, bytes, secs: (last - start) / 1000, invocations, uneven: perClient.filter((n) => n !== EVENTS).length, frames: new Map(framesOf) };
    };
    const rawRound = async (frames: Map<string, string[]>) => {
      reset();
      const queue = tenants.flatMap((t) => connectionIds.get(t.tenant)!.map((id) => [id, frames.get(t.tenant) ?? []] as const));
      const expected = queue.reduce((a, [, f]) => a + f.length, 0);
      const { started, failures } = await rawPost(ctx, queue);
      await waitFor(() => received >= expected, () => received, 10_000, 120_000);
      return { messages: received, expected, bytes, secs: (last - started) / 1000, failures, uneven: perClient.filter((n) => n !== EVENTS).length };
    };

    // Interleaved (fan-out, raw, raw, fan-out): a drift over the run weighs on both alike.
    const f1 = await fanOutRound(901);
    const r1 = await rawRound(f1.frames);
    const r2 = await rawRound(f1.frames);
    const f2 = await fanOutRound(902);
    const fan = { messages: f1.messages + f2.messages, secs: f1.secs + f2.secs, bytes: f1.bytes + f2.bytes };
    const rw = { messages: r1.messages + r2.messages, secs: r1.secs + r2.secs };
    const fanOutPerSec = fan.messages / fan.secs;
    const rawPerSec = rw.messages / rw.secs;
    const ratio = fanOutPerSec / rawPerSec;
    const invocations = [...f1.invocations, ...f2.invocations];
    const durations = invocations.filter((i) => !Number.isNaN(i.end)).map((i) => i.end - i.start);
    note(`each round: ${TENANTS} POSTs of ${EVENTS} events (one per tenant, at once) → ${num(EVENTS * clients.length)} messages; order fan-out, raw, raw, fan-out`);
    note(`rounds: fan-out ${num(f1.messages)} in ${f1.secs.toFixed(2)} s, raw ${num(r1.messages)} in ${r1.secs.toFixed(2)} s, raw ${num(r2.messages)} in ${r2.secs.toFixed(2)} s, fan-out ${num(f2.messages)} in ${f2.secs.toFixed(2)} s`);
    note(`fan-out window: the consumer's first invocation of the round → the last message at a client; raw window: first PostToConnection → the last message at a client`);
    line('message size (frames of the workload\'s events)', `${num(fan.bytes / fan.messages)} B avg`, 'one 32 KB billing increment each');
    line('raw PostToConnection, 32 workers (baseline)', `${num(rawPerSec)} msg/s`, `${num(rw.messages)} of ${num(r1.expected + r2.expected)} counted at the clients; ${r1.failures + r2.failures} failed calls`);
    line('fan-out through the stream consumer', `${num(fanOutPerSec)} msg/s`, `${num(fan.messages)} of ${num(f1.expected + f2.expected)} counted at the clients; ${f1.uneven + f2.uneven} client-rounds not at exactly ${EVENTS}`);
    line('  consumer invocations', num(invocations.length), `${(invocations.reduce((a, i) => a + i.ids.length, 0) / invocations.length).toFixed(1)} records, ${(invocations.reduce((a, i) => a + i.tenants.size, 0) / invocations.length).toFixed(1)} tenants each on average; duration p50 / p99 ${pct(durations)}`);
    line('L2 fan-out / raw PostToConnection', `${ratio.toFixed(2)} x`, `goal >= 0.70 x  ${verdict(`L2 fan-out to ${num(clients.length)} connections ÷ raw PostToConnection (32 at once)`, `${ratio.toFixed(2)} x (${num(fanOutPerSec)} vs ${num(rawPerSec)} msg/s)`, '>= 0.70 x', ratio >= 0.7 && fan.messages === f1.expected + f2.expected)}`);
    const query = await connectionQueryRru(ctx, tenants[0]!.tenant);
    return { figures: { fanOutPerSec, rawPerSec, ratio }, cost: { messages: fan.messages, bytes: fan.bytes, invocations, query, connectionsPerTenant: PER_TENANT } };
  } finally {
    await closeClients(ctx, clients);
  }
}

// ---------------------------------------------------------------------------------------------
// L3

/**
 * The 50 subscribers' filters, picked from the events that will be sent by rank of frequency
 * (ranks chosen so that the messages asked stay near what this machine delivers: 2 subscribers
 * of everything take 1,000 msg/s already).
 */
function l3Filters(events: readonly EventInput[]): Filters[] {
  const ranked = (key: (e: EventInput) => string | undefined) => {
    const counts = new Map<string, number>();
    for (const e of events) {
      const k = key(e);
      if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
  };
  const projects = ranked((e) => e.project);
  const actors = ranked((e) => e.actor.id);
  const users = ranked((e) => (e.actor.type === 'user' ? e.actor.id : undefined));
  const actions = ranked((e) => e.action);
  return [
    {}, {},
    ...projects.slice(3, 15).map((project) => ({ project })),
    ...actors.slice(4, 16).map((actor) => ({ actor })),
    ...actions.slice(10, 16).map((a) => ({ action: [a] })),
    { action: ['permission.*'] }, { action: ['dataset.*'] }, { action: ['report.*'] }, { action: ['project.*'] }, { action: ['user.*'] }, { action: ['form.created', 'form.deleted', 'report.*'] },
    { project: projects[0], action: ['form.*'] }, { project: projects[1], action: ['submission.viewed', 'submission.created'] }, { project: projects[2], result: 'success' },
    { project: projects[3], action: ['submission.*'] }, { actor: users[0], action: ['auth.*'] }, { actor: users[1], severity: 'notice' },
    { actor: users[2], result: 'success' }, { actor: users[3], project: projects[0] },
    { severity: 'warning' }, { severity: 'critical' }, { result: 'failure' }, { result: 'invalid_input' },
  ];
}

async function benchNoLoss(ctx: Ctx, seconds: number): Promise<LiveFigures['l3']> {
  const PER_POST = 50;
  const POSTS_PER_SEC = 10;
  const total = PER_POST * POSTS_PER_SEC * seconds;
  section(`L3 no loss: ${seconds} s at ${PER_POST * POSTS_PER_SEC} events/s (${POSTS_PER_SEC} POSTs of ${PER_POST} per second), 50 subscribers with varied filters`);
  const t = await newTenant(ctx, 'bench-live-l3');
  const next = eventSource(population(), 1000);
  const inputs = Array.from({ length: total }, () => next(new Date().toISOString()));
  const filters = l3Filters(inputs);
  const { clients, secs } = await openClients(ctx, filters.map((f) => ({ tenant: t, filters: f })));
  note(`${clients.length} connections opened in ${secs.toFixed(1)} s, one subscription each: 2 to everything, 12 by project, 12 by actor, 6 by one action, 6 by action lists/prefixes, 8 by combinations, 4 by result or severity`);
  const got = clients.map(() => new Map<string, number>());
  const foreign = new Map<string, number>(); // events not POSTed by this run (the tenant should have none)
  let received = 0;
  let last = 0;
  ctx.sink = (c, f, at) => {
    if (f.type !== 'event' || !f.event) return;
    received++;
    last = at;
    const m = got[c.index]!;
    m.set(f.event.id, (m.get(f.event.id) ?? 0) + 1);
  };
  try {
    const sent = new Map<string, EventInput>();
    const postMs: number[] = [];
    const batches = Array.from({ length: total / PER_POST }, (_, i) => inputs.slice(i * PER_POST, (i + 1) * PER_POST));
    const inflight: Promise<void>[] = [];
    const t0 = now();
    for (let i = 0; i < batches.length; i++) {
      const wait = t0 + (i * 1000) / POSTS_PER_SEC - now();
      if (wait > 1) await sleep(wait);
      const batch = batches[i]!;
      inflight.push(post(ctx, t, { events: batch }).then((r) => {
        r.ids.forEach((id, k) => sent.set(id, batch[k]!));
        postMs.push(r.ms);
      }));
    }
    await Promise.all(inflight);
    const lastPost = now();
    const sendSecs = (lastPost - t0) / 1000;
    const expected = clients.map((c) => [...sent].filter(([, e]) => matches(c.filters, e)).map(([id]) => id));
    const expectedTotal = expected.reduce((a, ids) => a + ids.length, 0);
    await waitFor(() => received >= expectedTotal, () => received, 15_000, 240_000);
    const drained = last > lastPost ? (last - lastPost) / 1000 : 0;
    await sleep(1_000); // duplicates would land now

    let missing = 0;
    let duplicated = 0;
    let unexpected = 0;
    const byKind = new Map<string, { subs: number; expected: number; missing: number; duplicated: number; unexpected: number }>();
    clients.forEach((c, i) => {
      const want = new Set(expected[i]);
      const m = got[i]!;
      let miss = 0;
      let dup = 0;
      let extra = 0;
      for (const id of want) if (!m.has(id)) miss++;
      for (const [id, n] of m) {
        if (n > 1) dup += n - 1;
        if (!want.has(id)) {
          if (sent.has(id)) extra++;
          else foreign.set(id, (foreign.get(id) ?? 0) + n);
        }
      }
      missing += miss;
      duplicated += dup;
      unexpected += extra;
      const kind = Object.keys(c.filters).length === 0 ? 'everything' : Object.keys(c.filters).sort().join(' + ');
      const k = byKind.get(kind) ?? { subs: 0, expected: 0, missing: 0, duplicated: 0, unexpected: 0 };
      byKind.set(kind, { subs: k.subs + 1, expected: k.expected + want.size, missing: k.missing + miss, duplicated: k.duplicated + dup, unexpected: k.unexpected + extra });
    });
    line('events POSTed', num(sent.size), `${num(sent.size / sendSecs)} events/s over ${sendSecs.toFixed(1)} s; POST (50 events) p50 / p99 ${pct(postMs)}`);
    line('messages expected (Σ over subscribers)', num(expectedTotal), `${num(expectedTotal / sendSecs)} msg/s on average`);
    line('messages received', num(received), `last one ${drained.toFixed(1)} s after the last POST returned`);
    console.log(table(['subscribers by filter', 'subs', 'expected', 'missing', 'duplicated', 'unexpected'],
      [...byKind].map(([k, v]) => [k, String(v.subs), num(v.expected), num(v.missing), num(v.duplicated), num(v.unexpected)])).replace(/^/gm, '  '));
    if (foreign.size) note(`${foreign.size} events not POSTed by this run reached subscribers (not counted above)`);
    const pass = missing === 0 && duplicated === 0 && unexpected === 0 && expectedTotal > 0;
    line('L3 missing / duplicated / unexpected', `${num(missing)} / ${num(duplicated)} / ${num(unexpected)}`, `goal 0 / 0 / 0  ${verdict(`L3 no loss: ${seconds} s at 500 events/s, 50 subscribers`, `${num(missing)} missing, ${num(duplicated)} duplicated, ${num(unexpected)} unexpected of ${num(expectedTotal)} expected`, '0 / 0 / 0', pass)}`);
    return { expected: expectedTotal, missing, duplicated, unexpected };
  } finally {
    await closeClients(ctx, clients);
  }
}

// ---------------------------------------------------------------------------------------------
// Cost

/** RRUs of the consumer's Query of one tenant's connections (the adapter's pages of 100, consistent), as DynamoDB Local reports them and by item size. */
async function connectionQueryRru(ctx: Ctx, tenant: string): Promise<{ reported: number; model: number; items: number; pages: number }> {
  let reported = 0;
  let model = 0;
  let items = 0;
  let pages = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const r = await ctx.ddb.send(new QueryCommand({
      TableName: ctx.e.tables.control, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `STREAM#${tenant}` },
      ConsistentRead: true, Limit: CONNECTION_PAGE, ExclusiveStartKey: start, ReturnConsumedCapacity: 'TOTAL',
    }));
    pages++;
    items += r.Count ?? 0;
    reported += r.ConsumedCapacity?.CapacityUnits ?? Number.NaN;
    // A strongly consistent Query: the page's summed item sizes, rounded up to 4 KB, at least 1 unit.
    model += Math.max(1, Math.ceil((r.Items ?? []).reduce((a, i) => a + itemSize(i), 0) / 4096));
    start = r.LastEvaluatedKey;
  } while (start);
  return { reported, model, items, pages };
}

function benchLiveCost(m: FanOutMeasure): void {
  section('Live stream cost on AWS list prices (us-east-1), from the L2 measurements');
  const p = LIVE_PRICES;
  note(`prices: WebSocket $${p.wsPerMillionMessages.toFixed(2)}/M messages (32 KB increments), $${p.wsPerMillionConnectionMinutes}/M connection minutes (aws.amazon.com/api-gateway/pricing);`);
  note(`        Lambda arm64 $${p.lambdaPerMillionRequests}/M requests, $${p.lambdaArmPerGbSecond}/GB-s (aws.amazon.com/lambda/pricing); DynamoDB on demand $${p.dynamoDbPerMillionRru}/M RRU;`);
  note('        DynamoDB Streams GetRecords by a Lambda trigger: free (aws.amazon.com/dynamodb/pricing/on-demand)');

  // Per connection-hour.
  const minutes = 60 * (p.wsPerMillionConnectionMinutes / 1e6);
  const keepAlive = 2 * Math.ceil(60 / 9) * (p.wsPerMillionMessages / 1e6); // a ping every 9 min (idle limit 10 min) and its pong
  line('per connection-hour: connection minutes', `$${minutes.toFixed(7)}`, `60 min × $${p.wsPerMillionConnectionMinutes}/M  ${verdict('Live cost per connection-hour (connection minutes)', `$${minutes.toFixed(7)} ($${(minutes * 1e6).toFixed(2)} per million connection-hours)`, 'reported', undefined)}`);
  line('  + keep-alive, a ping every 9 min and its pong', `$${(minutes + keepAlive).toFixed(7)}`, `${2 * Math.ceil(60 / 9)} messages/h; only for a connection that is otherwise idle (API Gateway closes it after 10 idle minutes)`);
  note('  not counted: the reconnect every 2 h (API Gateway\'s limit): a ticket POST, $connect, subscribe, $disconnect and their table writes');

  // Per million delivered events (one event to one subscription = one message).
  const avgBytes = m.bytes / m.messages;
  const increments = Math.max(1, Math.ceil(avgBytes / p.wsMessageIncrementBytes));
  const ws = increments * p.wsPerMillionMessages;
  const invPerMsg = m.invocations.length / m.messages;
  const requests = invPerMsg * 1e6 * (p.lambdaPerMillionRequests / 1e6);
  const secs = m.invocations.filter((i) => !Number.isNaN(i.end)).reduce((a, i) => a + (i.end - i.start) / 1000, 0);
  const gbSecPerMsg = (secs * (FAN_OUT_MEMORY_MB / 1024)) / m.messages;
  const duration = gbSecPerMsg * 1e6 * p.lambdaArmPerGbSecond;
  const q = m.query;
  const rruPerQuery = Number.isNaN(q.reported) ? q.model : q.reported;
  const tenantQueries = m.invocations.reduce((a, i) => a + i.tenants.size, 0);
  const rruPerMsg = (tenantQueries * rruPerQuery) / m.messages;
  const reads = rruPerMsg * 1e6 * (p.dynamoDbPerMillionRru / 1e6);
  const total = ws + requests + duration + reads;
  const rows = [
    ['WebSocket messages', `${increments} × 32 KB increment per message (avg ${num(avgBytes)} B)`, usd(ws)],
    ['Lambda requests (fan-out)', `${num(m.invocations.length)} invocations for ${num(m.messages)} messages = ${(invPerMsg * 1e6).toFixed(0)} per million`, usd(requests)],
    ['Lambda duration (1,024 MB arm64)', `${secs.toFixed(2)} s measured locally for ${num(m.messages)} messages = ${(gbSecPerMsg * 1e6).toFixed(1)} GB-s per million`, usd(duration)],
    ['DynamoDB reads (connections Query)', `${rruPerQuery} RRU per tenant per batch (${q.items} connections, ${q.pages} page(s); DynamoDB Local reports ${q.reported}, item-size model ${q.model}); ${num(tenantQueries)} tenant Queries = ${(rruPerMsg * 1e6).toFixed(0)} RRU per million`, usd(reads)],
    ['DynamoDB Streams GetRecords', 'by a Lambda trigger', usd(0)],
    ['total per million delivered events', '', usd(total)],
  ];
  console.log(table(['per million delivered events (messages)', 'model', '$'], rows).replace(/^/gm, '  '));
  line('per million delivered events', usd(total), `${verdict('Live cost per million delivered events (messages)', `${usd(total)} (WebSocket ${usd(ws)}, Lambda ${usd(requests + duration)}, reads ${usd(reads)})`, 'reported', undefined)}`);
  note(`measured on L2's shape: ${m.connectionsPerTenant} connections per tenant, every connection subscribed to everything; fewer connections per tenant means more Lambda and read cost per message`);
  note('Lambda durations are this machine\'s (Node 20, in-process peer, 2 shared cores): on AWS each PostToConnection is a network round trip, so billed durations will differ');
}

// ---------------------------------------------------------------------------------------------

/** `npm run bench` section "live": L1, L2, L3 and the cost model, on a local stack of its own. */
export async function benchLive(opts: LiveOptions = {}): Promise<LiveFigures> {
  note('live stream: a local stack in this process (handlers reach DynamoDB Local directly); WebSocket clients in this process too');
  const t0 = now();
  const stack = await startLocal({ quiet: true, writeEndpoints: false, dynamoDbFaultProxy: false });
  try {
    const e = stack.endpoints;
    note(`local stack up in ${((now() - t0) / 1000).toFixed(1)} s: API ${e.api}, WebSocket ${e.websocket}, DynamoDB Local ${e.dynamodb}`);
    const ctx: Ctx = {
      e,
      stores: localTableAdapters(e),
      ddb: documentClient(e.dynamodb, e.region),
      raw: new ApiGatewayManagementApiClient({
        endpoint: process.env.CONNECTIONS_ENDPOINT ?? e.websocket.replace(/^ws:/, 'http:'), region: e.region, credentials: LOCAL_AWS.credentials, maxAttempts: 3,
      }),
      sink: () => undefined,
      consumer: await observeConsumer(),
    };
    try {
      const l1 = await benchFreshness(ctx, opts.l1Seconds ?? 20);
      const l2 = await benchFanOut(ctx);
      const l3 = await benchNoLoss(ctx, opts.l3Seconds ?? 60);
      if (!ctx.consumer.invocations.length) throw new Error('the timing middleware saw no invocation of the consumer: it is not the instance the runner invokes');
      benchLiveCost(l2.cost);
      return { l1, l2: l2.figures, l3 };
    } finally {
      ctx.stores.ddb.destroy();
      ctx.ddb.destroy();
      ctx.raw.destroy();
    }
  } finally {
    await stack.stop();
  }
}
