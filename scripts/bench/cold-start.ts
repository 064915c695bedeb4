/**
 * P4 cold start, as a ratio that holds on any machine: bundles every Lambda exactly
 * as the `AuditFunction` construct does (its `BUNDLING_DEFAULTS`, translated to
 * esbuild's JS API the way aws-lambda-nodejs turns them into esbuild CLI flags),
 * plus a REFERENCE bundle that holds only the DynamoDB document client (created at
 * module scope, same options), prints each bundle's size, then times
 * `await import(bundle)` in fresh Node processes, each function's run right after a
 * run of the reference, and compares the two.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build, type Metafile, version as esbuildVersion } from 'esbuild';
import { ROOT } from '../../local/runner.js';
import { backgroundNote, cpuMeter } from './cpu.js';
import { line, mark, median, ms, note, num, section, since, table, verdict } from './report.js';

/** Bundle size targets (KB read as KiB): API functions (a user waits on their cold start), background tasks. */
const MAX_API_BYTES = 300 * 1024;
const MAX_TASK_BYTES = 500 * 1024;
/** Module init of each API function, at most this many times the reference's. */
const MAX_INIT_RATIO = 1.25;
/** Rounds; the median of 21 paired runs: a few noisy starts on this shared machine do not move it. */
const RUNS = 21;

/**
 * The reference: the DynamoDB document client every function uses, created at module
 * scope, and nothing else. What the SDK costs before any project code runs.
 */
const REFERENCE_SOURCE = [
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
  "import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';",
  'const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));',
  "export const handler = async () => ddb.send(new GetCommand({ TableName: process.env.EVENTS_TABLE, Key: { pk: 'x' } }));",
].join('\n');

/** The BundlingOptions keys this translation understands; any other key fails the run, so the bench never silently diverges from the construct. */
const HANDLED = new Set(['minify', 'sourceMap', 'sourceMapMode', 'sourcesContent', 'format', 'target', 'mainFields', 'banner', 'footer', 'externalModules', 'esbuildArgs', 'define', 'keepNames', 'forceDockerBundling', 'logLevel']);

/**
 * esbuild options equivalent to `esbuild --bundle <entry> …` as aws-lambda-nodejs
 * builds it from `bundling` (Bundling.buildEsbuildArgs + esbuildArgs), run from the project root.
 */
export function esbuildOptionsFor(bundling: BundlingOptions, runtimeName: string, entry: string, outfile: string): BuildOptions {
  const unknown = Object.keys(bundling).filter((k) => !HANDLED.has(k));
  if (unknown.length) throw new Error(`bench/cold-start: BUNDLING_DEFAULTS has options this benchmark does not mirror yet: ${unknown.join(', ')}`);
  const alias: Record<string, string> = {};
  for (const [flag, value] of Object.entries(bundling.esbuildArgs ?? {})) {
    if (flag !== '--alias') throw new Error(`bench/cold-start: esbuildArgs ${flag} is not mirrored yet`);
    for (const pair of Array.isArray(value) ? value : [String(value)]) {
      const [from, to] = String(pair).split('=');
      alias[from!] = to!;
    }
  }
  const mode = bundling.sourceMapMode;
  const sourcemap = (bundling.sourceMap ?? mode !== undefined) ? (mode && mode !== 'default' ? (mode as BuildOptions['sourcemap']) : true) : false;
  return {
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    outfile,
    platform: 'node',
    target: bundling.target ?? `node${/nodejs(\d+)/.exec(runtimeName)?.[1]}`,
    format: bundling.format as BuildOptions['format'],
    minify: bundling.minify ?? false,
    sourcemap,
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...(bundling.externalModules ?? ['@aws-sdk/*'])],
    mainFields: bundling.mainFields ? [...bundling.mainFields] : undefined,
    banner: bundling.banner ? { js: bundling.banner } : undefined,
    footer: bundling.footer ? { js: bundling.footer } : undefined,
    define: bundling.define ? { ...bundling.define } : undefined,
    keepNames: bundling.keepNames,
    alias: Object.keys(alias).length ? alias : undefined,
    logLevel: 'warning',
  };
}

