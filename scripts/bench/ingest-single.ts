/**
 * P1b single-event ingest: `POST /v1/events` with ONE event per request, 8
 * concurrent clients, over the local HTTP API, against the raw single-item
 * `PutItem` rate of the same DynamoDB Local (same table and indexes; the raw
 * items are built beforehand from the same kind of input with core
 * `toAuditEvent` + `toItem`, so the baseline is DynamoDB Local alone), in the
 * same run.
 *
 * The main figure sends events without ids (server ULIDs: no existence check);
 * events with client-supplied ids (which may be re-sends, so ingest must make
 * sure each is written once) are a second, INFO figure.
 *
 * Then the breakdown of one POST, measured one request at a time (so no step
 * waits on another request): the round trip over HTTP, the handler invoked
 * directly with the event the local gateway would build, the middleware stack
 * alone, the pure ingest rules, each DynamoDB call the handler makes (timed by
 * an SDK middleware the benchmark adds to the handlers' own client, in this
 * process), the authorizer on a cached token, and a bare Node HTTP server as the
 * floor of a localhost round trip. No runtime code is instrumented.
 */
import { createServer, type Server } from 'node:http';
import { cpus } from 'node:os';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseClient } from '../../lambdas/core/client-info.js';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { parseIngestBody, prepareEvents } from '../../lambdas/core/ingest.js';
import { type EventItem, toItem } from '../../lambdas/core/keys.js';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { startDynamoDbProxy } from '../../local/dynamodb-proxy.js';
import { Faults } from '../../local/faults.js';
import { lambdaContext } from '../../local/http-api.js';
import { api, documentClient, expectStatus } from './clients.js';
import { cpuMeter } from './cpu.js';
import type { IngestSetup } from './ingest.js';
import { line, median, ms, note, num, perSec, pool, quantile, section, since, table, verdict } from './report.js';
import { eventSource, population } from './workload.js';

const CLIENTS = 8;
/** Retraced's single-event ingest on this machine kind (issue 7), events/s. */
export const RETRACED_SINGLE_PER_SEC = 320;
/** Target: single-event POSTs per second >= this share of the raw single-item PutItem rate. */
const MIN_RATIO = 0.8;

interface PostResponse { accepted: number; duplicates: number; ids: string[] }

/** `count` realistic inputs that occurred in the last two minutes; with `idPrefix`, each gets a client id. */
function inputs(count: number, seed: number, idPrefix?: string): EventInput[] {
  const next = eventSource(population(), seed);
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const input = next(new Date(now - 120_000 + Math.floor((i / count) * 110_000)).toISOString());
    return idPrefix ? { id: `${idPrefix}-${i}`, ...input } : input;
  });
}

/** Raw items for `tenant`, built exactly as ingest builds them (core toAuditEvent + toItem). */
function rawItems(s: IngestSetup, tenant: string, from: EventInput[]): EventItem[] {
  const receivedAt = new Date().toISOString();
  return from.map((input) => toItem(tenant, toAuditEvent(input, receivedAt, parseClient), s.shardCount, s.retentionDays));
}

type Kind = 'raw' | 'proxied' | 'api' | 'ids';
interface Phase { kind: Kind; events: number; secs: number; node: number; java?: number; background?: number }

/** Raw PutItems to `endpoint`: DynamoDB Local itself, or the endpoint the handlers use (`proxied`). */
async function rawPhase(s: IngestSetup, items: EventItem[], latencies: number[], endpoint = s.dynamodb): Promise<Phase> {
  const client = documentClient(endpoint, s.region);
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  await pool(items, CLIENTS, async (Item) => {
    const t = performance.now();
    await client.send(new PutCommand({ TableName: s.eventsTable, Item }));
    latencies.push(performance.now() - t);
  });
  const secs = since(t0);
  const used = cpu();
  client.destroy();
  return { kind: endpoint === s.dynamodb ? 'raw' : 'proxied', events: items.length, secs, ...used };
}

