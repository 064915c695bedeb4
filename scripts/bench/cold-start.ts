/**
 * P4 cold start: bundles every Lambda exactly as the `AuditFunction` construct
 * does (its `BUNDLING_DEFAULTS`, translated to esbuild's JS API the way
 * aws-lambda-nodejs turns them into esbuild CLI flags), prints each minified
 * bundle's size, then times `await import(bundle)` in fresh Node processes.
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
import { line, median, ms, note, num, section, since, table, verdict } from './report.js';

const MAX_BYTES = 300 * 1024;
const MAX_INIT_MS = 60;
const RUNS = 9; // a median of 9 fresh processes: one noisy start no longer moves it

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
function lambdaEnvironment(name: string, withSourceMaps: boolean, functionDefaults: { serviceName: string; metricsNamespace: string; logLevel: string }): NodeJS.ProcessEnv {
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
    ...(withSourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
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

/** Module init of `bundle` in a fresh process: ms spent in `await import()`, and the whole process's wall time. */
function initOnce(bundle: string, env: NodeJS.ProcessEnv): { initMs: number; processMs: number } {
  const script = 'const t0 = performance.now(); const m = await import(process.argv[1]); const t1 = performance.now();'
    + " if (typeof m.handler !== 'function') throw new Error('no handler export');"
    + ' process.stdout.write(JSON.stringify({ initMs: t1 - t0 }));';
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(bundle).href], { env, encoding: 'utf8' });
  const processMs = performance.now() - t;
  if (r.status !== 0) throw new Error(`init of ${bundle} failed (exit ${r.status}): ${r.stderr.slice(0, 600)}`);
  return { initMs: (JSON.parse(r.stdout) as { initMs: number }).initMs, processMs };
}

export interface ColdStartRow {
  readonly name: string;
  /** An API function (route or authorizer), as opposed to an export workflow task. */
  readonly api: boolean;
  readonly bytes: number;
  readonly initMs: number;
  readonly initFlippedMs: number;
}

