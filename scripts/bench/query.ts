/**
 * P2 query: loads ≥ 100k realistic events for one tenant (raw BatchWriteItem),
 * measures read amplification of indexed filters through the real page reader
 * (`listEvents`, in-process: DynamoDB ScannedCount / items returned), then the
 * latency of an actor-filtered page over HTTP beside one raw Query page.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parseClient } from '../../lambdas/core/client-info.js';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { actorPk, type EventItem, INDEX, INDEX_KEY, toItem } from '../../lambdas/core/keys.js';
import type { EventFilter } from '../../lambdas/core/schemas.js';
import { listEvents } from '../../lambdas/events/list-events.js';
import type { TableAdapters } from '../../local/adapters.js';
import { api, batchWrite, documentClient, expectStatus } from './clients.js';
import { backgroundNote, cpuMeter } from './cpu.js';
import { RETRACED, type IngestSetup } from './ingest.js';
import { line, median, ms, note, num, pool, quantile, since, verdict } from './report.js';
import { eventSource, population } from './workload.js';

const DAY = 86_400_000;
const CLIENTS = 8;

/** What loading left behind: who is popular, and a sample of the written items. */
export interface LoadedTenant {
  readonly tenant: string;
  readonly count: number;
  readonly actors: ReadonlyMap<string, number>;
  readonly resources: ReadonlyMap<string, number>;
  readonly projects: ReadonlyMap<string, number>;
  readonly severities: ReadonlyMap<string, number>;
  /** Every 50th item written, as written. */
  readonly sample: readonly EventItem[];
  /** Write capacity units DynamoDB Local reported for the whole load (ReturnConsumedCapacity TOTAL). */
  readonly consumedWcu: number;
}

const bump = (m: Map<string, number>, k: string | undefined) => { if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1); };

