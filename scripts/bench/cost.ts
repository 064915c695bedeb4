/**
 * Cost model: exact DynamoDB item sizes the documented way, write request
 * units per event (base item + every index entry written), bytes stored, and
 * dollars per million events kept 90 days at us-east-1 on-demand prices.
 *
 * Sizes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
 * string = UTF-8 bytes of name + value; number = name + ceil(significant digits / 2) + 1;
 * binary = name + byte length; boolean/null = name + 1; map/list = name + 3 + Σ elements
 * + 1 per element. Storage adds 100 bytes per base item and per index entry
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.StorageConsiderations).
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseClient } from '../../lambdas/core/client-info.js';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { type EventItem, INDEX_KEY, type IndexName, toItem } from '../../lambdas/core/keys.js';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { line, note, num, section, table, usd, verdict } from './report.js';
import { minimalEvent, typicalEvent } from './workload.js';

/** us-east-1 on-demand prices (USD), as of this benchmark. */
export const PRICES = {
  standard: { name: 'Standard', perMillionWru: 0.625, perMillionRru: 0.125, perGbMonth: 0.25 },
  standardIa: { name: 'Standard-IA', perMillionWru: 0.78125, perMillionRru: 0.15625, perGbMonth: 0.1 },
  pitrPerGbMonth: 0.2,
} as const;
type TableClass = typeof PRICES.standard | typeof PRICES.standardIa;

