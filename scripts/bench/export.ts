/**
 * P3 exports, on a local stack of their own run in a child process
 * (export-stack.ts), so that process's memory is the memory of the process
 * that runs the export handlers and writes the CSV:
 *
 * 1. Throughput: a tenant with `rows` events (default 1,000,000) loaded straight
 *    into DynamoDB Local; the raw paginated Query read rate of the partitions an
 *    unfiltered export reads (the tenant's timeline shards, in parallel, pages of
 *    EXPORT_PAGE_ITEMS and the projection the export reads; whole items once more
 *    for reference); then an export of everything over HTTP. Export rows/s, from
 *    the export's own timestamps, against 0.7 × the raw rate. The file is
 *    checked: its rows against the events in the window, its records counted by
 *    a streaming CSV parser after a download through the mailed link, its size
 *    against the reported bytes.
 * 2. Memory: the stack process's peak RSS during that export (VmHWM, reset after
 *    a full GC just before it), with RSS sampled every 500 ms beside the
 *    export's progress. It is the first export that process runs.
 * 3. A 20,000-row export (a second tenant), request to mail in the SES mailbox,
 *    median of 3, beside Retraced's 0.71 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse';
import { EXPORT_PAGE_ITEMS, type ExportView } from '../../lambdas/core/exports.js';
import { INDEX, INDEX_KEY, timelinePk } from '../../lambdas/core/keys.js';
import { api, documentClient, expectStatus } from './clients.js';
import { backgroundNote, cpuMeter, dynamoDbLocalPid } from './cpu.js';
import type { BenchReply, BenchStackInfo } from './export-stack.js';
import type { IngestSetup } from './ingest.js';
import { loadTenant } from './query.js';
import { line, median, note, num, section, since, verdict } from './report.js';

/** Retraced's export figures from the issue: a 20,000-row CSV rendered in memory in 0.71 s; exports capped at 1M rows. */
export const RETRACED_EXPORT = { rows: 20_000, seconds: 0.71, maxRows: 1_000_000 } as const;

/** Options of {@link benchExport}. */
export interface ExportBenchOptions {
  /** Events of the big export's tenant. @default 1,000,000 (bench.ts `--export-rows`) */
  readonly rows: number;
  /** Runs of the 20,000-row export. @default 3 */
  readonly smallRuns?: number;
}

/** The figures bench.ts puts in its comparison table. */
export interface ExportResult {
  readonly rowsPerSec: number;
  readonly rawPerSec: number;
  readonly peakRssMb: number | undefined;
  /** Request → mail of the 20,000-row export, median, seconds. */
  readonly smallMailSecs: number;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIG_TENANT = 'bench-export';
const SMALL_TENANT = 'bench-export-20k';
const SAMPLE_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** MB as Lambda counts memory (1 MB = 1,024 kB). */
const mb = (kb: number) => `${num(kb / 1024)} MB`;
const secs = (s: number) => `${s.toFixed(s < 10 ? 2 : 1)} s`;

// ---------------------------------------------------------------- /proc

/** Resident memory of `pid`, kB: VmRSS, VmHWM (peak), and RSS split into anonymous (heaps, buffers) and file-backed (the node binary, libraries). */
function memoryOf(pid: number): { rssKb: number; hwmKb: number; anonKb: number; fileKb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM'), anonKb: kb('RssAnon'), fileKb: kb('RssFile') };
  } catch {
    return undefined;
  }
}

/** Resets `pid`'s VmHWM to its current RSS (Linux `clear_refs` 5); false when not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

let ticks: number | undefined;
/** CPU seconds (user + system) `pid` has used, or undefined. */
function cpuOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  ticks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (f[11]! + f[12]!) / ticks;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- the stack process

/** The local stack running in a child process. */
export interface BenchStack {
  readonly pid: number;
  readonly info: BenchStackInfo;
  /** Sends `gc` or `memory` (see export-stack.ts) and waits for the answer. */
  command(command: 'gc' | 'memory'): Promise<BenchReply>;
  stop(): Promise<void>;
}