/** Loads `count` events over the last 30 days for `tenant`: items built with core toAuditEvent + toItem, written 25 at a time by 8 clients. */
export async function loadTenant(s: IngestSetup, tenant: string, count: number): Promise<LoadedTenant> {
  const pop = population();
  const next = eventSource(pop, 9001);
  const client = documentClient(s.dynamodb, s.region);
  const actors = new Map<string, number>();
  const resources = new Map<string, number>();
  const projects = new Map<string, number>();
  const severities = new Map<string, number>();
  const sample: EventItem[] = [];
  const now = Date.now();
  let made = 0;
  let retries = 0;
  let genMs = 0;
  const capacity = { units: 0 };
  const batches = Array.from({ length: Math.ceil(count / 25) }, (_, i) => i);
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  await pool(batches, CLIENTS, async () => {
    const g = performance.now();
    const items: EventItem[] = [];
    for (let i = 0; i < 25 && made < count; i++, made++) {
      // Spread over 30 days, ending an hour ago; received a second after it occurred.
      const at = now - 3_600_000 - Math.floor(((made * 7919) % count) / count * 30 * DAY);
      const input = next(new Date(at).toISOString());
      const event = toAuditEvent(input, new Date(at + 1000).toISOString(), parseClient);
      const item = toItem(tenant, event, s.shardCount, s.retentionDays);
      bump(actors, event.actor.id);
      bump(resources, event.resource?.id);
      bump(projects, event.project);
      bump(severities, event.severity);
      if (made % 50 === 0) sample.push(item);
      items.push(item);
    }
    genMs += performance.now() - g;
    if (items.length) retries += await batchWrite(client, s.eventsTable, items, capacity);
  });
  const secs = since(t0);
  const used = cpu();
  client.destroy();
  line(`loaded ${num(count)} events for tenant ${tenant}`, `${secs.toFixed(1)} s`, `${num(count / secs)} items/s incl. building them (${(genMs / 1000).toFixed(1)} s CPU), ${retries} retries`);
  if (used.java !== undefined) note(`CPU while loading: node ${used.node.toFixed(1)} s, DynamoDB Local ${used.java.toFixed(1)} s; ${backgroundNote(used, secs)}`);
  note(`distribution: ${actors.size} actors (top ${num(Math.max(...actors.values()))} events), ${num(resources.size)} resources (incl. users locked out), ${projects.size} projects, severities ${[...severities].map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);
  return { tenant, count, actors, resources, projects, severities, sample, consumedWcu: capacity.units };
}

/** Keys of `m` at the given popularity ranks (0 = most events). */
function ranked(m: ReadonlyMap<string, number>, ranks: readonly number[]): Array<[string, number]> {
  const sorted = [...m].sort((a, b) => b[1] - a[1]);
  return ranks.map((r) => sorted[Math.min(r, sorted.length - 1)]!);
}

export interface QueryResult {
  readonly amplification: Readonly<Record<string, number>>;
  readonly httpPage50P50: number;
  readonly rawQueryP50: number;
  readonly httpPage20P50: number;
}

/** P2: amplification per filter, then latencies. */
export async function benchQuery(s: IngestSetup, loaded: LoadedTenant, token: string, stores: TableAdapters): Promise<QueryResult> {
  // Cursors only go from one page to the next here: any key signs them.
  const deps = { ...stores, cursorSecret: randomBytes(32).toString('hex') };
  const PAGES = 5;
  const LIMIT = 50;

  /** Reads up to PAGES pages of `filter`; returns [scanned, returned]. */
  const readPages = async (filter: EventFilter): Promise<[number, number]> => {
    let scanned = 0;
    let returned = 0;
    let cursor: string | undefined;
    for (let p = 0; p < PAGES; p++) {
      const page = await listEvents(deps, loaded.tenant, filter, { limit: LIMIT, cursor });
      scanned += page.scanned;
      returned += page.events.length;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return [scanned, returned];
  };

  note(`read amplification = Σ ScannedCount / Σ items returned, ${PAGES} pages of ${LIMIT} per value via listEvents (the handler's page reader)`);
  const groups: Array<{ name: string; target: boolean; values: Array<{ label: string; filter: EventFilter; size: number }> }> = [
    { name: 'actor', target: true, values: ranked(loaded.actors, [0, 4, 49, 199]).map(([id, n]) => ({ label: id, filter: { actor: id }, size: n })) },
    { name: 'resource', target: true, values: ranked(loaded.resources, [0, 9, 99, 999]).map(([id, n]) => ({ label: id, filter: { resourceId: id }, size: n })) },
    { name: 'project', target: true, values: ranked(loaded.projects, [0, 9, 29, 59]).map(([id, n]) => ({ label: id, filter: { project: id }, size: n })) },
    { name: 'timeline (no filter)', target: false, values: [{ label: '(all)', filter: {}, size: loaded.count }] },
    { name: 'sparse: severity=critical', target: false, values: [{ label: 'critical', filter: { severity: 'critical' }, size: loaded.severities.get('critical') ?? 0 }] },
  ];
  const amplification: Record<string, number> = {};
  for (const g of groups) {
    let scanned = 0;
    let returned = 0;
    const parts: string[] = [];
    for (const v of g.values) {
      const [sc, rt] = await readPages(v.filter);
      scanned += sc;
      returned += rt;
      parts.push(`${v.label} (${num(v.size)} stored): ${sc}/${rt}`);
    }
    const amp = scanned / Math.max(1, returned);
    amplification[g.name] = amp;
    const judged = g.target
      ? `target <= 1.5  ${verdict(`P2 read amplification, ${g.name} filter`, `${amp.toFixed(2)} items read / item returned`, '<= 1.5', amp <= 1.5)}`
      : 'information';
    line(`${g.name}: read / returned`, amp.toFixed(2), judged);
    note(`    scanned/returned: ${parts.join('; ')}`);
  }

  // Latency: one popular actor, the same key for the HTTP pages and the raw Query.
  const [actor, actorEvents] = ranked(loaded.actors, [0])[0]!;
  const client = documentClient(s.dynamodb, s.region);
  const rawQuery = () => client.send(new QueryCommand({
    TableName: s.eventsTable,
    IndexName: INDEX.byActor,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': INDEX_KEY.byActor },
    ExpressionAttributeValues: { ':pk': actorPk(loaded.tenant, actor) },
    ScanIndexForward: false,
    Limit: 50,
  }));
  const httpPage = async (limit: number) => {
    const r = await api<{ events: unknown[] }>(s.api, token, 'GET', `/v1/events?actor=${encodeURIComponent(actor)}&limit=${limit}`);
    expectStatus(r, 200, 'GET /v1/events?actor=');
    if (r.body.events.length !== limit) throw new Error(`expected a full page of ${limit}, got ${r.body.events.length}`);
  };
  const probes: Array<[string, () => Promise<unknown>]> = [
    ['a', () => httpPage(50)],
    ['b', async () => { const r = await rawQuery(); if (r.Items?.length !== 50) throw new Error('raw Query returned a short page'); }],
    ['c', () => httpPage(20)],
  ];
  const WARM = 30;
  const SAMPLES = 250;
  const lat: Record<string, number[]> = { a: [], b: [], c: [] };
  // Round-robin, one request at a time: latency, not throughput; drift hits all three alike.
  const cpu = cpuMeter(s.javaPid);
  const t0 = performance.now();
  for (let i = 0; i < WARM + SAMPLES; i++) {
    for (const [key, probe] of probes) {
      const t = performance.now();
      await probe();
      if (i >= WARM) lat[key]!.push(performance.now() - t);
    }
  }
  const used = cpu();
  const secs = since(t0);
  client.destroy();
  note('');
  note(`latency, actor ${actor} (${num(actorEvents)} events), ${SAMPLES} samples each after ${WARM} warm-up rounds, sequential, round-robin; ${backgroundNote(used, secs)}:`);
  const row = (label: string, key: string, extra = '') => line(label, `p50 ${ms(median(lat[key]!))}`, `p95 ${ms(quantile(lat[key]!, 0.95))}${extra}`);
  row('(a) HTTP GET /v1/events?actor=…&limit=50', 'a');
  row('(b) raw DynamoDB Query, byActor, Limit 50', 'b', ' (SDK document client, same GSI and key)');
  row('(c) HTTP GET /v1/events?actor=…&limit=20', 'c', `  vs Retraced p50 ${RETRACED.actorPage20P50Ms} ms`);
  const a = median(lat.a!);
  const b = median(lat.b!);
  const c = median(lat.c!);
  line('(a) / (b): filtered page vs one raw Query page', `${(a / b).toFixed(2)} x`, `+${ms(a - b)} for auth, settings, cursor, decoding, HTTP`);
  verdict('P2 filtered page (50) p50 vs raw Query page p50', `${ms(a)} vs ${ms(b)} (${(a / b).toFixed(2)} x)`, 'reported (no numeric target)', undefined);
  line('(c) vs Retraced actor page of 20', `${(c / RETRACED.actorPage20P50Ms).toFixed(2)} x`, `goal lower than 12.6 ms  ${verdict('Actor page of 20, p50 vs Retraced 12.6 ms', ms(c), '< 12.6 ms', c < RETRACED.actorPage20P50Ms)}`);
  return { amplification, httpPage50P50: a, rawQueryP50: b, httpPage20P50: c };
}
