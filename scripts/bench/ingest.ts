/**
 * P1 ingest throughput (HTTP API vs raw BatchWriteItem on the same DynamoDB
 * Local) and the searchable rate (every POST followed by reads that must find
 * what it wrote), both with 8 concurrent clients.
 */
import { cpus } from 'node:os';
import { parseClient } from '../../lambdas/core/client-info.js';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { type EventItem, toItem } from '../../lambdas/core/keys.js';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { api, batchWrite, chunk, documentClient, expectStatus } from './clients.js';
import type { LocalEndpoints } from '../../local/runner.js';
import { backgroundNote, cpuMeter, dynamoDbLocalPid } from './cpu.js';
import { line, median, note, num, perSec, pool, quantile, ms, section, since, verdict } from './report.js';
import { eventSource, population } from './workload.js';

/** What the ingest benchmarks need from the local stack. */
export interface IngestSetup {
  readonly api: string;
  readonly token: string;
  readonly dynamodb: string;
  readonly region: string;
  readonly eventsTable: string;
  readonly shardCount: number;
  readonly retentionDays: number;
  /** DynamoDB Local's JVM, for CPU accounting (undefined when /proc cannot tell). */
  readonly javaPid?: number;
}

/** The ingest setup of a local stack started by the bench (its admin token, tables and parameters). */
export function ingestSetup(endpoints: LocalEndpoints): IngestSetup {
  return {
    api: endpoints.api,
    token: endpoints.adminToken,
    dynamodb: endpoints.dynamodb,
    region: endpoints.region,
    eventsTable: endpoints.tables.events,
    shardCount: Number(endpoints.parameters.ShardCount),
    retentionDays: Number(endpoints.parameters.RetentionDays),
    javaPid: dynamoDbLocalPid(endpoints.dynamodb),
  };
}

/** Peer figures of Retraced from the issue (same machine kind, 20,000 events, 8 clients). */
export const RETRACED = { acceptedPerSec: 2300, searchablePerSec: 310, actorPage20P50Ms: 12.6 } as const;

const CLIENTS = 8;
const API_BATCH = 100;
const RAW_BATCH = 25;

interface PostResponse { accepted: number; ids: string[] }

/** `count` realistic inputs that occurred in the last two minutes (ms-precision UTC, as the API normalises them). */
function recentInputs(count: number, seed: number): EventInput[] {
  const next = eventSource(population(), seed);
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => next(new Date(now - 120_000 + Math.floor((i / count) * 110_000)).toISOString()));
}

/** Wall time and CPU seconds of one phase. */
interface Phase { kind: 'raw' | 'api'; secs: number; node: number; java?: number; background?: number }

/** Runs one timed phase of raw writes. */
async function rawPhase(s: IngestSetup, items: EventItem[], stats: { retries: number }): Promise<Phase> {
  const client = documentClient(s.dynamodb, s.region);
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  await pool(chunk(items, RAW_BATCH), CLIENTS, async (batch) => {
    stats.retries += await batchWrite(client, s.eventsTable, batch);
  });
  const secs = since(t0);
  const used = cpu();
  client.destroy();
  return { kind: 'raw', secs, ...used };
}

/** Runs one timed phase of API POSTs, collecting per-request latencies. */
async function apiPhase(s: IngestSetup, inputs: EventInput[], latencies: number[]): Promise<Phase> {
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  await pool(chunk(inputs, API_BATCH), CLIENTS, async (events) => {
    const t = performance.now();
    const r = await api<PostResponse>(s.api, s.token, 'POST', '/v1/events', { events });
    latencies.push(performance.now() - t);
    expectStatus(r, 201, 'POST /v1/events');
    if (r.body.accepted !== events.length) throw new Error(`POST /v1/events accepted ${r.body.accepted} of ${events.length}`);
  });
  const secs = since(t0);
  return { kind: 'api', secs, ...cpu() };
}

/** Raw items for `tenant` built from inputs exactly as ingest would (core toAuditEvent + toItem). */
function rawItems(s: IngestSetup, tenant: string, inputs: EventInput[]): EventItem[] {
  const receivedAt = new Date().toISOString();
  return inputs.map((input) => toItem(tenant, toAuditEvent(input, receivedAt, parseClient), s.shardCount, s.retentionDays));
}