async function apiPhase(s: IngestSetup, kind: 'api' | 'ids', events: EventInput[], latencies: number[]): Promise<Phase> {
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  await pool(events, CLIENTS, async (event) => {
    const t = performance.now();
    const r = await api<PostResponse>(s.api, s.token, 'POST', '/v1/events', event);
    latencies.push(performance.now() - t);
    expectStatus(r, 201, 'POST /v1/events (one event)');
    if (r.body.accepted !== 1 || r.body.duplicates !== 0) throw new Error(`POST /v1/events: ${JSON.stringify(r.body)}`);
  });
  const secs = since(t0);
  return { kind, events: events.length, secs, ...cpu() };
}

export interface SingleIngestResult {
  readonly rawPerSec: number;
  readonly apiPerSec: number;
  readonly ratio: number;
  readonly idsPerSec: number;
  readonly idsRatio: number;
}

/** Timings of one step over the breakdown's samples. */
type Samples = Record<string, number[]>;

/**
 * The SDK calls the handlers make, timed: an `initialize`-step middleware (it wraps
 * serialisation, signing, the HTTP exchange, retries and parsing) added to the
 * handlers' own DynamoDB client for the breakdown, and removed after it.
 */
async function timeDynamoDbCalls(): Promise<{ take(): { op: string; ms: number }[]; remove(): void }> {
  // The handlers' own client: the composition module builds it once per process, as per Lambda container.
  const ddb = (await import('../../lambdas/shared/adapters.js')).documentClient();
  let calls: { op: string; ms: number }[] = [];
  const name = 'benchStepTiming';
  ddb.middlewareStack.add(
    ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        calls.push({ op: (context.commandName ?? '?').replace(/Command$/, ''), ms: performance.now() - t });
      }
    }) as never,
    { step: 'initialize', name, priority: 'high' },
  );
  return {
    take: () => {
      const taken = calls;
      calls = [];
      return taken;
    },
    remove: () => void ddb.middlewareStack.remove(name),
  };
}

/** A bare Node HTTP server on 127.0.0.1 answering every POST with a 201 JSON body: the floor of a local round trip. */
async function bareServer(): Promise<{ url: string; server: Server }> {
  const reply = JSON.stringify({ accepted: 1, skipped: 0, duplicates: 0, ids: ['01JBENCHBENCHBENCHBENCHBENC'] });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(reply) });
      res.end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

/**
 * Where one single-event POST spends its time, one request at a time; every step is
 * sampled in each iteration, so drift hits all steps alike.
 */
