/**
 * `npm run bench`: the figures of issues 2 and 3, measured on this machine and
 * printed with their units, what they are compared against, and PASS/MISS per target.
 *
 * 1. P1 ingest: HTTP API vs raw BatchWriteItem on the same DynamoDB Local.
 * 2. Searchable rate vs Retraced: reads right after every POST.
 * 3. P2 query: read amplification over 100k events, page latencies.
 * 4. Cost: write units, bytes stored, $ per million events kept 90 days.
 * 5. P3 export: a 1M-row export against the raw Query read rate, the CSV writer's
 *    peak memory, a 20,000-row export vs Retraced (on a stack in a child process).
 * 6. P4 cold start: bundle sizes, and module init in fresh processes as a ratio to a
 *    bundle holding only the DynamoDB document client, measured interleaved.
 * 7. P1b single-event ingest: one event per POST vs raw single-item PutItem, and where
 *    one POST spends its time.
 * 8. Fuzz: the suite's seeded requests (test/integration/fuzz-arbitraries.ts), counted:
 *    requests, answers by status, 5xx, broken error objects, rejected batches that stored.
 * 9. Throttling: 20,000 events from 8 clients while the DynamoDB fault proxy throttles
 *    30 % of the write calls: requests, 503s, resends, 5xx other than 503, stored = sent.
 * 10. Live stream (issue 8): L1 freshness, L2 fan-out vs raw PostToConnection, L3 no loss
 *    (`--live-seconds N`, default 60), cost per connection-hour and per million delivered events.
 * 11. Web viewer (issue 9), in Debian's Chromium: V1 bundle size (JS + CSS gzip), V2 time to the
 *    first page of 50 over 100k events vs a plain-DOM baseline page, V3 longest task during a live
 *    burst of 200 events/s (`--viewer-burst-seconds N`, default 30).
 *
 * Modules per figure live in scripts/bench/. The issue-2 figures take a few minutes
 * on 2 cores; the export figures some more (loading 1M events dominates).
 * Options: `-- --query-events N` (default 100000), `-- --ingest-events N` (default 20000),
 * `-- --export-rows N` (default 1000000), `-- --single-events N` (default 6000),
 * `-- --throttling-events N` (default 20000),
 * `-- --only issue2|export|coldstart|ingest1|throttling|fuzz|live|viewer` (default: all).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { localTableAdapters } from '../local/adapters.js';
import { startLocal } from '../local/runner.js';
import { benchColdStart } from './bench/cold-start.js';
import { benchExport, RETRACED_EXPORT } from './bench/export.js';
import { documentClient } from './bench/clients.js';
import { benchCost, capacityProbe } from './bench/cost.js';
import { benchIngest, benchSearchable, ingestSetup, RETRACED, type IngestSetup } from './bench/ingest.js';
import { benchSingleIngest, RETRACED_SINGLE_PER_SEC } from './bench/ingest-single.js';
import { benchQuery, loadTenant } from './bench/query.js';
import { benchThrottling } from './bench/throttling.js';
import { benchLive, liveSecondsOption } from './bench/live.js';
import { benchViewer, viewerBurstSecondsOption } from './bench/viewer.js';
import { runFuzz } from './bench/fuzz.js';
import { allVerdicts, line, mark, ms, note, num, section, table, verdict } from './bench/report.js';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 100) throw new Error(`--${name} must be an integer >= 100`);
  return value;
}

/** The sections `--only` can pick; without it, all run. */
const SECTIONS = {
  issue2: 'issue 2 (P1, searchable, P2, cost, P4)',
  export: 'issue 3 (P3 export)',
  coldstart: 'P4 cold start',
  ingest1: 'P1b single-event ingest',
  throttling: 'throttling loses nothing (30 % of writes throttled)',
  fuzz: "fuzz (the suite's generated requests, every problem counted)",
  live: 'live stream (L1 freshness, L2 fan-out, L3 no loss, cost)',
  viewer: 'web viewer (V1 bundle, V2 time to first page vs a plain-DOM page, V3 live burst)',
} as const;
type Section = keyof typeof SECTIONS;

/** Which figures to run: `--only <section>`; all by default. */
function only(): Record<Section, boolean> {
  const i = process.argv.indexOf('--only');
  const names = Object.keys(SECTIONS) as Section[];
  if (i < 0) return Object.fromEntries(names.map((n) => [n, true])) as Record<Section, boolean>;
  const value = process.argv[i + 1] as Section;
  if (!names.includes(value)) throw new Error(`--only must be one of ${names.join(', ')}`);
  return Object.fromEntries(names.map((n) => [n, n === value])) as Record<Section, boolean>;
}

