/**
 * "Throttling loses nothing" (issue 7): 20,000 events with client-supplied ids, sent by 8
 * concurrent clients while the local DynamoDB fault proxy throttles 30 % of the tenant's
 * write calls (both throttling errors, drawn per call). A client resends the very same body
 * 1 s after a 503 (the API's Retry-After) until it gets 201; any other 5xx is counted and
 * retried too; a 4xx is counted and given up, and so is a body still without 201 after 50
 * tries or after the time budget.
 * Then, with the rule removed, the tenant's events are read back through the API (pages of
 * 200) and counted straight from DynamoDB Local: stored must equal sent, with no duplicate.
 *
 * Used by `npm run bench` (section "Throttling", `npm run bench -- --only throttling`, which calls
 * {@link benchThrottling}) and by test/e2e/throttling.test.ts, which asserts on the figures
 * ({@link throttledIngest}: needs only HTTP access to a stack and its DynamoDB Local). Standalone,
 * on a stack of its own: `npx tsx scripts/bench/throttling.ts [events]` (default 20,000).
 */
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { injectFault, listFaults, type DynamoDbThrottleRule } from '../../local/faults.js';
import { api, type HttpResult } from './clients.js';
import { startStack } from './export.js';
import { allVerdicts, line, mark, note, num, pool, section, since, table, verdict } from './report.js';
import { eventSource, population, prng } from './workload.js';

/** What the scenario needs from a running local stack. */
export interface ThrottlingSetup {
  readonly api: string;
  /** The fault control server (`endpoints.faults`). */
  readonly faults: string;
  /** DynamoDB Local itself (`endpoints.dynamodb`), for the direct count. */
  readonly dynamodb: string;
  readonly region: string;
  readonly eventsTable: string;
  /** `endpoints.parameters.ShardCount`: the timeline shards the direct count queries. */
  readonly shardCount: number;
  /** A tenant of its own: the rule is scoped to it, and everything it holds is counted. */
  readonly tenant: string;
  /** A token of `tenant` with `events:write` and `events:read`. */
  readonly token: string;
}

/** Options of {@link throttledIngest}. */
export interface ThrottlingOptions {
  /** @default 20000 */
  readonly events?: number;
  /** @default 8 */
  readonly clients?: number;
  /** Share of the tenant's write calls throttled. @default 0.3 */
  readonly share?: number;
  /** Seeds the workload, the request order and the proxy's PRNG. @default 7 */
  readonly seed?: number;
  /** Pause before resending after a 503, as the API's `Retry-After` says. @default 1000 */
  readonly retryPauseMs?: number;
  /** Seconds after which bodies still without a 201 are given up (counted in `abandoned`). @default 600 */
  readonly budgetSecs?: number;
  /** Progress lines (every 15 s while sending). @default silent */
  readonly log?: (line: string) => void;
}

/** The scenario's figures. */
export interface ThrottlingFigures {
  /** Distinct events sent (each in exactly one request body). */
  readonly sent: number;
  /** Request bodies: batches of 100, batches of 25, single events. */
  readonly requests: { readonly total: number; readonly batchesOf100: number; readonly batchesOf25: number; readonly singles: number };
  /** HTTP requests made, retries included. */
  readonly attempts: number;
  /** Answers by status code (retries included). */
  readonly statuses: Readonly<Record<string, number>>;
  /** 503 `service_unavailable` answers (then the same body was resent). */
  readonly unavailable: number;
  /** Resends of a body (after a 503, or anything else that was not 201). */
  readonly retries: number;
  /** 5xx answers other than 503: must be 0. */
  readonly otherServerErrors: number;
  /** Answers that were neither 201 nor 5xx (4xx, network errors): must be 0. */
  readonly unexpected: number;
  /** Bodies never answered 201 after all retries: must be 0. */
  readonly abandoned: number;
  /** A few of the unexpected answers, for the report. */
  readonly samples: readonly string[];
  /** Sum over 201 answers of `accepted − duplicates` (events each 201 reported as new). */
  readonly reportedNew: number;
  /** Sum over 201 answers of `duplicates` (events an earlier, 503-answered attempt had already stored). */
  readonly reportedDuplicates: number;
  /** 201 answers whose `ids` were not exactly the body's ids in order. */
  readonly idMismatches: number;
  /** Distinct event ids listed by GET /v1/events after the run (those listed before it left out). */
  readonly stored: number;
  /** Rows listed more than once. */
  readonly duplicates: number;
  /** Sent ids not listed, and listed ids never sent. */
  readonly missing: number;
  readonly extra: number;
  /** Items the run added to the tenant, counted straight from DynamoDB Local (timeline index, every shard). */
  readonly storedInDynamoDb: number;
  /** Throttled write calls by answer, as the fault proxy counted them. */
  readonly throttled: { readonly calls: number; readonly outcomes: Readonly<Record<string, number>> };
  /** Seconds from the first POST to the last 201. */
  readonly wallSecs: number;
  /** Seconds the read-back through the API took (rule removed). */
  readonly readBackSecs: number;
}