async function breakdown(s: IngestSetup, samples: number): Promise<void> {
  section(`P1b breakdown: where one single-event POST spends its time (one request at a time, medians of ${num(samples)})`);
  const [{ handler: ingest }, { handler: authorizer }, { route, json, countOutcome }, { ingestContext: contextOf }, adapters, { eventPk }] = await Promise.all([
    import('../../lambdas/events/ingest.js'),
    import('../../lambdas/auth/authorizer.js'),
    import('../../lambdas/shared/http.js'),
    import('../../lambdas/events/audit-item.js'),
    import('../../lambdas/shared/adapters.js'),
    import('../../lambdas/core/keys.js'),
  ]);
  // The handlers' own adapters (the composition module's, as in the ingest handler).
  const ingestContext = (tenant: string) => contextOf(adapters.settingsSources(), tenant);
  const putEvents: (items: EventItem[], mayExist: (item: EventItem) => boolean) => ReturnType<ReturnType<typeof adapters.eventStore>['putEvents']> = (items, mayExist) => adapters.eventStore().putEvents(items, mayExist);
  const auth = await authorizer({ headers: { authorization: `Bearer ${s.token}` } } as never);
  const lambda = (auth as { context?: { tenant?: string; scopes?: string; tokenId?: string } }).context;
  if (!lambda?.tenant) throw new Error('breakdown: the admin token did not authorize');
  const tenant = lambda.tenant;
  const fn = { name: 'AuditLog-IngestEvents', timeoutSeconds: 10, memoryMb: 1024 };
  /** The event the local gateway builds for a POST of `body` (payload format 2.0, authorizer context attached). */
  const gatewayEvent = (body: string) => ({
    version: '2.0', routeKey: 'POST /v1/events', rawPath: '/v1/events', rawQueryString: '',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), host: '127.0.0.1', 'user-agent': 'bench' },
    requestContext: {
      accountId: '000000000000', apiId: 'local', domainName: '127.0.0.1', domainPrefix: '127', requestId: 'bench', routeKey: 'POST /v1/events', stage: '$default',
      time: '', timeEpoch: Date.now(), http: { method: 'POST', path: '/v1/events', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      authorizer: { lambda: { ...lambda } },
    },
    body, isBase64Encoded: false,
  });
  // The middleware alone: a body that only records one metric, as ingest does, and answers like it.
  const noop = route({ scope: 'events:write', body: true }, async () => {
    countOutcome('BenchMiddlewareOnly');
    return json(201, { accepted: 1, skipped: 0, duplicates: 0, ids: ['x'] });
  });
  const bare = await bareServer();
  const timing = await timeDynamoDbCalls();
  const t: Samples = {};
  const add = (key: string, value: number) => (t[key] ??= []).push(value);
  const time = async (key: string, f: () => Promise<unknown> | unknown) => {
    const t0 = performance.now();
    await f();
    add(key, performance.now() - t0);
  };
  const calls = (key: string) => {
    const byOp = new Map<string, number>();
    for (const c of timing.take()) byOp.set(c.op, (byOp.get(c.op) ?? 0) + c.ms);
    for (const [op, v] of byOp) add(`ddb ${key}|${op}`, v);
    add(`ddb ${key}|all`, [...byOp.values()].reduce((a, b) => a + b, 0));
  };
  const plain = inputs(samples + 50, 601);
  // Raw single-item writes, direct and through the local fault proxy the tests put in front of
  // DynamoDB Local (the handlers' own when they use it; else one started here, for this comparison).
  const handlersEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB ?? s.dynamodb;
  const ownProxy = handlersEndpoint === s.dynamodb ? await startDynamoDbProxy({ target: s.dynamodb, faults: new Faults() }) : undefined;
  const proxyEndpoint = ownProxy?.endpoint ?? handlersEndpoint;
  const direct = documentClient(s.dynamodb, s.region);
  const proxied = documentClient(proxyEndpoint, s.region);
  const [putItems, batchItems, proxiedItems] = [801, 802, 803].map((seed) => rawItems(s, 'bench-raw-single', inputs(samples + 50, seed)));
  const withIds = inputs(samples + 50, 602, `p1b-breakdown-${Date.now().toString(36)}`);
  try {
    for (let i = 0; i < samples + 50; i++) {
      const warm = i < 50; // JIT and pools first; not counted
      const k = (key: string) => (warm ? `warm ${key}` : key);
      const body = JSON.stringify(plain[i]);
      const idBody = JSON.stringify(withIds[i]);
      await time(k('http'), async () => expectStatus(await api(s.api, s.token, 'POST', '/v1/events', plain[i]), 201, 'POST'));
      timing.take();
      await time(k('http ids'), async () => expectStatus(await api(s.api, s.token, 'POST', '/v1/events', { ...withIds[i], id: `${withIds[i]!.id}-h` }), 201, 'POST'));
      timing.take();
      await time(k('handler'), async () => {
        const r = await ingest(gatewayEvent(body) as never, lambdaContext(fn, Date.now() + 10_000) as never);
        if ((r as { statusCode: number }).statusCode !== 201) throw new Error(`handler: ${JSON.stringify(r)}`);
      });
      calls(k('handler'));
      await time(k('handler ids'), async () => {
        const r = await ingest(gatewayEvent(idBody) as never, lambdaContext(fn, Date.now() + 10_000) as never);
        if ((r as { statusCode: number }).statusCode !== 201) throw new Error(`handler: ${JSON.stringify(r)}`);
      });
      calls(k('handler ids'));
      await time(k('middleware'), async () => noop(gatewayEvent(body) as never, lambdaContext(fn, Date.now() + 10_000) as never));
      await time(k('authorizer'), async () => authorizer({ headers: { authorization: `Bearer ${s.token}` } } as never));
      const ctx = await ingestContext(tenant);
      timing.take();
      await time(k('settings'), async () => ingestContext(tenant));
      timing.take();
      let items: EventItem[] = [];
      await time(k('rules'), () => {
        items = prepareEvents(tenant, parseIngestBody(JSON.parse(body), ctx), { ...ctx, parseClient }).items;
      });
      await time(k('write'), async () => putEvents(items, () => false));
      timing.take();
      const idItems = prepareEvents(tenant, parseIngestBody({ ...withIds[i], id: `${withIds[i]!.id}-w` }, ctx), { ...ctx, parseClient }).items;
      const idPk = eventPk(tenant, `${withIds[i]!.id}-w`);
      await time(k('write ids'), async () => putEvents(idItems, (item) => item.pk === idPk));
      timing.take();
      await time(k('put direct'), async () => direct.send(new PutCommand({ TableName: s.eventsTable, Item: putItems![i] })));
      await time(k('batch1 direct'), async () => direct.send(new BatchWriteCommand({ RequestItems: { [s.eventsTable]: [{ PutRequest: { Item: batchItems![i] } }] } })));
      await time(k('put proxied'), async () => proxied.send(new PutCommand({ TableName: s.eventsTable, Item: proxiedItems![i] })));
      await time(k('bare http'), async () => {
        const r = await api(bare.url, 'x', 'POST', '/v1/events', plain[i]);
        if (r.status !== 201) throw new Error('bare server');
      });
    }
  } finally {
    timing.remove();
    bare.server.close();
    direct.destroy();
    proxied.destroy();
    await ownProxy?.stop();
  }
  const m = (key: string) => (t[key] ? median(t[key]!) : Number.NaN);
  const fmt = (v: number) => (Number.isNaN(v) ? '-' : ms(v));
  const dynamo = (key: string) => Object.keys(t).filter((x) => x.startsWith(`ddb ${key}|`) && !x.endsWith('|all')).map((x) => `${x.split('|')[1]} ${fmt(m(x))}`).join(', ');
  const rows: string[][] = [
    ['POST over HTTP, round trip at the client', fmt(m('http')), fmt(m('http ids')), 'client + local gateway + handler, one request at a time'],
    ['  local gateway + HTTP (round trip − handler)', fmt(m('http') - m('handler')), fmt(m('http ids') - m('handler ids')), "emulator's, not Lambda's: local/http-api.ts + Node HTTP both ends"],
    ['    of which a bare Node HTTP round trip', fmt(m('bare http')), fmt(m('bare http')), 'the same body to a server that only parses it and answers 201'],
    ['    of which the gateway emulation itself', fmt(m('http') - m('handler') - m('bare http')), fmt(m('http ids') - m('handler ids') - m('bare http')), 'routing, event building, payload check, authorizer cache (TTL 30 s), Lambda context'],
    ['  authorizer, token in its cache', fmt(m('authorizer')), fmt(m('authorizer')), 'not called per request locally: the gateway caches its answer like API Gateway'],
    ['  handler, invoked directly', fmt(m('handler')), fmt(m('handler ids')), 'ingest handler with the gateway\'s event: middleware + body'],
    ['    middleware stack alone (body: one metric)', fmt(m('middleware')), fmt(m('middleware')), 'logger context, metrics, scope check, JSON body, error handler'],
    ['    settings (ingestContext)', fmt(m('settings')), fmt(m('settings')), 'effectiveSettings → loadSettings'],
    ['    validation + ingest rules (pure)', fmt(m('rules')), fmt(m('rules')), 'parseIngestBody + prepareEvents (ULID, user agent, item, deflated body)'],
    ['    write (putEvents)', fmt(m('write')), fmt(m('write ids')), 'server ULID: BatchWriteItem / client id: existence check + write'],
    ['    DynamoDB calls in the handler, sum', fmt(m('ddb handler|all')), fmt(m('ddb handler ids|all')), `per call: ${dynamo('handler') || 'none'} / ids: ${dynamo('handler ids') || 'none'}`],
    ['    rest of the handler', fmt(m('handler') - m('middleware') - m('rules') - m('ddb handler|all')), fmt(m('handler ids') - m('middleware') - m('rules') - m('ddb handler ids|all')), 'handler − middleware − rules − DynamoDB calls'],
  ];
  rows.push(
    ['for comparison, from the bench client:', '', '', ''],
    ['  raw PutItem to DynamoDB Local', fmt(m('put direct')), '', 'the P1b baseline\'s call'],
    ['  raw BatchWriteItem of one item to DynamoDB Local', fmt(m('batch1 direct')), '', 'what ingest sends for one event with a server id'],
    ['  raw PutItem through the local fault proxy', fmt(m('put proxied')), '', `+${fmt(m('put proxied') - m('put direct'))} per call: local/dynamodb-proxy.ts, the tests' throttling faults; ${ownProxy ? 'the handlers bypass it in this bench' : 'the handlers use it in this run'}`],
  );
  console.log(table(['step (medians; differences of medians are approximate)', 'server id', 'client id', 'what'], rows).replace(/^/gm, '  '));
  note('each DynamoDB call is timed around the SDK send (serialise, sign, HTTP to DynamoDB Local, parse); DynamoDB Local runs on the same 2 cores');
}