/** DynamoDB Local's version, as its jar reports it (`-version`). */
function dynamoDbLocalVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
    const r = spawnSync('java', ['-jar', 'DynamoDBLocal.jar', '-version'], { cwd: dir, encoding: 'utf8', timeout: 30_000 });
    return r.stdout.trim().split('\n').pop() || 'unknown';
  } catch {
    return 'unknown';
  }
}

// The SDK warns once that its 2027 releases need Node 22; Lambda runs Node 22, and the notice would only clutter the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The issue-2 figures, on a local stack in this process: ingest, searchable rate, query, cost. */
async function issue2Figures(queryEvents: number, ingestEvents: number) {
  note('issue-2 figures: the local HTTP API invokes the real handler modules in this process');
  const t0 = performance.now();
  // The handlers talk to DynamoDB Local directly, as to DynamoDB on AWS (no fault-proxy hop: no faults are injected here).
  const stack = await startLocal({ quiet: true, writeEndpoints: false, dynamoDbFaultProxy: false });
  const { endpoints } = stack;
  note(`local stack up in ${((performance.now() - t0) / 1000).toFixed(1)} s: API ${endpoints.api}, DynamoDB Local ${endpoints.dynamodb}`);
  const setup: IngestSetup = ingestSetup(endpoints);
  if (!setup.shardCount || !setup.retentionDays) throw new Error('ShardCount / RetentionDays missing from the local stack\'s parameters');
  note(`stack parameters: SHARD_COUNT=${setup.shardCount}, RETENTION_DAYS=${setup.retentionDays}`);

  try {
    const ingest = await benchIngest(setup, ingestEvents);
    const searchable = await benchSearchable(setup, ingestEvents);

    section(`P2 query: ${num(queryEvents)} events of one tenant, indexed filters through the real page reader`);
    const loaded = await loadTenant(setup, 'bench-query', queryEvents);
    const stores = localTableAdapters(endpoints);
    const reader = await stores.tokenStore.createToken({ tenant: loaded.tenant, name: 'bench reader', scopes: ['events:read'] });
    const query = await benchQuery(setup, loaded, reader.token, stores);
    stores.ddb.destroy();
    const client = documentClient(setup.dynamodb, setup.region);
    await benchCost({
      shardCount: setup.shardCount,
      retentionDays: setup.retentionDays,
      sample: loaded.sample,
      probe: capacityProbe(client, setup.eventsTable, { wcu: loaded.consumedWcu, items: loaded.count }),
    });
    client.destroy();
    return { ingest, searchable, query };
  } finally {
    await stack.stop();
  }
}

/** The fuzz suite's requests on a local stack of its own, in this process; every problem is counted, none stops the run. */
async function fuzzFigures() {
  section('Fuzz: the suite\'s generated requests, valid and hostile, through the real handlers');
  const stack = await startLocal({ quiet: true, writeEndpoints: false });
  try {
    const f = await runFuzz();
    line('requests sent', num(f.requests), `${Object.entries(f.byFamily).map(([k, n]) => `${k} ${num(n)}`).join('; ')}`);
    line('answers by status', Object.entries(f.byStatus).map(([status, n]) => `${status}: ${num(n)}`).join(', '), `${f.seconds.toFixed(1)} s`);
    line('5xx answers', num(f.fiveXX), verdict('Fuzz: 5xx answers', `${num(f.fiveXX)} of ${num(f.requests)} requests`, '0', f.fiveXX === 0));
    line('4xx outside the error contract', num(f.badErrorShape), verdict('Fuzz: 4xx not the contract error object (or a path naming nothing)', num(f.badErrorShape), '0', f.badErrorShape === 0));
    line('rejected batches that stored something', num(f.partialBatches), verdict('Fuzz: rejected batches that stored events', num(f.partialBatches), '0', f.partialBatches === 0));
    line('answers other than the request implied', num(f.unexpected), 'INFO (a valid request refused, or a broken one accepted)');
    for (const example of f.examples) note(`problem: ${example}`);
  } finally {
    await stack.stop();
  }
}

/** P1b on a local stack of its own (fresh tables), in this process. */
async function singleIngestFigures(events: number) {
  note('P1b: the local HTTP API invokes the real handler modules in this process');
  // The handlers talk to DynamoDB Local directly, as to DynamoDB on AWS (no fault-proxy hop: no faults are injected here).
  const stack = await startLocal({ quiet: true, writeEndpoints: false, dynamoDbFaultProxy: false });
  const { endpoints } = stack;
  try {
    return await benchSingleIngest(ingestSetup(endpoints), events);
  } finally {
    await stack.stop();
  }
}

/**
 * Another `npm run bench` on this machine would share the two cores and distort every figure of
 * both runs: refuse to start (the script's own ancestors, npm and the tsx wrapper, do not count).
 */