/**
 * Lines of the stack's output not repeated here: Powertools' notice on every task (metrics are disabled
 * locally), and the ERROR log of a GET /v1/exports poll that timed out (counted where it is polled).
 */
const NOISE = /No application metrics to publish|"function_name":"AuditLog-ApiGetExport".*TimeoutError/;

/**
 * Starts export-stack.ts with admin tokens for `tenants`; its other output goes to stderr,
 * prefixed with `[<label> stack]`, except lines matching `noise` (besides the usual ones).
 */
export async function startStack(tenants: readonly string[], label = 'export', noise?: RegExp): Promise<BenchStack> {
  const env = { ...process.env };
  delete env.PORT; // a fixed port would clash with another stack
  // node itself (not the tsx CLI, which would run node as its child): the pid is the stack's process.
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'scripts', 'bench', 'export-stack.ts'), ...tenants], {
    cwd: ROOT,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const kill = () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); };
  process.once('exit', kill);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const forward = (l: string) => { if (!NOISE.test(l) && !noise?.test(l)) process.stderr.write(`[${label} stack] ${l}\n`); };
  createInterface({ input: child.stderr }).on('line', forward);
  const lines = createInterface({ input: child.stdout });
  const replies: Array<(reply: BenchReply) => void> = [];
  try {
    const info = await new Promise<BenchStackInfo>((resolveInfo, reject) => {
      const timer = setTimeout(() => reject(new Error(`the ${label} stack did not start within 180 s`)), 180_000);
      lines.on('line', (l) => {
        if (l.startsWith('{"benchStack"')) {
          clearTimeout(timer);
          resolveInfo((JSON.parse(l) as { benchStack: BenchStackInfo }).benchStack);
        } else if (l.startsWith('{"benchReply"')) {
          replies.shift()?.((JSON.parse(l) as { benchReply: BenchReply }).benchReply);
        } else {
          forward(l);
        }
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the ${label} stack exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`));
      });
    });
    return {
      pid: child.pid!,
      info,
      command(command) {
        return new Promise((answer) => {
          replies.push(answer);
          child.stdin.write(`${command}\n`);
        });
      },
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(kill, 20_000);
          await exited;
          clearTimeout(timer);
        }
        process.removeListener('exit', kill);
      },
    };
  } catch (err) {
    kill();
    process.removeListener('exit', kill);
    throw err;
  }
}

// ---------------------------------------------------------------- HTTP, mail, file

interface Mail {
  readonly destination: { readonly to: string[] };
  readonly subject: string;
  readonly body: { readonly text: string };
}

/** The mail sent to `to`, if the SES emulator holds one. */
async function mailTo(mailbox: string, to: string): Promise<Mail | undefined> {
  const res = await fetch(mailbox);
  const store = (await res.json()) as { emails: Mail[] };
  return store.emails.find((m) => m.destination.to.includes(to));
}

/** The download link of a ready mail. */
function linkOf(mail: Mail): string {
  if (!mail.subject.startsWith('Audit log export ready')) throw new Error(`the export mail says: ${mail.subject}\n${mail.body.text}`);
  const link = /https?:\/\/\S+/.exec(mail.body.text)?.[0];
  if (!link) throw new Error(`no link in the export mail: ${mail.body.text}`);
  return link;
}

let mailSerial = 0;
const uniqueEmail = (what: string) => `${what}-${Date.now()}-${++mailSerial}@bench.example.com`;

async function requestExport(base: string, token: string, filters: Record<string, unknown>, email: string): Promise<string> {
  const r = await api<ExportView>(base, token, 'POST', '/v1/exports', { filters, email });
  expectStatus(r, 202, 'POST /v1/exports');
  return r.body.id;
}

async function getExport(base: string, token: string, id: string): Promise<ExportView> {
  const r = await api<ExportView>(base, token, 'GET', `/v1/exports/${id}`);
  expectStatus(r, 200, `GET /v1/exports/${id}`);
  return r.body;
}

/** Polls until the export is succeeded or failed. */
async function settled(base: string, token: string, id: string, timeoutMs = 120_000): Promise<ExportView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await getExport(base, token, id);
    if (view.status === 'succeeded' || view.status === 'failed') return view;
    if (Date.now() > deadline) throw new Error(`export ${id} still ${view.status} after ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/** Events of `actor` up to `to` (inclusive, as an export window), counted over every page of GET /v1/events. */
async function countByActor(base: string, token: string, actor: string, to: string): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const r = await api<{ events: unknown[]; nextCursor?: string }>(base, token, 'GET',
      `/v1/events?actor=${encodeURIComponent(actor)}&to=${encodeURIComponent(to)}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expectStatus(r, 200, 'GET /v1/events?actor=');
    n += r.body.events.length;
    cursor = r.body.nextCursor ?? undefined;
  } while (cursor);
  return n;
}

/** What a streaming parse of a downloaded export found. */
interface FileCheck {
  readonly bytes: number;
  readonly records: number;
  readonly columns: number;
  readonly bom: boolean;
  /** occurredAt (column 2) never decreases. */
  readonly oldestFirst: boolean;
  /** Parts of the multipart upload, from S3's ETag (`"…-N"`). */
  readonly s3Parts: number | undefined;
  readonly secs: number;
}

/** Downloads `url` and counts its CSV records with csv-parse as a stream (nothing held but counters). */
async function checkFile(url: string): Promise<FileCheck> {
  const t0 = performance.now();
  const res = await fetch(url);
  if (res.status !== 200 || !res.body) throw new Error(`download: HTTP ${res.status}`);
  const etag = res.headers.get('etag') ?? '';
  let bytes = 0;
  let head = Buffer.alloc(0);
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (head.length < 3) head = Buffer.concat([head, chunk.subarray(0, 3)]).subarray(0, 3);
      done(null, chunk);
    },
  });
  let records = 0;
  let columns = 0;
  let last = '';
  let oldestFirst = true;
  await pipeline(
    Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
    counter,
    parse({ bom: true }),
    async (rows: AsyncIterable<string[]>) => {
      for await (const row of rows) {
        if (!columns) {
          columns = row.length; // the header
          continue;
        }
        records++;
        const at = row[1]!;
        if (at < last) oldestFirst = false;
        last = at;
      }
    },
  );
  const parts = /-(\d+)"?$/.exec(etag)?.[1];
  return { bytes, records, columns, bom: head.equals(Buffer.from([0xef, 0xbb, 0xbf])), oldestFirst, s3Parts: parts ? Number(parts) : undefined, secs: since(t0) };
}

// ---------------------------------------------------------------- the figures

/** What one raw read of a tenant's timeline took. */
interface RawRead {
  readonly items: number;
  readonly pages: number;
  readonly secs: number;
  readonly perShard: number[];
  /** Latency of each shard's first page, all pages' median, each shard's last page (ms). */
  readonly firstMs: number;
  readonly medianMs: number;
  readonly lastMs: number;
}

/**
 * The attributes an export's Query asks for (`queryAscending` in lambdas/adapters/event-store.ts):
 * the sort key and the body, all a CSV row needs.
 */
const EXPORT_PROJECTION = ['s', 'b'] as const;

/**
 * Reads every item of the tenant's timeline shards (index byTime), shards in parallel, each
 * page after page following LastEvaluatedKey, with the export's page size, and only counts them.
 * With `project`, only those attributes (as the export reads); else whole items.
 */
async function rawTimelineRead(setup: IngestSetup, tenant: string, project?: readonly string[], limit = EXPORT_PAGE_ITEMS): Promise<RawRead> {
  const projected = project && Object.fromEntries(project.map((a) => [`#p_${a}`, a]));
  const client = documentClient(setup.dynamodb, setup.region);
  const t0 = performance.now();
  const pageMs: number[] = [];
  const firsts: number[] = [];
  const lasts: number[] = [];
  const perShard = await Promise.all(Array.from({ length: setup.shardCount }, async (_, shard) => {
    let n = 0;
    let start: Record<string, unknown> | undefined;
    let ms = 0;
    do {
      const p0 = performance.now();
      const r = await client.send(new QueryCommand({
        TableName: setup.eventsTable,
        IndexName: INDEX.byTime,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': INDEX_KEY.byTime, ...projected },
        ExpressionAttributeValues: { ':pk': timelinePk(tenant, shard) },
        ProjectionExpression: projected && Object.keys(projected).join(', '),
        ScanIndexForward: true,
        ExclusiveStartKey: start,
        Limit: limit,
      }));
      ms = performance.now() - p0;
      if (start === undefined) firsts.push(ms);
      pageMs.push(ms);
      n += r.Items?.length ?? 0;
      start = r.LastEvaluatedKey;
    } while (start);
    lasts.push(ms);
    return n;
  }));
  const elapsed = since(t0);
  client.destroy();
  return {
    items: perShard.reduce((a, b) => a + b, 0), pages: pageMs.length, secs: elapsed, perShard,
    firstMs: median(firsts), medianMs: median(pageMs), lastMs: median(lasts),
  };
}

/** "12,345 items/s: 1,000,001 items in 81.0 s, 700 pages; page latency first 300 / median 150 / last 60 ms" */
const describeRead = (r: RawRead) =>
  `${num(r.items)} items in ${secs(r.secs)}, ${num(r.pages)} pages; page latency: first ${num(r.firstMs)} ms, median ${num(r.medianMs)} ms, last ${num(r.lastMs)} ms`;

/** One RSS sample during the big export. */
interface Sample { readonly t: number; readonly rssKb: number; readonly rows: number; readonly status: string }

/** All three P3 figures; see the module comment. */
export async function benchExport(opts: ExportBenchOptions): Promise<ExportResult> {
  const smallRuns = opts.smallRuns ?? 3;
  section(`P3 export: ${num(opts.rows)}-row export, memory of the writer, ${num(RETRACED_EXPORT.rows)}-row export vs Retraced`);
  note('the local stack (HTTP API, Step Functions over the real task handlers, s3rver, SES emulator) runs in a child process');
  note('of its own (scripts/bench/export-stack.ts), so its memory is the CSV writer\'s; DynamoDB Local is a separate Java process');
  const t0 = performance.now();
  const stack = await startStack([SMALL_TENANT, BIG_TENANT]);
  try {
    const { endpoints, tokens, exportEnv } = stack.info;
    const javaPid = dynamoDbLocalPid(endpoints.dynamodb);
    const setup: IngestSetup = {
      api: endpoints.api,
      token: tokens[BIG_TENANT]!.token,
      dynamodb: endpoints.dynamodb,
      region: endpoints.region,
      eventsTable: endpoints.tables.events,
      shardCount: Number(endpoints.parameters.ShardCount),
      retentionDays: Number(endpoints.parameters.RetentionDays),
      javaPid,
    };
    const started = memoryOf(stack.pid);
    note(`stack process ${stack.pid} up in ${secs(since(t0))}: RSS ${started ? mb(started.rssKb) : '?'}${stack.info.gcAfterStart ? ' after a full GC' : ''} (peak so far ${started ? mb(started.hwmKb) : '?'})`);
    note(`export settings: part size ${exportEnv.EXPORT_PART_BYTES ?? '8 MiB (default)'}, rows per chunk ${exportEnv.EXPORT_CHUNK_MAX_ROWS ?? '1,000,000 (default)'}; SHARD_COUNT=${setup.shardCount}, RETENTION_DAYS=${setup.retentionDays}`);

    // ---- data: the small tenant first, so its window can end before anything the run itself writes.
    note('');
    const small = await loadTenant({ ...setup, token: tokens[SMALL_TENANT]!.token }, SMALL_TENANT, RETRACED_EXPORT.rows);
    // Loaded events occurred up to an hour before loading, the token's audit event minutes ago: this `to` keeps exactly the loaded ones.
    const smallFilters = { to: new Date(Date.now() - 30 * 60_000).toISOString() };
    const big = await loadTenant(setup, BIG_TENANT, opts.rows);
    const java = javaPid === undefined ? undefined : memoryOf(javaPid);
    if (java) note(`DynamoDB Local JVM after loading ${num(small.count + big.count)} events: RSS ${mb(java.rssKb)} (JVM default heap limit, in-memory tables)`);

    // ---- 1a. the raw read rate of the same partitions
    note('');
    note(`raw paginated Query of the ${setup.shardCount} timeline shards of ${BIG_TENANT} (index byTime, ascending, Limit ${num(EXPORT_PAGE_ITEMS)} as the export`);
    note('pages, LastEvaluatedKey followed, shards in parallel, SDK document client, items only counted); the export adds the retention');
    note(`range on s and the expiry filter. The target's baseline reads what the export reads (projection ${EXPORT_PROJECTION.join(', ')}); whole items for reference`);
    const cpuRaw = cpuMeter(javaPid);
    const stackCpuRaw = cpuOf(stack.pid);
    const raw = await rawTimelineRead(setup, BIG_TENANT, EXPORT_PROJECTION);
    const rawCpu = cpuRaw();
    const stackDuringRaw = (cpuOf(stack.pid) ?? Number.NaN) - (stackCpuRaw ?? Number.NaN);
    const rawPerSec = raw.items / raw.secs;
    line(`raw Query read, ${EXPORT_PROJECTION.join(', ')} only (as the export)`, `${num(rawPerSec)} items/s`, describeRead(raw));
    note(`  per shard ${raw.perShard.map((n) => num(n)).join(', ')}; CPU: this process ${rawCpu.node.toFixed(1)} s, DynamoDB Local ${rawCpu.java?.toFixed(1) ?? '?'} s, the idle stack process ${stackDuringRaw.toFixed(1)} s; ${backgroundNote(rawCpu, raw.secs)}`);
    const whole = await rawTimelineRead(setup, BIG_TENANT);
    const wholePerSec = whole.items / whole.secs;
    line('raw Query read, whole items', `${num(wholePerSec)} items/s`, describeRead(whole));

    // ---- 1b + 2. the big export, with the stack process's memory sampled. It runs first on this stack
    // process: the small exports would leave their own garbage and allocator growth in the baseline.
    note('');
    const bigToken = tokens[BIG_TENANT]!.token;
    // A full GC first, so the peak is the export's, not garbage left by loading and the small exports.
    const heapBefore = await stack.command('gc');
    const before = memoryOf(stack.pid);
    const reset = resetPeak(stack.pid);
    const email = uniqueEmail('big');
    const cpu0 = { stack: cpuOf(stack.pid), java: cpuOf(javaPid) };
    const r0 = performance.now();
    const id = await requestExport(endpoints.api, bigToken, {}, email);
    const samples: Sample[] = [];
    let mail: Mail | undefined;
    let mailWall: number | undefined;
    let latest: ExportView | undefined;
    // RSS on a timer of its own: a poll may wait seconds for DynamoDB Local (see below).
    const sampler = setInterval(() => {
      const mem = memoryOf(stack.pid);
      if (mem) samples.push({ t: since(r0), rssKb: mem.rssKb, rows: latest?.rowCount ?? 0, status: latest?.status ?? 'queued' });
    }, SAMPLE_MS);
    // DynamoDB Local serves every request on one SQLite thread: behind a long Query page a poll's GetItem can
    // outlast the API function's 10 s timeout (HTTP 500). Those polls are counted and the next one tried.
    let pollErrors = 0;
    const timeoutSecs = Math.max(1800, opts.rows / 100);
    try {
      let lastAnswer = performance.now();
      for (;;) {
        const tick = performance.now();
        const [r, m] = await Promise.all([api<ExportView>(endpoints.api, bigToken, 'GET', `/v1/exports/${id}`), mail ?? mailTo(endpoints.mailbox!, email)]);
        if (m && !mail) {
          mail = m;
          mailWall = since(r0);
        }
        if (r.status === 200) {
          latest = r.body;
          lastAnswer = performance.now();
        } else {
          pollErrors++;
          if (performance.now() - lastAnswer > 120_000) expectStatus(r, 200, `GET /v1/exports/${id} (no answer for 120 s)`);
        }
        if (latest?.status === 'failed') throw new Error(`the ${num(opts.rows)}-row export failed: ${latest.error}`);
        if (latest?.status === 'succeeded' && mail) break;
        if (since(r0) > timeoutSecs) throw new Error(`the export is still ${latest?.status} after ${timeoutSecs} s (${num(latest?.rowCount ?? 0)} rows)`);
        await sleep(Math.max(0, SAMPLE_MS - (performance.now() - tick)));
      }
    } finally {
      clearInterval(sampler);
    }
    const view = latest;
    const last = memoryOf(stack.pid);
    if (last) samples.push({ t: since(r0), rssKb: last.rssKb, rows: view.rowCount, status: view.status });
    const after = memoryOf(stack.pid);
    const heapAfter = await stack.command('memory');
    const cpuStack = (cpuOf(stack.pid) ?? Number.NaN) - (cpu0.stack ?? Number.NaN);
    const cpuJava = (cpuOf(javaPid) ?? Number.NaN) - (cpu0.java ?? Number.NaN);
    const exportSecs = (Date.parse(view.completedAt!) - Date.parse(view.startedAt!)) / 1000;
    const rowsPerSec = view.rowCount / exportSecs;
    const ratio = rowsPerSec / rawPerSec;

    // What the export should hold: the loaded events plus the tenant's own audit events in its window
    // (the token's creation; the export's own request when it occurred in the same millisecond).
    const auditToken = await countByActor(endpoints.api, bigToken, stack.info.tokenActor, view.createdAt);
    const auditRequest = await countByActor(endpoints.api, bigToken, tokens[BIG_TENANT]!.id, view.createdAt);
    const expected = big.count + auditToken + auditRequest;

    // Parts and chunks, as recorded by the workflow (Control table, see lambdas/adapters/export-store.ts).
    const control = documentClient(endpoints.dynamodb, endpoints.region);
    const pk = `EXPORT#${BIG_TENANT}#${id}`;
    const record = (await control.send(new GetCommand({ TableName: endpoints.tables.control, Key: { pk, sk: 'EXPORT' } }))).Item as { seq: number } | undefined;
    const partItems: Array<{ bytes: number; rows: number }> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await control.send(new QueryCommand({
        TableName: endpoints.tables.control,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
        ExpressionAttributeValues: { ':pk': pk, ':part': 'PART#' },
        ExclusiveStartKey: start,
      }));
      partItems.push(...((r.Items ?? []) as Array<{ bytes: number; rows: number }>));
      start = r.LastEvaluatedKey;
    } while (start);
    control.destroy();

    const file = await checkFile(linkOf(mail!));
    const verified = view.rowCount === expected && file.records === view.rowCount && file.bytes === view.bytes && file.bom && file.oldestFirst;

    line(`${num(opts.rows)}-row export: rows exported`, num(view.rowCount), `expected ${num(expected)} = ${num(big.count)} loaded + ${auditToken} token-created + ${auditRequest} export-requested audit event(s) in the window`);
    line('startedAt → completedAt (the export\'s timestamps)', secs(exportSecs), `queued ${secs((Date.parse(view.startedAt!) - Date.parse(view.createdAt)) / 1000)} before Begin`);
    line('request → mail in the mailbox (polled every 0.5 s)', secs(mailWall!), `wall time; ${pollErrors} GET /v1/exports polls timed out (HTTP 500) behind DynamoDB Local`);
    line('export throughput', `${num(rowsPerSec)} rows/s`, 'rowCount / (completedAt − startedAt)');
    line('export / raw Query read rate (same projection)', `${ratio.toFixed(2)} x`, `target >= 0.7 x  ${verdict(`P3 export throughput, ${num(view.rowCount)} rows`, `${num(rowsPerSec)} rows/s vs raw Query (${EXPORT_PROJECTION.join(', ')}) ${num(rawPerSec)} items/s (${ratio.toFixed(2)} x)`, '>= 0.7 x raw Query read rate', ratio >= 0.7)}`);
    line('export / raw Query read rate (whole items)', `${(rowsPerSec / wholePerSec).toFixed(2)} x`, 'for reference');
    note(`CPU during the export: stack process ${cpuStack.toFixed(1)} s (${(cpuStack / exportSecs).toFixed(2)} cores), DynamoDB Local ${cpuJava.toFixed(1)} s (${(cpuJava / exportSecs).toFixed(2)} cores), over ${secs(since(r0))} of wall time`);
    const partBytes = partItems.map((p) => p.bytes);
    const partRows = partItems.map((p) => p.rows);
    line('chunks (state machine loop iterations)', num(record?.seq ?? Number.NaN), `${num(partItems.length)} parts recorded, S3's ETag says ${file.s3Parts ?? '?'}; parts of ${num(Math.min(...partRows))} to ${num(Math.max(...partRows))} rows, ${num(Math.min(...partBytes))} to ${num(Math.max(...partBytes))} B`);
    line('CSV size', `${num((view.bytes ?? 0) / 1e6, 1)} MB`, `${num(view.bytes ?? 0)} bytes reported, ${num((view.bytes ?? 0) / Math.max(1, view.rowCount))} B/row`);
    line('download via the mailed link, streaming parse', `${num(file.records)} rows`, `${num(file.bytes)} bytes, ${file.columns} columns, BOM ${file.bom ? 'yes' : 'NO'}, oldest first ${file.oldestFirst ? 'yes' : 'NO'}, ${secs(file.secs)}`);
    line('file verified (rows, records, bytes)', verified ? 'yes' : 'NO', verdict(`P3 ${num(opts.rows)}-row export file verified`, `rows ${num(view.rowCount)}/${num(expected)}, CSV records ${num(file.records)}, ${num(file.bytes)}/${num(view.bytes ?? 0)} bytes`, 'rows = events in window, records = rows, size = bytes', verified));

    // Memory: the peak since the reset (or, without a reset, since the process started).
    note('');
    note(`memory of the stack process (pid ${stack.pid}: HTTP API, Step Functions, the export task handlers, s3rver, SES emulator, and the`);
    note('local-runner modules loaded at start-up; the CDK synth runs in a child process, DynamoDB Local is a separate Java process: neither counted); MB = 1,024 kB');
    const heap = (r: BenchReply) => `V8 heap used ${mb(r.memory.heapUsed / 1024)} of ${mb(r.memory.heapTotal / 1024)}, buffers ${mb(r.memory.arrayBuffers / 1024)}`;
    if (before) line('RSS before the export, after a full GC', mb(before.rssKb), `${mb(before.anonKb)} anonymous + ${mb(before.fileKb)} file-backed; ${heap(heapBefore)}`);
    const peakKb = after?.hwmKb;
    for (const f of [0.1, 0.25, 0.5, 0.75, 1]) {
      const s = samples.find((x) => x.rows >= f * view.rowCount && (f < 1 || x.status === 'succeeded'));
      if (s) line(`  RSS at ${String(Math.round(f * 100)).padStart(3)} % of the rows`, mb(s.rssKb), `${num(s.rows)} rows written, t = ${secs(s.t)}`);
    }
    const sampledMax = Math.max(...samples.map((s) => s.rssKb));
    line('highest sampled RSS (every 0.5 s)', mb(sampledMax), `${samples.length} samples; after the export ${after ? mb(after.rssKb) : '?'}, ${heap(heapAfter)}`);
    const peakLabel = reset ? 'peak RSS during the export (VmHWM reset at start)' : 'peak RSS (VmHWM since start-up: reset refused)';
    const peakVerdict = peakKb === undefined
      ? verdict('P3 export peak RSS of the CSV-writing process', 'not readable (/proc)', '<= 256 MB', undefined)
      : verdict('P3 export peak RSS of the CSV-writing process', `${mb(peakKb)} (${num(view.rowCount)} rows; ${before ? mb(before.rssKb) : '?'} before the export)`, '<= 256 MB', peakKb / 1024 <= 256);
    line(peakLabel, peakKb === undefined ? '?' : mb(peakKb), `target <= 256 MB  ${peakVerdict}`);
    if (peakKb !== undefined && before) {
      const growth = peakKb - before.rssKb;
      line('growth during the export (peak − before)', mb(growth), verdict('P3 export memory growth (peak − RSS before)', `${mb(growth)} over ${num(view.rowCount)} rows, ${num((view.bytes ?? 0) / 1e6)} MB of CSV`, 'reported (no numeric target)', undefined));
    }
    const javaAfter = javaPid === undefined ? undefined : memoryOf(javaPid);
    if (javaAfter) note(`(not counted) DynamoDB Local JVM: RSS ${mb(javaAfter.rssKb)}, peak ${mb(javaAfter.hwmKb)}`);

    // ---- 3. the 20,000-row export, request → mail, as Retraced measured it
    note('');
    note(`${num(RETRACED_EXPORT.rows)}-row export: POST /v1/exports → its mail in the SES mailbox (polled every 20 ms), ${smallRuns} runs, filters ${JSON.stringify(smallFilters)}`);
    const smallRaw = await rawTimelineRead(setup, SMALL_TENANT, EXPORT_PROJECTION);
    line('floor: raw Query of that timeline', secs(smallRaw.secs), `${num(smallRaw.items / smallRaw.secs)} items/s, nothing written: ${describeRead(smallRaw)}`);
    const smallToken = tokens[SMALL_TENANT]!.token;
    const mailTimes: number[] = [];
    const smallProblems: string[] = [];
    for (let run = 1; run <= smallRuns; run++) {
      const email = uniqueEmail('small');
      const r0 = performance.now();
      const id = await requestExport(endpoints.api, smallToken, smallFilters, email);
      let mail: Mail | undefined;
      while (!(mail = await mailTo(endpoints.mailbox!, email))) {
        if (since(r0) > 120) throw new Error(`no mail for export ${id} within 120 s`);
        await sleep(20);
      }
      const wall = since(r0);
      mailTimes.push(wall);
      const view = await settled(endpoints.api, smallToken, id);
      const file = await checkFile(linkOf(mail));
      const ok = view.status === 'succeeded' && view.rowCount === small.count && file.records === small.count && file.bytes === view.bytes;
      if (!ok) smallProblems.push(`run ${run}: status ${view.status}, rowCount ${view.rowCount}, CSV records ${file.records}, ${file.bytes} bytes downloaded vs ${view.bytes} reported`);
      const inner = (Date.parse(view.completedAt!) - Date.parse(view.createdAt)) / 1000;
      line(`run ${run}: request → mail`, secs(wall), `${num(view.rowCount)} rows, CSV ${num(file.records)} records, ${num(view.bytes ?? 0)} B; createdAt → completedAt ${secs(inner)}${ok ? '' : '  MISMATCH'}`);
    }
    const smallMail = median(mailTimes);
    const smallVerdict = verdict(`${num(RETRACED_EXPORT.rows)}-row export, request → mail, median of ${smallRuns}`,
      `${secs(smallMail)} (Retraced ${RETRACED_EXPORT.seconds} s)`, `< ${RETRACED_EXPORT.seconds} s: PASS, else INFO`, smallMail < RETRACED_EXPORT.seconds ? true : undefined);
    line(`median request → mail, vs Retraced ${RETRACED_EXPORT.seconds} s`, secs(smallMail), `${(smallMail / RETRACED_EXPORT.seconds).toFixed(2)} x  ${smallVerdict}`);
    note(`Retraced renders a ${num(RETRACED_EXPORT.rows)}-row CSV in memory and caps exports at ${num(RETRACED_EXPORT.maxRows)} rows; this export streams in parts and has no row cap`);
    if (smallProblems.length) {
      verdict(`${num(RETRACED_EXPORT.rows)}-row exports verified`, smallProblems.join('; '), 'rows = loaded, CSV records = rows, size = bytes', false);
      for (const p of smallProblems) note(`MISMATCH ${p}`);
    }

    return { rowsPerSec, rawPerSec, peakRssMb: peakKb === undefined ? undefined : peakKb / 1024, smallMailSecs: smallMail };
  } finally {
    await stack.stop();
    note(`export section: ${secs(since(t0))} in all, stack stopped`);
  }
}