/**
 * P1b: raw PutItem vs single-event POSTs, without and with client ids, in the
 * palindromic order raw, API, API+ids, API+ids, API, raw (a drift over the run,
 * e.g. the table growing, weighs on every path alike), then the breakdown.
 */
export async function benchSingleIngest(s: IngestSetup, total = 6_000, breakdownSamples = 300): Promise<SingleIngestResult> {
  section(`P1b single-event ingest: POST /v1/events with one event per request vs raw single-item PutItem, ${CLIENTS} concurrent clients`);
  const rawTenant = 'bench-raw-single';
  const half = Math.floor(total / 2);
  const run = Date.now().toString(36);

  // Warm-up: JIT, connection pools, handler caches, the tenants' settings, DynamoDB Local's first pages.
  const warm = Math.min(1_000, half);
  await rawPhase(s, rawItems(s, rawTenant, inputs(warm, 701)), []);
  await apiPhase(s, 'api', inputs(warm, 702), []);
  await apiPhase(s, 'ids', inputs(warm, 703, `p1b-${run}-w`), []);
  note(`warm-up: ${num(warm)} raw PutItems, ${num(warm)} POSTs, ${num(warm)} POSTs with client ids (not measured)`);

  // Everything is prepared before the clocks start.
  const raw1 = rawItems(s, rawTenant, inputs(half, 711));
  const raw2 = rawItems(s, rawTenant, inputs(half, 712));
  // The handlers reach DynamoDB Local through the local fault proxy (test scaffolding, absent on AWS), when there is one.
  const handlersEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  const proxy = handlersEndpoint && handlersEndpoint !== s.dynamodb ? handlersEndpoint : undefined;
  const prox1 = proxy ? rawItems(s, rawTenant, inputs(half, 713)) : [];
  const prox2 = proxy ? rawItems(s, rawTenant, inputs(half, 714)) : [];
  const api1 = inputs(half, 721);
  const api2 = inputs(half, 722);
  const ids1 = inputs(half, 731, `p1b-${run}-a`);
  const ids2 = inputs(half, 732, `p1b-${run}-b`);
  const lat: Record<Kind, number[]> = { raw: [], proxied: [], api: [], ids: [] };
  const phases: Phase[] = [];
  phases.push(await rawPhase(s, raw1, lat.raw));
  if (proxy) phases.push(await rawPhase(s, prox1, lat.proxied, proxy));
  phases.push(await apiPhase(s, 'api', api1, lat.api));
  phases.push(await apiPhase(s, 'ids', ids1, lat.ids));
  phases.push(await apiPhase(s, 'ids', ids2, lat.ids));
  phases.push(await apiPhase(s, 'api', api2, lat.api));
  if (proxy) phases.push(await rawPhase(s, prox2, lat.proxied, proxy));
  phases.push(await rawPhase(s, raw2, lat.raw));

  const sum = (kind: Kind, f: (p: Phase) => number | undefined) => phases.filter((p) => p.kind === kind).reduce((a, p) => a + (f(p) ?? Number.NaN), 0);
  const events = (kind: Kind) => sum(kind, (p) => p.events);
  const rate = (kind: Kind) => events(kind) / sum(kind, (p) => p.secs);
  const rawPerSec = rate('raw');
  const apiPerSec = rate('api');
  const idsPerSec = rate('ids');
  const ratio = apiPerSec / rawPerSec;
  const idsRatio = idsPerSec / rawPerSec;
  note(`phases: ${phases.map((p) => `${p.kind} ${num(p.events)} in ${p.secs.toFixed(2)} s`).join(', ')}`);
  const p = (kind: Kind) => `${ms(median(lat[kind]))} / ${ms(quantile(lat[kind], 0.95))}`;
  line('raw PutItem, one item per call', perSec(rawPerSec), `${num(events('raw'))} items; p50 / p95 ${p('raw')}`);
  if (proxy) line('raw PutItem through the handlers\' fault proxy', perSec(rate('proxied')), `${num(events('proxied'))} items; p50 / p95 ${p('proxied')}; local/dynamodb-proxy.ts, test scaffolding (not on AWS)`);
  line('POST /v1/events, one event, server id', perSec(apiPerSec), `${num(events('api'))} POSTs; p50 / p95 ${p('api')}`);
  line('POST /v1/events, one event, client id', perSec(idsPerSec), `${num(events('ids'))} POSTs; p50 / p95 ${p('ids')}`);
  line('API (server ids) / raw PutItem', `${ratio.toFixed(2)} x`, `target >= ${MIN_RATIO.toFixed(2)} x  ${verdict('P1b single-event ingest: POSTs/s ÷ raw PutItem/s (server ids)', `${ratio.toFixed(2)} x (${num(apiPerSec)} vs ${num(rawPerSec)} events/s)`, `>= ${MIN_RATIO.toFixed(2)} x`, ratio >= MIN_RATIO)}`);
  line('API (client ids) / raw PutItem', `${idsRatio.toFixed(2)} x`, `${verdict('P1b single-event ingest with client ids ÷ raw PutItem', `${idsRatio.toFixed(2)} x (${num(idsPerSec)} vs ${num(rawPerSec)} events/s)`, 'reported', undefined)}`);
  if (proxy) {
    const viaProxy = apiPerSec / rate('proxied');
    line('API (server ids) / raw PutItem through the same proxy', `${viaProxy.toFixed(2)} x`, `both paths pay the proxy hop once per event  ${verdict('P1b single-event ingest ÷ raw PutItem, both through the local fault proxy', `${viaProxy.toFixed(2)} x (${num(apiPerSec)} vs ${num(rate('proxied'))} events/s)`, 'reported', undefined)}`);
  }
  for (const kind of (proxy ? ['raw', 'proxied', 'api', 'ids'] : ['raw', 'api', 'ids']) as Kind[]) {
    const secs = sum(kind, (x) => x.secs);
    const node = sum(kind, (x) => x.node);
    const java = sum(kind, (x) => x.java);
    const bg = sum(kind, (x) => x.background);
    const busy = Number.isNaN(java) ? '' : `, ${((node + java) / secs).toFixed(2)} of ${cpus().length} cores busy`;
    const other = Number.isNaN(bg) ? '' : `; background ${(bg / secs).toFixed(2)} cores`;
    const label = { raw: 'raw', proxied: 'raw via proxy', api: 'API, server ids', ids: 'API, client ids' }[kind];
    line(`  CPU ms per event, ${label}: node / DynamoDB Local`, `${((node / events(kind)) * 1000).toFixed(2)} / ${Number.isNaN(java) ? 'n/a' : ((java / events(kind)) * 1000).toFixed(2)}`, `node = clients${kind === 'raw' ? '' : kind === 'proxied' ? ' + proxy' : ` + local gateway + handlers${proxy ? ' + proxy' : ''}`}${busy}${other}`);
  }
  await breakdown(s, breakdownSamples);
  return { rawPerSec, apiPerSec, ratio, idsPerSec, idsRatio };
}