/** The environment a deployed function sees (values are stand-ins; only presence and shape matter at init). */
function lambdaEnvironment(name: string, functionDefaults: { serviceName: string; metricsNamespace: string; logLevel: string; sourceMapsAtRuntime: boolean }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    EVENTS_TABLE: 'AuditLog-EventStoreEventsTable',
    CONTROL_TABLE: 'AuditLog-EventStoreControlTable',
    RETENTION_DAYS: '90',
    MAX_RETENTION_DAYS: '365',
    SHARD_COUNT: '4',
    CURSOR_SECRET: 'b'.repeat(64),
    TOKEN_CACHE_SECONDS: '25',
    // The export settings every export route and task reads at init (lib/ExportWorkflow.ts).
    EXPORTS_BUCKET: 'auditlog-exportworkflowexportsbucket-0123456789ab',
    EXPORT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:ExportWorkflowExportStateMachine',
    EXPORT_LINK_TTL_HOURS: '24',
    EXPORT_RETENTION_DAYS: '7',
    SENDER_EMAIL: 'audit@example.com',
    EXPORT_SIGNER_KEY_ID: 'AKIAFAKESIGNERFAKE00',
    EXPORT_SIGNER_SECRET: 'fake/signer/fake/signer/fake/signer/fake0',
    // The live stream's (lib/LiveStream.ts).
    STREAM_URL: 'wss://abcdef1234.execute-api.us-east-1.amazonaws.com/live',
    CONNECTIONS_ENDPOINT: 'https://abcdef1234.execute-api.us-east-1.amazonaws.com/live',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake/fake/fake/fake/fake/fake/fake/fake0',
    AWS_SESSION_TOKEN: 'fake-session-token',
    AWS_LAMBDA_FUNCTION_NAME: `AuditLog-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    POWERTOOLS_SERVICE_NAME: functionDefaults.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: functionDefaults.metricsNamespace,
    POWERTOOLS_LOG_LEVEL: functionDefaults.logLevel,
    // Lambda runs Node 22, where the SDK prints no Node-version notice; this machine's Node 20 would print one at init.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // Run-time source maps as the construct configures them (off by default: FUNCTION_DEFAULTS.sourceMapsAtRuntime).
    ...(functionDefaults.sourceMapsAtRuntime ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
  };
}

/** Bytes in the output per npm package (or `(project)`), largest first. */
function packagesIn(meta: Metafile, outfile: string): { pkg: string; bytes: number }[] {
  const output = Object.entries(meta.outputs).find(([path]) => outfile.endsWith(path.replace(/^(\.\.\/)+/, '')) || path.endsWith('index.mjs'))?.[1];
  const byPkg = new Map<string, number>();
  for (const [path, info] of Object.entries(output?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const pkg = m ? m[1]! : '(project)';
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + info.bytesInOutput);
  }
  return [...byPkg].map(([pkg, bytes]) => ({ pkg, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/**
 * Module init of `bundle` in a fresh process: wall ms spent in `await import()`, and the CPU ms the
 * process used meanwhile (all its threads: V8 compiles and collects garbage in the background too).
 */
function initOnce(bundle: string, env: NodeJS.ProcessEnv): { initMs: number; cpuMs: number } {
  const script = 'const c0 = process.cpuUsage(); const t0 = performance.now(); const m = await import(process.argv[1]); const t1 = performance.now(); const c = process.cpuUsage(c0);'
    + " if (typeof m.handler !== 'function') throw new Error('no handler export');"
    + ' process.stdout.write(JSON.stringify({ initMs: t1 - t0, cpuMs: (c.user + c.system) / 1000 }));';
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(bundle).href], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`init of ${bundle} failed (exit ${r.status}): ${r.stderr.slice(0, 600)}`);
  return JSON.parse(r.stdout) as { initMs: number; cpuMs: number };
}

export interface ColdStartRow {
  readonly name: string;
  /** An API function (route or authorizer), as opposed to an export workflow task. */
  readonly api: boolean;
  readonly bytes: number;
  /** Median module init (ms) of this bundle. */
  readonly initMs: number;
  /** Median module init (ms) of the reference runs paired with this bundle's. */
  readonly refMs: number;
  /** Median over rounds of (this bundle's init ÷ the reference's init just before it). */
  readonly ratio: number;
  /** The same ratio for CPU time (less sensitive to other load on the machine). */
  readonly cpuRatio: number;
}

/**
 * P4: bundle sizes, and module init of every route handler, the authorizer and the export
 * workflow tasks as a ratio to the DynamoDB-client-only reference, measured interleaved.
 */
export async function benchColdStart(): Promise<ColdStartRow[]> {
  section(`P4 cold start: bundles as AuditFunction builds them (esbuild ${esbuildVersion}), module init in fresh Node ${process.version} processes vs a DynamoDB-client-only reference`);
  const [{ BUNDLING_DEFAULTS, FUNCTION_DEFAULTS }, { FUNCTIONS }] = await Promise.all([
    import('../../lib/defaults.js'),
    import('../../lib/catalogue.js'),
  ]);
  const runtime = FUNCTION_DEFAULTS.runtime.name;
  // The API's functions (a user waits on their cold starts) and the export workflow's tasks (background).
  const entries = [
    ...FUNCTIONS.map((f) => ({ name: f.id as string, entry: f.entry as string, api: f.trigger.kind === 'http' || f.trigger.kind === 'authorizer' || f.trigger.kind === 'websocket' })),
  ];
  const out = mkdtempSync(join(tmpdir(), 'audit-log-bench-bundles-'));
  try {
    const sample = esbuildOptionsFor(BUNDLING_DEFAULTS, runtime, '<entry>', '<outdir>/index.mjs');
    note(`esbuild options (from lib/defaults.ts BUNDLING_DEFAULTS): ${JSON.stringify({ ...sample, absWorkingDir: undefined, entryPoints: undefined, outfile: undefined })}`);
    const built = await Promise.all(entries.map(async ({ name, entry, api }) => {
      const outfile = join(out, name, 'index.mjs');
      // metafile only reports what went in; it does not change the output.
      const result = await build({ ...esbuildOptionsFor(BUNDLING_DEFAULTS, runtime, entry, outfile), metafile: true });
      return { name, entry, api, outfile, bytes: statSync(outfile).size, contents: packagesIn(result.metafile!, outfile) };
    }));
    // The reference, with exactly the same options (entry from stdin instead of a file).
    const refFile = join(out, 'reference', 'index.mjs');
    const { entryPoints: _none, ...refOptions } = esbuildOptionsFor(BUNDLING_DEFAULTS, runtime, '<stdin>', refFile);
    const refBuild = await build({ ...refOptions, metafile: true, stdin: { contents: REFERENCE_SOURCE, resolveDir: ROOT, loader: 'ts', sourcefile: 'reference.ts' } });
    const refBytes = statSync(refFile).size;
    note(`reference: ${REFERENCE_SOURCE.replace(/\n/g, ' ')}`);
    note(`reference bundle: ${num(refBytes)} B (${(refBytes / 1024).toFixed(1)} KiB): ${packagesIn(refBuild.metafile!, refFile).slice(0, 6).map((p) => `${p.pkg} ${(p.bytes / 1024).toFixed(0)} KiB`).join(', ')}`);

    const env = (name: string) => lambdaEnvironment(name, FUNCTION_DEFAULTS);
    const refEnv = env('Reference');
    // One untimed run of each bundle: the file cache, not counted.
    initOnce(refFile, refEnv);
    const samples = built.map((b) => {
      initOnce(b.outfile, env(b.name));
      return { b, env: env(b.name), runs: [] as { fn: ReturnType<typeof initOnce>; ref: ReturnType<typeof initOnce> }[] };
    });

    // Every function's run comes right after a run of the reference, so both see the same
    // machine; the order rotates per round so no function always follows the same neighbour.
    const cpu = cpuMeter();
    const t0 = performance.now();
    for (let round = 0; round < RUNS; round++) {
      for (let k = 0; k < samples.length; k++) {
        const x = samples[(k + round) % samples.length]!;
        const ref = initOnce(refFile, refEnv);
        x.runs.push({ ref, fn: initOnce(x.b.outfile, x.env) });
      }
    }
    const used = cpu();
    const secs = since(t0);

    const rows: ColdStartRow[] = samples.map(({ b, runs }) => ({
      name: b.name,
      api: b.api,
      bytes: b.bytes,
      initMs: median(runs.map((r) => r.fn.initMs)),
      refMs: median(runs.map((r) => r.ref.initMs)),
      ratio: median(runs.map((r) => r.fn.initMs / r.ref.initMs)),
      cpuRatio: median(runs.map((r) => r.fn.cpuMs / r.ref.cpuMs)),
    }));
    const allRefs = samples.flatMap((x) => x.runs.map((r) => r.ref));
    const refMedian = median(allRefs.map((r) => r.initMs));
    note(`init = \`await import(bundle)\` in a fresh process (performance.now()), as AuditFunction configures Lambda (run-time source maps ${FUNCTION_DEFAULTS.sourceMapsAtRuntime ? 'on' : 'off'}), after one untimed run of each bundle;`);
    note(`${RUNS} rounds; in each, every bundle runs right after a run of the reference; ratio = median over the rounds of (bundle ÷ the reference run just before it); cpu = the same for the processes' CPU time`);
    note(`reference init: median ${ms(refMedian)} over ${allRefs.length} runs (min ${ms(Math.min(...allRefs.map((r) => r.initMs)))}, CPU ${ms(median(allRefs.map((r) => r.cpuMs)))})`);
    note(`node ${process.version} here (Lambda: Node 22, arm64, 1,024 MB); ${RUNS * samples.length * 2} processes in ${secs.toFixed(0)} s; ${backgroundNote(used, secs)} while measuring`);
    const maxBytes = (api: boolean) => (api ? MAX_API_BYTES : MAX_TASK_BYTES);
    const printed = [
      ['(reference) DynamoDB document client only', '', '(inline)', `${num(refBytes)} B`, `${(refBytes / 1024).toFixed(1)} KiB`, '', ms(refMedian), ms(refMedian), '1.00', '1.00', ''],
      ...rows.map((r) => {
        const b = built.find((x) => x.name === r.name)!;
        return [
          r.name, r.api ? 'API' : 'task', b.entry, `${num(r.bytes)} B`, `${(r.bytes / 1024).toFixed(1)} KiB`, mark(r.bytes <= maxBytes(r.api)),
          ms(r.initMs), ms(r.refMs), r.ratio.toFixed(2), r.cpuRatio.toFixed(2), r.api ? mark(r.ratio <= MAX_INIT_RATIO) : 'INFO',
        ];
      }),
    ];
    console.log(table(['function', 'kind', 'entry', 'index.mjs', 'KiB', 'size', 'init', 'ref (paired)', 'ratio', 'cpu ratio', `<= ${MAX_INIT_RATIO} x`], printed).replace(/^/gm, '  '));
    note('size: API functions <= 300 KiB (307,200 B) each, background tasks <= 500 KiB (512,000 B) each; ratio: API functions <= 1.25 x the reference each (tasks: INFO)');

    const top = (contents: { pkg: string; bytes: number }[]) => contents.slice(0, 6).map((r) => `${r.pkg} ${(r.bytes / 1024).toFixed(0)} KiB`).join(', ');
    for (const [group, members, api] of [['API functions', rows.filter((r) => r.api), true], ['background functions (workflow tasks, stream consumer, schedules)', rows.filter((r) => !r.api), false]] as const) {
      if (!members.length) continue;
      const limit = maxBytes(api);
      const biggest = members.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const slowest = members.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      const sizeOk = members.every((r) => r.bytes <= limit);
      const n = members.length;
      line(`largest bundle, ${group}`, `${(biggest.bytes / 1024).toFixed(1)} KiB`, `${biggest.name}; target <= ${limit / 1024} KiB each  ${verdict(`P4 bundle size, largest of ${n} ${group}`, `${(biggest.bytes / 1024).toFixed(1)} KiB = ${num(biggest.bytes)} B (${biggest.name})`, `<= ${limit / 1024} KiB each`, sizeOk)}`);
      if (sizeOk && biggest.bytes > (limit / 1024) * 1000) note(`  note: ${biggest.name} is over ${num((limit / 1024) * 1000)} B; it passes only with KB read as KiB (1,024 B)`);
      const over = members.filter((r) => r.ratio > MAX_INIT_RATIO);
      const initVerdict = verdict(
        `P4 module init ÷ DynamoDB-client reference, worst of ${n} ${group} (median of ${RUNS} pairs)`,
        `${slowest.ratio.toFixed(2)} x (${slowest.name}: ${ms(slowest.initMs)} vs ${ms(slowest.refMs)}; cpu ${slowest.cpuRatio.toFixed(2)} x)${api && over.length ? `; ${over.length} of ${n} over` : ''}`,
        api ? `<= ${MAX_INIT_RATIO} x each` : 'reported',
        api ? over.length === 0 : undefined,
      );
      line(`highest init ratio, ${group}`, `${slowest.ratio.toFixed(2)} x`, `${slowest.name}, ${ms(slowest.initMs)} vs ${ms(slowest.refMs)}; ${api ? `target <= ${MAX_INIT_RATIO} x each` : 'background: reported'}  ${initVerdict}`);
      for (const name of new Set([biggest.name, slowest.name])) note(`  ${name} bundle by package (bytes in output): ${top(built.find((b) => b.name === name)!.contents)}`);
    }
    return rows;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