interface PostBody { readonly events: EventInput[] }
interface PostAnswer { accepted?: number; duplicates?: number; ids?: string[]; error?: { code?: string } }

const MAX_TRIES = 50;

/** The bodies of the scenario: 90 % of the events in batches of 100, 5 % in batches of 25, 5 % single, shuffled. */
function requestBodies(tenant: string, total: number, seed: number): { bodies: (PostBody | EventInput)[]; ids: string[]; mix: ThrottlingFigures['requests'] } {
  const next = eventSource(population(), seed);
  const now = Date.now();
  const ids: string[] = [];
  const events = Array.from({ length: total }, (_, i) => {
    const id = `thr-${tenant}-${i.toString().padStart(6, '0')}`;
    ids.push(id);
    return { ...next(new Date(now - 300_000 + Math.floor((i / total) * 290_000)).toISOString()), id };
  });
  const singles = Math.floor(total * 0.05);
  const in25 = Math.floor((total * 0.05) / 25) * 25;
  const in100 = total - singles - in25;
  const bodies: (PostBody | EventInput)[] = [];
  let i = 0;
  for (; i < in100; i += 100) bodies.push({ events: events.slice(i, Math.min(i + 100, in100)) });
  for (; i < in100 + in25; i += 25) bodies.push({ events: events.slice(i, i + 25) });
  for (; i < total; i++) bodies.push(events[i]!);
  const r = prng(seed);
  for (let k = bodies.length - 1; k > 0; k--) {
    const j = r.int(0, k);
    [bodies[k], bodies[j]] = [bodies[j]!, bodies[k]!];
  }
  return { bodies, ids, mix: { total: bodies.length, batchesOf100: Math.ceil(in100 / 100), batchesOf25: in25 / 25, singles } };
}

/** Every event id of the tenant, listed through the API (pages of 200, following cursors). */
async function listAll(s: ThrottlingSetup): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const qs = new URLSearchParams({ limit: '200', ...(cursor ? { cursor } : {}) });
    const r = await api<{ events: { id: string }[]; nextCursor: string | null }>(s.api, s.token, 'GET', `/v1/events?${qs}`);
    if (r.status !== 200) throw new Error(`GET /v1/events answered ${r.status} during the read-back: ${JSON.stringify(r.body).slice(0, 200)}`);
    ids.push(...r.body.events.map((e) => e.id));
    cursor = r.body.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