function refuseConcurrentRun(): void {
  const ancestors = new Set<number>();
  for (let pid = process.pid; pid > 1;) {
    ancestors.add(pid);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!pid || ancestors.has(pid)) continue;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (/scripts\/bench\.ts/.test(cmdline) && !ancestors.has(pid)) {
      throw new Error(`another benchmark is running (pid ${pid}: ${cmdline.trim().slice(0, 120)}); its load would distort both runs`);
    }
  }
}

async function main(): Promise<void> {
  if (process.platform === 'linux') refuseConcurrentRun();
  const queryEvents = option('query-events', 100_000);
  const ingestEvents = option('ingest-events', 20_000);
  const exportRows = option('export-rows', 1_000_000);
  const singleEvents = option('single-events', 6_000);
  const throttlingEvents = option('throttling-events', 20_000);
  const liveSeconds = liveSecondsOption(process.argv);
  const viewerBurstSeconds = viewerBurstSecondsOption(process.argv);
  const run = only();
  const started = performance.now();
  const cpu = cpus();
  section(`npm run bench: serverless multi-tenant audit log: ${(Object.keys(SECTIONS) as Section[]).filter((n) => run[n]).map((n) => SECTIONS[n]).join('; ')}`);
  note(`date ${new Date().toISOString()}; ${cpu.length} cores (${cpu[0]?.model.trim()}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM; Node ${process.version}; DynamoDB Local ${dynamoDbLocalVersion()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  note('everything runs on this machine: DynamoDB Local (Java, in memory), the local stack running the real handler modules, and the clients');

  const issue2 = run.issue2 ? await issue2Figures(queryEvents, ingestEvents) : undefined;
  const single = run.ingest1 ? await singleIngestFigures(singleEvents) : undefined;
  // On a stack of its own (a child process with its own DynamoDB Local), after the issue-2 stack stopped.
  const exported = run.export ? await benchExport({ rows: exportRows }) : undefined;
  // On a stack of its own in a child process, its handlers behind the DynamoDB fault proxy.
  if (run.throttling) await benchThrottling(throttlingEvents);
  if (run.fuzz) await fuzzFigures();
  // On a stack of its own in this process, WebSocket clients included.
  if (run.live) await benchLive({ l3Seconds: liveSeconds });
  // On a stack of its own in this process, with a headless Chromium.
  if (run.viewer) await benchViewer({ burstSeconds: viewerBurstSeconds });
  // Cold starts last, with DynamoDB Local stopped, so the fresh processes have the CPU to themselves.
  if (run.issue2 || run.coldstart) await benchColdStart();

  const rows: string[][] = [];
  if (issue2) {
    const { ingest, searchable, query } = issue2;
    rows.push(
      ['bulk ingest accepted (20,000 events, 8 clients)', `~${num(RETRACED.acceptedPerSec)} events/s`, `${num(ingest.apiPerSec)} events/s`, `${(ingest.apiPerSec / RETRACED.acceptedPerSec).toFixed(1)} x`],
      ['events searchable (20,000 events, 8 clients)', `~${num(RETRACED.searchablePerSec)} events/s (queue-fed indexer)`, `${num(searchable.perSec)} events/s (at POST return, reads included)`, `${(searchable.perSec / RETRACED.searchablePerSec).toFixed(1)} x`],
      ['actor-filtered page of 20, p50', `${RETRACED.actorPage20P50Ms} ms`, ms(query.httpPage20P50), `${(query.httpPage20P50 / RETRACED.actorPage20P50Ms).toFixed(2)} x`],
    );
  }
  if (single) {
    rows.push(['single-event ingest (one event per POST, 8 clients)', `~${num(RETRACED_SINGLE_PER_SEC)} events/s`, `${num(single.apiPerSec)} events/s`, `${(single.apiPerSec / RETRACED_SINGLE_PER_SEC).toFixed(2)} x`]);
  }
  if (exported) {
    rows.push([
      `${num(RETRACED_EXPORT.rows)}-row CSV export, request to mail (median of 3)`,
      `${RETRACED_EXPORT.seconds} s (in memory; capped at ${num(RETRACED_EXPORT.maxRows)} rows)`,
      `${exported.smallMailSecs.toFixed(2)} s (streamed in parts; no row cap)`,
      `${(exported.smallMailSecs / RETRACED_EXPORT.seconds).toFixed(2)} x`,
    ]);
  }
  if (rows.length) {
    section('Against Retraced (peer figures from the issue, same machine kind)');
    console.log(table(['figure', 'Retraced', 'this audit log', 'ratio'], rows).replace(/^/gm, '  '));
  }

  section('Summary');
  console.log(table(['figure', 'measured', 'target', 'result'], allVerdicts().map((v) => [v.figure, v.measured, v.target, mark(v.pass)])).replace(/^/gm, '  '));
  const missed = allVerdicts().filter((v) => v.pass === false).length;
  note('');
  note(`${allVerdicts().filter((v) => v.pass).length} PASS, ${missed} MISS; total run time ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