export interface IngestResult {
  readonly apiPerSec: number;
  readonly rawPerSec: number;
  readonly ratio: number;
}

/**
 * P1: raw BatchWriteItem and the HTTP API, side by side, in ABBA order
 * (raw, API, API, raw) so a drift of DynamoDB Local over the run (the table
 * grows) weighs on both equally.
 */
export async function benchIngest(s: IngestSetup, total = 20_000): Promise<IngestResult> {
  section(`P1 ingest: HTTP API (batches of ${API_BATCH}) vs raw BatchWriteItem (batches of ${RAW_BATCH}), ${CLIENTS} concurrent clients`);
  const rawTenant = 'bench-raw';
  const half = total / 2;

  // Warm-up: JIT, connection pools, handler caches, DynamoDB Local's first pages.
  const warm = 4_000;
  await rawPhase(s, rawItems(s, rawTenant, recentInputs(warm, 101)), { retries: 0 });
  await apiPhase(s, recentInputs(warm, 102), []);
  note(`warm-up: ${num(warm)} raw items + ${num(warm)} events through the API (not measured)`);

  // Items are prepared before the clock starts: the baseline is DynamoDB Local's own write throughput.
  const stats = { retries: 0 };
  const apiLatencies: number[] = [];
  const raw1 = rawItems(s, rawTenant, recentInputs(half, 201));
  const raw2 = rawItems(s, rawTenant, recentInputs(half, 202));
  const api1 = recentInputs(half, 301);
  const api2 = recentInputs(half, 302);
  const phases: Phase[] = [];
  phases.push(await rawPhase(s, raw1, stats));
  phases.push(await apiPhase(s, api1, apiLatencies));
  phases.push(await apiPhase(s, api2, apiLatencies));
  phases.push(await rawPhase(s, raw2, stats));

  const sum = (kind: Phase['kind'], f: (p: Phase) => number | undefined) => phases.filter((p) => p.kind === kind).reduce((a, p) => a + (f(p) ?? Number.NaN), 0);
  const secs = (kind: Phase['kind']) => sum(kind, (p) => p.secs);
  const rawPerSec = total / secs('raw');
  const apiPerSec = total / secs('api');
  const ratio = apiPerSec / rawPerSec;
  note(`phases (ABBA): ${phases.map((p) => `${p.kind} ${num(half)} in ${p.secs.toFixed(2)} s`).join(', ')}`);
  line('raw BatchWriteItem (same items via core toItem)', perSec(rawPerSec), `${num(total)} items in ${secs('raw').toFixed(2)} s, ${stats.retries} unprocessed retries`);
  line('HTTP API POST /v1/events', perSec(apiPerSec), `${num(total)} events in ${secs('api').toFixed(2)} s`);
  line('  per POST of 100 events, p50 / p95', `${ms(median(apiLatencies))} / ${ms(quantile(apiLatencies, 0.95))}`);
  line('API / raw', `${ratio.toFixed(2)} x`, `target >= 0.80 x  ${verdict('P1 ingest API / raw BatchWriteItem', `${ratio.toFixed(2)} x (${num(apiPerSec)} vs ${num(rawPerSec)} events/s)`, '>= 0.80 x', ratio >= 0.8)}`);
  for (const kind of ['raw', 'api'] as const) {
    const node = sum(kind, (p) => p.node);
    const java = sum(kind, (p) => p.java);
    const bg = sum(kind, (p) => p.background);
    const busy = Number.isNaN(java) ? '' : `, ${((node + java) / secs(kind)).toFixed(2)} of ${cpus().length} cores busy`;
    const other = Number.isNaN(bg) ? '' : `; background ${(bg / secs(kind)).toFixed(2)} cores`;
    line(`  CPU per 1,000 events, ${kind === 'raw' ? 'raw' : 'API'}: node / DynamoDB Local`, `${((node / total) * 1000).toFixed(2)} / ${Number.isNaN(java) ? 'n/a' : ((java / total) * 1000).toFixed(2)} s`, `node = clients${kind === 'api' ? ' + local API + handlers' : ''}${busy}${other}`);
  }
  line('API accepted vs Retraced bulk API', `${(apiPerSec / RETRACED.acceptedPerSec).toFixed(1)} x`, `${num(apiPerSec)} vs ~${num(RETRACED.acceptedPerSec)} events/s`);
  return { apiPerSec, rawPerSec, ratio };
}