/** The tenant's items in DynamoDB Local: COUNT Queries of every timeline shard. */
async function countDirect(s: ThrottlingSetup): Promise<number> {
  const client = new DynamoDBClient({ endpoint: s.dynamodb, region: s.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let count = 0;
  try {
    for (let shard = 0; shard < s.shardCount; shard++) {
      let start: Record<string, any> | undefined;
      do {
        const r = await client.send(new QueryCommand({
          TableName: s.eventsTable, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp',
          ExpressionAttributeValues: { ':tp': { S: `${s.tenant}#${shard}` } }, Select: 'COUNT', Limit: 1000, ExclusiveStartKey: start,
        }));
        count += r.Count ?? 0;
        start = r.LastEvaluatedKey;
      } while (start);
    }
  } finally {
    client.destroy();
  }
  return count;
}

/**
 * Runs the scenario against the stack and returns its figures; asserts nothing (callers
 * judge). The throttling rule is removed before the read-back, also when a request throws.
 */
export async function throttledIngest(s: ThrottlingSetup, opts: ThrottlingOptions = {}): Promise<ThrottlingFigures> {
  const total = opts.events ?? 20_000;
  const clients = opts.clients ?? 8;
  const seed = opts.seed ?? 7;
  const pause = opts.retryPauseMs ?? 1_000;
  const budget = opts.budgetSecs ?? 600;
  const { bodies, ids, mix } = requestBodies(s.tenant, total, seed);

  const statuses: Record<string, number> = {};
  const samples: string[] = [];
  let attempts = 0;
  let unavailable = 0;
  let retries = 0;
  let otherServerErrors = 0;
  let unexpected = 0;
  let abandoned = 0;
  let reportedNew = 0;
  let reportedDuplicates = 0;
  let idMismatches = 0;

  const rule: DynamoDbThrottleRule = {
    kind: 'dynamodb-throttle', share: opts.share ?? 0.3, operations: 'writes', tenant: s.tenant, seed,
    // Batch writes (server-generated ids, none here) would also meet partial successes.
    unprocessedShare: 0.4, partialShare: 0.5,
  };
  // Whatever the tenant held before (e.g. its token's audit_token.created event) is not counted.
  const before = new Set(await listAll(s));
  const directBefore = await countDirect(s);
  const fault = await injectFault(s.faults, rule);
  const t0 = performance.now();
  let done = 0;
  const ticker = opts.log && setInterval(() => {
    opts.log!(`${done} / ${bodies.length} bodies answered 201 after ${since(t0).toFixed(0)} s; ${attempts} requests, ${unavailable} × 503, ${otherServerErrors} other 5xx`);
  }, 15_000);
  let wallSecs: number;
  let throttled: ThrottlingFigures['throttled'];
  try {
    await pool(bodies, clients, async (body) => {
      const expected = 'events' in body ? body.events.map((e) => e.id!) : [body.id!];
      for (let tries = 1; ; tries++) {
        attempts++;
        let r: HttpResult<PostAnswer> | undefined;
        let failure: string | undefined;
        try {
          r = await api<PostAnswer>(s.api, s.token, 'POST', '/v1/events', body);
        } catch (err) {
          failure = (err as Error).message;
        }
        const status = r ? String(r.status) : 'network error';
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (r?.status === 201) {
          reportedNew += (r.body.accepted ?? 0) - (r.body.duplicates ?? 0);
          reportedDuplicates += r.body.duplicates ?? 0;
          if (JSON.stringify(r.body.ids) !== JSON.stringify(expected)) idMismatches++;
          done++;
          return;
        }
        if (r?.status === 503 && r.body?.error?.code === 'service_unavailable') unavailable++;
        else {
          if (r && r.status >= 500) otherServerErrors++;
          else unexpected++;
          if (samples.length < 5) samples.push(`${status}: ${failure ?? JSON.stringify(r?.body).slice(0, 200)}`);
        }
        if (tries === MAX_TRIES || (r && r.status < 500) || since(t0) > budget) {
          abandoned++;
          return;
        }
        retries++;
        await new Promise((done) => setTimeout(done, pause));
      }
    });
    wallSecs = since(t0);
    const listed = (await listFaults(s.faults)).find((f) => f.id === fault.id);
    throttled = { calls: listed?.hits ?? 0, outcomes: { ...listed?.outcomes } };
  } finally {
    if (ticker) clearInterval(ticker);
    await fault.remove();
  }

  const t1 = performance.now();
  const listedIds = (await listAll(s)).filter((id) => !before.has(id));
  const readBackSecs = since(t1);
  const distinct = new Set(listedIds);
  const sentIds = new Set(ids);
  return {
    sent: total,
    requests: mix,
    attempts,
    statuses,
    unavailable,
    retries,
    otherServerErrors,
    unexpected,
    abandoned,
    samples,
    reportedNew,
    reportedDuplicates,
    idMismatches,
    stored: distinct.size,
    duplicates: listedIds.length - distinct.size,
    missing: ids.filter((id) => !distinct.has(id)).length,
    extra: [...distinct].filter((id) => !sentIds.has(id)).length,
    storedInDynamoDb: (await countDirect(s)) - directBefore,
    throttled,
    wallSecs,
    readBackSecs,
  };
}

/** One line per figure, for a test's output or the bench. */
export function describeFigures(f: ThrottlingFigures): string[] {
  const outcomes = Object.entries(f.throttled.outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `sent ${f.sent} events in ${f.requests.total} request bodies (${f.requests.batchesOf100} batches of 100, ${f.requests.batchesOf25} of 25, ${f.requests.singles} single) in ${f.wallSecs.toFixed(1)} s`,
    `HTTP requests ${f.attempts}: ${Object.entries(f.statuses).map(([k, v]) => `${k} ×${v}`).join(', ')}; 503 service_unavailable ${f.unavailable}, retries ${f.retries}, other 5xx ${f.otherServerErrors}, unexpected ${f.unexpected}, abandoned ${f.abandoned}`,
    `throttled write calls ${f.throttled.calls} (${outcomes || 'none'})`,
    `201 answers reported ${f.reportedNew} new + ${f.reportedDuplicates} duplicates (stored by an earlier 503-answered attempt); ids mismatched ${f.idMismatches}`,
    `stored (API, distinct) ${f.stored}, in DynamoDB Local ${f.storedInDynamoDb}; duplicates ${f.duplicates}, missing ${f.missing}, extra ${f.extra}; read back in ${f.readBackSecs.toFixed(1)} s`,
    ...f.samples.map((s) => `sample: ${s}`),
  ];
}

/**
 * `npm run bench` section: the scenario on a local stack of its own, in a child process
 * (scripts/bench/export-stack.ts; the handlers reach DynamoDB Local through the fault
 * proxy there), with clients in this process honouring Retry-After (1 s).
 */
export async function benchThrottling(events = 20_000): Promise<ThrottlingFigures> {
  section(`Throttling: ${num(events)} events (client ids), 8 clients, 30 % of write calls throttled by the DynamoDB fault proxy`);
  const tenant = 'bench-throttling';
  // Every 503 is logged by the handlers (as it would be in CloudWatch); here they are counted instead.
  const stack = await startStack([tenant], 'throttling', /"message":"(request failed|dependency unavailable after retries|token lookup unavailable after retries)"/);
  try {
    const e = stack.info.endpoints;
    if (!e.faults) throw new Error('the local stack has no fault server');
    note(`local stack up in a child process (pid ${stack.pid}): API ${e.api}; handlers reach DynamoDB Local ${e.dynamodb} through the fault proxy`);
    const f = await throttledIngest({
      api: e.api, faults: e.faults, dynamodb: e.dynamodb, region: e.region, eventsTable: e.tables.events,
      shardCount: Number(e.parameters.ShardCount), tenant, token: stack.info.tokens[tenant]!.token,
    }, { events, log: note });
    const outcomes = Object.entries(f.throttled.outcomes).map(([k, v]) => `${k} ${num(v)}`).join(', ');
    line('events sent', num(f.sent), `${num(f.requests.total)} bodies: ${f.requests.batchesOf100} × 100, ${f.requests.batchesOf25} × 25, ${num(f.requests.singles)} single`);
    line('wall time', `${f.wallSecs.toFixed(1)} s`, `${num(f.sent / f.wallSecs)} events/s`);
    line('HTTP requests (retries included)', num(f.attempts), Object.entries(f.statuses).map(([k, v]) => `${k} × ${num(v)}`).join(', '));
    line('throttled DynamoDB write calls', num(f.throttled.calls), outcomes);
    line('503 service_unavailable answers / resends', `${num(f.unavailable)} / ${num(f.retries)}`);
    const fiveXx = f.otherServerErrors;
    line('5xx other than 503', num(fiveXx), `target 0  ${verdict('Throttling: 5xx other than 503 (30 % of writes throttled)', num(fiveXx), '0', fiveXx === 0)}`);
    line('bodies without 201 after retries (abandoned)', num(f.abandoned), f.unexpected ? `${num(f.unexpected)} unexpected answers` : '');
    line('201s reported new / duplicates', `${num(f.reportedNew)} / ${num(f.reportedDuplicates)}`, 'duplicates = stored by an earlier attempt that answered 503');
    const exact = f.stored === f.sent && f.storedInDynamoDb === f.sent && f.duplicates === 0 && f.missing === 0 && f.extra === 0;
    line('stored (API) / in DynamoDB Local', `${num(f.stored)} / ${num(f.storedInDynamoDb)}`, `duplicates ${f.duplicates}, missing ${f.missing}, extra ${f.extra}  ${verdict('Throttling: stored = sent, no duplicates', `${num(f.stored)} of ${num(f.sent)}, ${f.duplicates} duplicates`, `= sent, 0 duplicates`, exact)}`);
    const live = f.abandoned === 0;
    verdict('Throttling: every request 201 (after resends on 503)', `${num(f.abandoned)} abandoned`, '0 abandoned', live);
    for (const sample of f.samples) note(`sample: ${sample}`);
    return f;
  } finally {
    await stack.stop();
  }
}

// Standalone: `npx tsx scripts/bench/throttling.ts [events]`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const events = Number(process.argv[2] ?? 20_000);
  if (!Number.isInteger(events) || events < 1) throw new Error('usage: npx tsx scripts/bench/throttling.ts [events (default 20000)]');
  benchThrottling(events).then(
    () => {
      console.log(table(['figure', 'measured', 'target', 'result'], allVerdicts().map((v) => [v.figure, v.measured, v.target, mark(v.pass)])).replace(/^/gm, '  '));
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