/** P4: bundle sizes and module init times of every route handler and the authorizer. */
export async function benchColdStart(): Promise<ColdStartRow[]> {
  section(`P4 cold start: bundles as AuditFunction builds them (esbuild ${esbuildVersion}), init in fresh Node ${process.version} processes`);
  const [{ BUNDLING_DEFAULTS, FUNCTION_DEFAULTS }, { FUNCTIONS }] = await Promise.all([
    import('../../lib/defaults.js'),
    import('../../lib/catalogue.js'),
  ]);
  /** Label of the column that flips run-time source maps. */
  const FLIPPED = FUNCTION_DEFAULTS.sourceMapsAtRuntime ? 'no maps' : 'with maps';
  // The API's functions (a user waits on their cold starts) and the export workflow's tasks (background).
  const entries = [
    ...FUNCTIONS.map((f) => ({ name: f.id as string, entry: f.entry as string, api: f.trigger.kind === 'http' || f.trigger.kind === 'authorizer' })),
  ];
  const out = mkdtempSync(join(tmpdir(), 'audit-log-bench-bundles-'));
  try {
    const sample = esbuildOptionsFor(BUNDLING_DEFAULTS, FUNCTION_DEFAULTS.runtime.name, '<entry>', '<outdir>/index.mjs');
    note(`esbuild options (from lib/defaults.ts BUNDLING_DEFAULTS): ${JSON.stringify({ ...sample, absWorkingDir: undefined, entryPoints: undefined, outfile: undefined })}`);
    const built = await Promise.all(entries.map(async ({ name, entry, api }) => {
      const outfile = join(out, name, 'index.mjs');
      // metafile only reports what went in; it does not change the output.
      const result = await build({ ...esbuildOptionsFor(BUNDLING_DEFAULTS, FUNCTION_DEFAULTS.runtime.name, entry, outfile), metafile: true });
      return { name, entry, api, outfile, bytes: statSync(outfile).size, contents: packagesIn(result.metafile!, outfile) };
    }));

    // References, same options: what Node and the SDK cost before any project code runs.
    const references = await Promise.all([
      ['(ref) empty handler', 'export const handler = async () => ({ statusCode: 200 });'],
      ['(ref) DynamoDB document client only', "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nimport { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';\n"
        + "const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));\nexport const handler = async () => ddb.send(new GetCommand({ TableName: process.env.EVENTS_TABLE, Key: { pk: 'x' } }));"],
    ].map(async ([name, contents]) => {
      const outfile = join(out, name!.replace(/\W+/g, '-'), 'index.mjs');
      const { entryPoints: _ignored, ...opts } = esbuildOptionsFor(BUNDLING_DEFAULTS, FUNCTION_DEFAULTS.runtime.name, '<stdin>', outfile);
      await build({ ...opts, stdin: { contents: contents!, resolveDir: ROOT, loader: 'ts', sourcefile: 'reference.ts' } });
      return { name: name!, entry: '(inline)', api: false, outfile, bytes: statSync(outfile).size };
    }));

    // Round-robin: run i of every bundle before run i+1 of any, so a burst of noise on this shared
    // machine spreads over all bundles instead of landing on one bundle's consecutive runs.
    const samples = [...built, ...references].map((b) => {
      // "init" runs as AuditFunction configures the function; the other column flips run-time source maps.
      const asDeployed = lambdaEnvironment(b.name, FUNCTION_DEFAULTS.sourceMapsAtRuntime, FUNCTION_DEFAULTS);
      const flipped = lambdaEnvironment(b.name, !FUNCTION_DEFAULTS.sourceMapsAtRuntime, FUNCTION_DEFAULTS);
      initOnce(b.outfile, asDeployed); // file cache, not counted
      return { b, asDeployed, flipped, runs: [] as ReturnType<typeof initOnce>[], runsFlipped: [] as ReturnType<typeof initOnce>[] };
    });

    const cpu = cpuMeter();
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i++) {
      for (const x of samples) {
        x.runs.push(initOnce(x.b.outfile, x.asDeployed));
        x.runsFlipped.push(initOnce(x.b.outfile, x.flipped));
      }
    }
    const rows: ColdStartRow[] = [];
    const printed: string[][] = [];
    for (const { b, runs, runsFlipped } of samples) {
      const m = {
        initMs: median(runs.map((r) => r.initMs)),
        minMs: Math.min(...runs.map((r) => r.initMs)),
        initFlippedMs: median(runsFlipped.map((r) => r.initMs)),
        processMs: median(runs.map((r) => r.processMs)),
      };
      const ref = b.name.startsWith('(ref)');
      if (!ref) rows.push({ name: b.name, api: b.api, bytes: b.bytes, initMs: m.initMs, initFlippedMs: m.initFlippedMs });
      printed.push([
        b.name, b.entry, `${num(b.bytes)} B`, `${(b.bytes / 1024).toFixed(1)} KiB`, ref ? '' : b.bytes <= MAX_BYTES ? 'PASS' : 'MISS',
        ms(m.initMs), ms(m.minMs), ms(m.initFlippedMs), ms(m.processMs), ref ? '' : m.initMs <= MAX_INIT_MS ? 'PASS' : 'MISS',
      ]);
    }
    const used = cpu();
    note(`init = median of ${RUNS} fresh processes timing \`await import(bundle)\` (performance.now()), after one untimed run, round-robin over all bundles; min = fastest of the ${RUNS};`);
    note(`"init" runs as AuditFunction configures Lambda (run-time source maps ${FUNCTION_DEFAULTS.sourceMapsAtRuntime ? 'on' : 'off'}); "${FLIPPED}" flips that (interleaved); "process" = spawn to exit, Node boot included`);
    note(`node ${process.version} here (Lambda: Node 22, arm64, 1,024 MB); ${backgroundNote(used, since(t0))} while measuring`);
    console.log(table(['function', 'entry', 'index.mjs', 'KiB', '<= 300 KiB', 'init', 'min', FLIPPED, 'process', '<= 60 ms'], printed).replace(/^/gm, '  '));
    const top = (rows: { pkg: string; bytes: number }[]) => rows.slice(0, 6).map((r) => `${r.pkg} ${(r.bytes / 1024).toFixed(0)} KiB`).join(', ');
    for (const [group, members] of [['API functions', rows.filter((r) => r.api)], ['export workflow tasks', rows.filter((r) => !r.api)]] as const) {
      if (!members.length) continue;
      const biggest = members.reduce((a, b) => (b.bytes > a.bytes ? b : a));
      const slowest = members.reduce((a, b) => (b.initMs > a.initMs ? b : a));
      const sizeOk = members.every((r) => r.bytes <= MAX_BYTES);
      const initOk = members.every((r) => r.initMs <= MAX_INIT_MS);
      const n = members.length;
      line(`largest bundle, ${group}`, `${(biggest.bytes / 1024).toFixed(1)} KiB`, `${biggest.name}; target <= 300 KiB (307,200 B) each  ${verdict(`P4 bundle size, largest of ${n} ${group}`, `${(biggest.bytes / 1024).toFixed(1)} KiB = ${num(biggest.bytes)} B (${biggest.name})`, '<= 300 KiB each', sizeOk)}`);
      for (const name of new Set([biggest.name, slowest.name])) note(`  ${name} bundle by package (bytes in output): ${top(built.find((b) => b.name === name)!.contents)}`);
      if (sizeOk && biggest.bytes > 300_000) note(`  note: ${biggest.name} is over 300,000 B; it passes only with KB read as KiB (1,024 B)`);
      line(`slowest module init (median), ${group}`, ms(slowest.initMs), `${slowest.name}; target <= 60 ms each  ${verdict(`P4 module init, slowest of ${n} ${group} (median of ${RUNS})`, `${ms(slowest.initMs)} (${slowest.name}; ${ms(slowest.initFlippedMs)} ${FLIPPED})`, '<= 60 ms each', initOk)}`);
    }
    return rows;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