export interface SearchableResult {
  readonly perSec: number;
  readonly visibleByActor: number;
  readonly samples: number;
}

/**
 * Searchable rate: 8 clients POST `total` events in batches of 100; the moment
 * each POST returns, one sampled event of that batch is searched for through
 * an actor-filtered listing (GET /v1/events?actor=…&from=T&to=T, T = its
 * occurredAt), and found or not is counted. The searches run beside the next
 * POSTs and all finish inside the timed window. (Get-by-id read-your-write is
 * covered by the end-to-end tests.)
 */
export async function benchSearchable(s: IngestSetup, total = 20_000): Promise<SearchableResult> {
  section(`Searchable rate: ${num(total)} events, ${CLIENTS} clients, each POST's sampled event searched for (actor filter) the moment the POST returns`);
  const batches = chunk(recentInputs(total, 401), API_BATCH);
  let visibleByActor = 0;
  let samples = 0;
  const readLatencies: number[] = [];
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  // Each POST's sampled event is read back the moment the POST returns; the client does not hold its
  // next POST for those reads (real writers never wait on readers), but every read finishes inside the
  // timed window, so the rate counts events written AND confirmed searchable.
  const verifications: Promise<void>[] = [];
  await pool(batches, CLIENTS, async (events, worker) => {
    const r = await api<PostResponse>(s.api, s.token, 'POST', '/v1/events', { events });
    expectStatus(r, 201, 'POST /v1/events');
    const k = (samples * 37 + worker) % events.length;
    const id = r.body.ids[k]!;
    const input = events[k]!;
    const tr = performance.now();
    samples++;
    // "Searchable" = found by a search: the actor-filtered list, narrowed to the event's own millisecond.
    verifications.push(
      api<{ events: { id: string }[] }>(s.api, s.token, 'GET', `/v1/events?${new URLSearchParams({ actor: input.actor.id, from: input.occurredAt!, to: input.occurredAt!, limit: '100' })}`).then((byActor) => {
        readLatencies.push(performance.now() - tr);
        if (byActor.status === 200 && byActor.body.events.some((e) => e.id === id)) visibleByActor++;
      }),
    );
  });
  await Promise.all(verifications);
  const secs = since(t0);
  const used = cpu();
  const rate = total / secs;
  const both = visibleByActor;
  line('events written and verified', `${num(total)} in ${secs.toFixed(2)} s`, 'every read-back finished inside the timed window');
  line('sampled events found by an actor-filtered search right after POST', `${visibleByActor} / ${samples}`, `${((visibleByActor / samples) * 100).toFixed(1)} %`);
  line('verification search (GET /v1/events?actor=…), p50', ms(median(readLatencies)));
  if (used.java !== undefined) line('  CPU: node / DynamoDB Local', `${used.node.toFixed(1)} / ${used.java.toFixed(1)} s`, `${((used.node + used.java) / secs).toFixed(2)} of ${cpus().length} cores busy; ${backgroundNote(used, secs)}`);
  line('searchable events/s (POST + verification)', perSec(rate), `Retraced ~${RETRACED.searchablePerSec} events/s become searchable`);
  const x = rate / RETRACED.searchablePerSec;
  line('vs Retraced searchable rate', `${x.toFixed(1)} x`, `goal >= 10 x  ${verdict('Searchable events/s vs Retraced (310/s)', `${num(rate)} events/s = ${x.toFixed(1)} x (${both}/${samples} sampled visible at once)`, '>= 10 x, 100 % visible', x >= 10 && both === samples)}`);
  return { perSec: rate, visibleByActor, samples };
}