const GB = 1024 ** 3;
const KB = 1024;
const OVERHEAD = 100;
const MONTHS = 3; // 90 days
const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** Size of one attribute value, without its name (DynamoDB's documented rules). */
function valueSize(v: unknown): number {
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint') {
    const digits = String(v).replace(/^-/, '').replace('.', '').replace(/e.*$/i, '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (typeof v === 'boolean' || v === null) return 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (Array.isArray(v)) return 3 + v.reduce<number>((a, e) => a + valueSize(e) + 1, 0);
  if (typeof v === 'object') return 3 + Object.entries(v as Record<string, unknown>).reduce((a, [k, e]) => a + utf8(k) + valueSize(e) + 1, 0);
  throw new Error(`cannot size ${typeof v}`);
}

/** DynamoDB size of an item: Σ (UTF-8 name length + value size); undefined attributes are not stored. */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((a, [k, v]) => (v === undefined ? a : a + utf8(k) + valueSize(v)), 0);
}

/** What one event costs to write and keep. */
export interface EventFootprint {
  readonly itemBytes: number;
  /** Indexes the item is written to (sparse indexes only when their key is present). */
  readonly indexes: readonly IndexName[];
  /** Size of each index entry (projection ALL: the whole item). */
  readonly indexEntryBytes: number;
  /** Write request units: base + each index entry, each ceil(size / 1 KB). */
  readonly wru: number;
  /** Bytes billed as storage: base item + index entries, 100 bytes overhead each. */
  readonly storedBytes: number;
  /** Bytes of the base table alone (PITR is billed on table data, not GSIs). */
  readonly baseStoredBytes: number;
}

/** The footprint of a stored item; `projection` 'KEYS_ONLY' is a what-if, the stack projects ALL. */
export function footprint(item: EventItem, projection: 'ALL' | 'KEYS_ONLY' = 'ALL', indexFilter?: (i: IndexName) => boolean): EventFootprint {
  const itemBytes = itemSize(item as unknown as Record<string, unknown>);
  const indexes = (Object.keys(INDEX_KEY) as IndexName[]).filter((i) => item[INDEX_KEY[i]] !== undefined && (!indexFilter || indexFilter(i)));
  const entry = (i: IndexName) =>
    projection === 'ALL' ? itemBytes : itemSize({ pk: item.pk, s: item.s, [INDEX_KEY[i]]: item[INDEX_KEY[i]] });
  const entries = indexes.map(entry);
  const wru = Math.ceil(itemBytes / KB) + entries.reduce((a, b) => a + Math.ceil(b / KB), 0);
  const storedBytes = itemBytes + OVERHEAD + entries.reduce((a, b) => a + b + OVERHEAD, 0);
  return { itemBytes, indexes, indexEntryBytes: entries[0] ?? 0, wru, storedBytes, baseStoredBytes: itemBytes + OVERHEAD };
}

/** Reads ingest spends per event: the idempotency check is a strongly consistent BatchGetItem (1 RRU per key, found or not). */
export const INGEST_RRU_PER_EVENT = 1;

/** Dollars per million events kept 90 days. */
export interface CostBreakdown {
  readonly writes: number;
  readonly ingestReads: number;
  readonly storage: number;
  readonly pitr: number;
  /** writes + storage + PITR (the issue's "all-in"). */
  readonly allIn: number;
  /** allIn + the ingest idempotency reads. */
  readonly withReads: number;
}

export function costPerMillion(f: Pick<EventFootprint, 'wru' | 'storedBytes' | 'baseStoredBytes'>, cls: TableClass): CostBreakdown {
  const writes = f.wru * cls.perMillionWru;
  const ingestReads = INGEST_RRU_PER_EVENT * cls.perMillionRru;
  const storage = ((f.storedBytes * 1e6) / GB) * cls.perGbMonth * MONTHS;
  const pitr = ((f.baseStoredBytes * 1e6) / GB) * PRICES.pitrPerGbMonth * MONTHS;
  const allIn = writes + storage + pitr;
  return { writes, ingestReads, storage, pitr, allIn, withReads: allIn + ingestReads };
}

/** The stored item for an input, exactly as ingest builds it. */
function itemFor(input: EventInput, shardCount: number, retentionDays: number): EventItem {
  const at = input.occurredAt ?? new Date().toISOString();
  return toItem('acme-prod', toAuditEvent(input, at, parseClient), shardCount, retentionDays);
}

const describeItem = (item: EventItem) =>
  Object.entries(item).map(([k, v]) => `${k}=${v instanceof Uint8Array ? `<${v.byteLength} B deflated JSON>` : typeof v === 'string' && v.length > 40 ? `${JSON.stringify(v.slice(0, 37)).slice(0, -1)}..." (${utf8(v)} B)` : JSON.stringify(v)}`).join(', ');

export interface CostResult {
  readonly typical: EventFootprint;
  readonly typicalStandard: CostBreakdown;
  readonly typicalIa: CostBreakdown;
  readonly sampleAvg: { itemBytes: number; wru: number; storedBytes: number; n: number };
}

/** What the cost section can cross-check against DynamoDB Local's own accounting. */
export interface CapacityProbe {
  /** Puts `item` with ReturnConsumedCapacity INDEXES; resolves with the write units per table/index. */
  readonly put: (item: EventItem) => Promise<{ total: number; detail: string }>;
  /** Units reported for the bulk load and the number of items it wrote. */
  readonly load: { readonly wcu: number; readonly items: number };
}

/** A {@link CapacityProbe} writing through `client` into `table` (the probe items land under tenant `acme-prod`). */
export function capacityProbe(client: DynamoDBDocumentClient, table: string, load: CapacityProbe['load']): CapacityProbe {
  return {
    load,
    put: async (item) => {
      const r = await client.send(new PutCommand({ TableName: table, Item: item, ReturnConsumedCapacity: 'INDEXES' }));
      const c = r.ConsumedCapacity;
      const detail = [`table ${c?.Table?.CapacityUnits ?? '?'}`, ...Object.entries(c?.GlobalSecondaryIndexes ?? {}).map(([k, v]) => `${k} ${v.CapacityUnits}`)].join(', ');
      return { total: c?.CapacityUnits ?? Number.NaN, detail };
    },
  };
}

/** Prints the cost model for the typical and minimal events and the measured sample; returns the figures. */
export async function benchCost(opts: { shardCount: number; retentionDays: number; sample: readonly EventItem[]; probe?: CapacityProbe }): Promise<CostResult> {
  section('Cost: write units, bytes stored and $ per million events kept 90 days (us-east-1, on demand)');
  note(`prices: writes $${PRICES.standard.perMillionWru}/M WRU (Standard-IA $${PRICES.standardIa.perMillionWru}/M), reads $${PRICES.standard.perMillionRru}/M RRU (IA $${PRICES.standardIa.perMillionRru}/M),`);
  note(`        storage $${PRICES.standard.perGbMonth}/GB-month (IA $${PRICES.standardIa.perGbMonth}), PITR $${PRICES.pitrPerGbMonth}/GB-month on base-table data; 90 days = ${MONTHS} months; GB = 2^30 bytes`);
  note('sizes: UTF-8 names + values, numbers ceil(digits/2)+1, binary = bytes; +100 B per base item and per index entry for storage; WRU = Σ ceil(size / 1 KB)');

  const now = new Date(Date.now() - 60_000).toISOString();
  const typicalInput = typicalEvent(now);
  const minimalInput = minimalEvent(now);
  const typicalItem = itemFor(typicalInput, opts.shardCount, opts.retentionDays);
  const minimalItem = itemFor(minimalInput, opts.shardCount, opts.retentionDays);
  note('');
  note(`typical event (input): ${JSON.stringify(typicalInput)}`);
  note(`  stored item: ${describeItem(typicalItem)}`);
  note(`minimal event (input): ${JSON.stringify(minimalInput)}`);
  note(`  stored item: ${describeItem(minimalItem)}`);

  const rows: string[][] = [];
  const show = (label: string, f: EventFootprint) => {
    const std = costPerMillion(f, PRICES.standard);
    const ia = costPerMillion(f, PRICES.standardIa);
    rows.push([label, `${num(f.itemBytes)} B`, `${f.indexes.length} (${f.indexes.join(', ')})`, `${num(f.indexEntryBytes)} B`, String(f.wru), `${num(f.storedBytes)} B`,
      `${usd(std.writes)} + ${usd(std.storage)} + ${usd(std.pitr)} = ${usd(std.allIn)}`, `${usd(ia.writes)} + ${usd(ia.storage)} + ${usd(ia.pitr)} = ${usd(ia.allIn)}`]);
    return { std, ia };
  };
  const typical = footprint(typicalItem);
  const t = show('typical', typical);
  show('minimal (actor only)', footprint(minimalItem));

  let itemBytes = 0;
  let wru = 0;
  let storedBytes = 0;
  let baseStoredBytes = 0;
  for (const it of opts.sample) {
    const f = footprint(it);
    itemBytes += f.itemBytes;
    wru += f.wru;
    storedBytes += f.storedBytes;
    baseStoredBytes += f.baseStoredBytes;
  }
  const n = Math.max(1, opts.sample.length);
  const avg = { itemBytes: itemBytes / n, wru: wru / n, storedBytes: storedBytes / n, baseStoredBytes: baseStoredBytes / n };
  const mixStd = costPerMillion(avg, PRICES.standard);
  const mixIa = costPerMillion(avg, PRICES.standardIa);
  rows.push([`measured mix (${num(opts.sample.length)} of the loaded items)`, `${num(avg.itemBytes, 0)} B avg`, 'sparse', '=item', avg.wru.toFixed(2), `${num(avg.storedBytes)} B`,
    `${usd(mixStd.writes)} + ${usd(mixStd.storage)} + ${usd(mixStd.pitr)} = ${usd(mixStd.allIn)}`, `${usd(mixIa.writes)} + ${usd(mixIa.storage)} + ${usd(mixIa.pitr)} = ${usd(mixIa.allIn)}`]);
  note('');
  console.log(table(['event', 'item', 'index entries', 'entry size', 'WRU', 'stored', 'Standard $/M: writes + storage + PITR', 'Standard-IA $/M: writes + storage + PITR'], rows).replace(/^/gm, '  '));
  note('');

  line('typical event: write request units', `${typical.wru} WRU`, `base 1 + ${typical.indexes.length} index entries (issue aims at <= 2 index writes)`);
  line('typical event: bytes stored', `${num(typical.storedBytes)} B`, `${num(typical.itemBytes)} B item x ${typical.indexes.length + 1} copies + ${(typical.indexes.length + 1) * OVERHEAD} B overhead`);
  line('typical, Standard: all-in $/M events, 90 days', usd(t.std.allIn), `goal <= $2.00  ${verdict('Cost, typical event, Standard ($/M events, 90 d)', `${usd(t.std.allIn)} (writes ${usd(t.std.writes)}, storage ${usd(t.std.storage)}, PITR ${usd(t.std.pitr)})`, '<= $2.00', t.std.allIn <= 2)}`);
  line('typical, Standard-IA: all-in $/M events, 90 days', usd(t.ia.allIn), `goal <= $2.00  ${verdict('Cost, typical event, Standard-IA ($/M events, 90 d)', `${usd(t.ia.allIn)} (writes ${usd(t.ia.writes)}, storage ${usd(t.ia.storage)}, PITR ${usd(t.ia.pitr)})`, '<= $2.00', t.ia.allIn <= 2)}`);
  line('  + ingest idempotency reads (1 RRU/event)', `${usd(t.std.ingestReads)} / ${usd(t.ia.ingestReads)}`, `Standard / IA: ${usd(t.std.withReads)} / ${usd(t.ia.withReads)} with reads`);
  if (opts.probe) {
    const [ty, mi] = [await opts.probe.put(typicalItem), await opts.probe.put(minimalItem)];
    line('cross-check: DynamoDB Local ConsumedCapacity', `${ty.total} / ${mi.total} WCU`, `typical / minimal PutItem (${ty.detail}); model: ${typical.wru} / ${footprint(minimalItem).wru}`);
    line('cross-check: bulk load ConsumedCapacity', `${(opts.probe.load.wcu / opts.probe.load.items).toFixed(2)} WCU/event`, `${num(opts.probe.load.wcu)} WCU for ${num(opts.probe.load.items)} items; model on the sample: ${avg.wru.toFixed(2)}`);
  }
  line('measured mix, Standard / Standard-IA', `${usd(mixStd.allIn)} / ${usd(mixIa.allIn)}`, `avg ${avg.wru.toFixed(2)} WRU, ${num(avg.storedBytes)} B stored per event`);

  // What drives the figure: the same typical item under other index layouts (hypothetical, not the deployed stack).
  note('');
  note('what-if (same typical item, hypothetical index layouts; the stack projects ALL into 4 indexes):');
  const whatIf = (label: string, f: EventFootprint) => {
    const s = costPerMillion(f, PRICES.standard);
    const i = costPerMillion(f, PRICES.standardIa);
    note(`  ${label.padEnd(52)} ${String(f.wru).padStart(2)} WRU ${num(f.storedBytes).padStart(6)} B   Standard ${usd(s.allIn)}   IA ${usd(i.allIn)}`);
  };
  whatIf('no index at all (lower bound for this item)', footprint(typicalItem, 'ALL', () => false));
  whatIf('1 index (byActor), projection KEYS_ONLY', footprint(typicalItem, 'KEYS_ONLY', (i) => i === 'byActor'));
  whatIf('2 indexes (byTime, byActor), projection KEYS_ONLY', footprint(typicalItem, 'KEYS_ONLY', (i) => i === 'byTime' || i === 'byActor'));
  whatIf('2 indexes (byTime, byActor), projection ALL', footprint(typicalItem, 'ALL', (i) => i === 'byTime' || i === 'byActor'));
  whatIf('4 indexes, projection KEYS_ONLY', footprint(typicalItem, 'KEYS_ONLY'));
  note('  (stream reads by Lambda triggers and TTL deletes are free; settings/token reads are per request, not per event)');

  return { typical, typicalStandard: t.std, typicalIa: t.ia, sampleAvg: { itemBytes: avg.itemBytes, wru: avg.wru, storedBytes: avg.storedBytes, n: opts.sample.length } };
}
